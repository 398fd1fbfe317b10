import * as v8 from 'node:v8';
import type { CacheStore, EntryKind } from './store';

/**
 * One file holding the small entries (index entries and findings) a project's last run used, so
 * that a run over an unchanged history reads one file instead of a few thousand. It only speeds
 * up reading: every entry it holds is also an entry file of its own, is looked up by the same
 * content-addressed key, and is checked by its reader as if read from that file. A pack that
 * cannot be read is ignored; one that misses an entry falls back to the entry file. Rewritten,
 * with exactly the entries a run used, when more than one in twenty of them were not in it.
 * Models (large, decoded only on demand) are never packed.
 */
export class PackedEntries {
  private loaded: Map<string, Uint8Array> | undefined;
  private readonly used = new Map<string, Uint8Array>();
  /** How many of the entries used were not in the pack. */
  private missed = 0;
  private dirty = false;
  private lastWrite = 0;

  /**
   * @param store the cache folder's entries
   * @param name the pack's key (one pack per project root)
   */
  constructor(
    readonly store: CacheStore,
    private readonly name: string,
  ) {}

  get(kind: EntryKind, key: string): Buffer | undefined {
    if (!packable(kind)) return this.store.get(kind, key);
    const id = `${kind}:${key}`;
    const packed = this.entries().get(id);
    if (packed) {
      this.used.set(id, packed);
      return Buffer.from(packed.buffer, packed.byteOffset, packed.byteLength);
    }
    const data = this.store.get(kind, key);
    if (data) {
      this.used.set(id, data);
      this.missed++;
      this.dirty = true;
    }
    return data;
  }

  put(kind: EntryKind, key: string, payload: Buffer): void {
    this.store.put(kind, key, payload);
    if (!packable(kind)) return;
    this.used.set(`${kind}:${key}`, payload);
    this.missed++;
    this.dirty = true;
  }

  /** Forgets what was used (the language server indexes again); the pack's entries stay readable. */
  resetUse(): void {
    this.used.clear();
    this.missed = 0;
    this.dirty = false;
  }

  /**
   * Writes the pack when this run used entries it did not hold; `minIntervalMs` keeps the language
   * server, whose edits keep adding entries, from rewriting it after every pause in typing.
   */
  write(minIntervalMs = 0): void {
    if (!this.dirty || (this.lastWrite && performance.now() - this.lastWrite < minIntervalMs)) return;
    // A few entries outside the pack (one revision edited: its own and its descendants') are read
    // from their files next time too; rewriting megabytes for them would cost more.
    if (this.entries().size > 0 && this.missed * REWRITE_SHARE < this.used.size) return;
    this.dirty = false;
    this.missed = 0;
    this.lastWrite = performance.now();
    // One blob and a table of offsets: thousands of small buffers deserialize slowly one by one.
    const ids = [...this.used.keys()];
    const parts = [...this.used.values()];
    const ends: number[] = [];
    let end = 0;
    for (const part of parts) ends.push((end += part.byteLength));
    let payload: Buffer;
    try {
      payload = v8.serialize({ ids, ends, blob: Buffer.concat(parts) });
    } catch {
      return;
    }
    this.store.put('pack', this.name, payload);
    this.loaded = new Map(this.used);
  }

  private entries(): Map<string, Uint8Array> {
    if (!this.loaded) this.loaded = readPack(this.store.get('pack', this.name));
    return this.loaded;
  }
}

/** The pack is rewritten when more than 1 in this many entries used were not in it. */
const REWRITE_SHARE = 20;

function packable(kind: EntryKind): boolean {
  return kind === 'index' || kind === 'findings';
}

function readPack(data: Buffer | undefined): Map<string, Uint8Array> {
  if (!data) return new Map();
  try {
    const { ids, ends, blob } = v8.deserialize(data) as { ids: unknown; ends: unknown; blob: unknown };
    if (!Array.isArray(ids) || !Array.isArray(ends) || !(blob instanceof Uint8Array) || ids.length !== ends.length)
      return new Map();
    const entries = new Map<string, Uint8Array>();
    let start = 0;
    for (let i = 0; i < ids.length; i++) {
      const id: unknown = ids[i];
      const end: unknown = ends[i];
      if (typeof id !== 'string' || typeof end !== 'number' || end < start || end > blob.byteLength) return new Map();
      entries.set(id, blob.subarray(start, end));
      start = end;
    }
    return entries;
  } catch {
    return new Map();
  }
}

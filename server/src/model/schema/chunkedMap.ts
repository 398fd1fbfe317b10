import { ObjectMemo } from '../objectMemo';

/**
 * A persistent string-keyed map for the replayed schema: the entries live in 64 buckets, and a
 * changed copy shares every bucket it did not touch. Copying a schema with n tables for one
 * revision's change then costs O(64 + n/64) instead of O(n), which keeps replaying a long
 * history linear in practice. Read through the standard ReadonlyMap interface.
 */
const BUCKETS = 64;

function bucketOf(key: string): number {
  let hash = 2166136261;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 16777619);
  return (hash >>> 0) % BUCKETS;
}

const EMPTY_BUCKET: ReadonlyMap<string, unknown> = new Map<string, unknown>();

/** `valuesIn`'s groupings, per bucket (a bucket is never written once a built map holds it) and grouping function. */
const groupings = new ObjectMemo<ReadonlyMap<string, unknown>, Map<unknown, Map<string, unknown[]>>>('groupings');

export class ChunkedMap<V> implements ReadonlyMap<string, V> {
  /** Use ChunkedMap.empty() / from() / draft().build(). */
  constructor(
    private readonly buckets: ReadonlyArray<ReadonlyMap<string, V>>,
    readonly size: number,
  ) {}

  static empty<V>(): ChunkedMap<V> {
    return new ChunkedMap<V>(
      new Array<ReadonlyMap<string, V>>(BUCKETS).fill(EMPTY_BUCKET as ReadonlyMap<string, V>),
      0,
    );
  }

  static from<V>(entries: Iterable<readonly [string, V]>): ChunkedMap<V> {
    const draft = ChunkedMap.empty<V>().draft();
    for (const [key, value] of entries) draft.set(key, value);
    return draft.build();
  }

  get(key: string): V | undefined {
    return this.buckets[bucketOf(key)].get(key);
  }
  has(key: string): boolean {
    return this.buckets[bucketOf(key)].has(key);
  }

  forEach(callback: (value: V, key: string, map: ReadonlyMap<string, V>) => void): void {
    for (const [key, value] of this) callback(value, key, this);
  }

  *entries(): MapIterator<[string, V]> {
    for (const bucket of this.buckets) yield* bucket.entries();
  }
  *keys(): MapIterator<string> {
    for (const bucket of this.buckets) yield* bucket.keys();
  }
  *values(): MapIterator<V> {
    for (const bucket of this.buckets) yield* bucket.values();
  }
  [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }

  /**
   * The values `groupOf` puts in `group` (e.g. a schema's indexes on one table), in no set order.
   * The grouping is kept per bucket, so the next revision's schema, which shares all but the
   * buckets it changed, regroups only those: asking this of every revision's schema stays linear
   * in the history, where iterating every value would not.
   */
  valuesIn(group: string, groupOf: (value: V) => string): V[] {
    const out: V[] = [];
    for (const bucket of this.buckets) {
      if (bucket.size === 0) continue;
      let byGrouping = groupings.get(bucket);
      if (!byGrouping) groupings.set(bucket, (byGrouping = new Map()));
      let groups = byGrouping.get(groupOf) as Map<string, V[]> | undefined;
      if (!groups) {
        groups = new Map();
        for (const value of bucket.values()) {
          const key = groupOf(value);
          const list = groups.get(key);
          if (list) list.push(value);
          else groups.set(key, [value]);
        }
        byGrouping.set(groupOf, groups);
      }
      const found = groups.get(group);
      if (found) for (const value of found) out.push(value);
    }
    return out;
  }

  /** A mutable copy that copies each bucket the first time it is written. */
  draft(): ChunkedDraft<V> {
    return new ChunkedDraft(this.buckets, this.size);
  }
}

export class ChunkedDraft<V> {
  private readonly buckets: Array<ReadonlyMap<string, V>>;
  private readonly owned = new Array<boolean>(BUCKETS).fill(false);

  constructor(
    buckets: ReadonlyArray<ReadonlyMap<string, V>>,
    private size: number,
  ) {
    this.buckets = buckets.slice();
  }

  get(key: string): V | undefined {
    return this.buckets[bucketOf(key)].get(key);
  }
  has(key: string): boolean {
    return this.buckets[bucketOf(key)].has(key);
  }

  private writable(index: number): Map<string, V> {
    if (!this.owned[index]) {
      this.buckets[index] = new Map(this.buckets[index]);
      this.owned[index] = true;
    }
    return this.buckets[index] as Map<string, V>;
  }

  set(key: string, value: V): void {
    const bucket = this.writable(bucketOf(key));
    if (!bucket.has(key)) this.size++;
    bucket.set(key, value);
  }

  delete(key: string): void {
    const index = bucketOf(key);
    if (!this.buckets[index].has(key)) return;
    this.writable(index).delete(key);
    this.size--;
  }

  *entries(): IterableIterator<[string, V]> {
    for (const bucket of this.buckets) yield* bucket.entries();
  }

  build(): ChunkedMap<V> {
    // A bucket a built map holds is never written again (its groupings are kept, see valuesIn).
    this.owned.fill(false);
    return new ChunkedMap(this.buckets.slice(), this.size);
  }
}

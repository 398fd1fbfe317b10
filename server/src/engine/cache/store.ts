import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runGit } from '../git';

/**
 * The analysis cache's files: one file per entry, named by its key (a content hash), written to a
 * temporary file beside it and renamed into place, so that a reader sees a whole entry or none,
 * and two processes writing the same entry at once (the CLI in a terminal while the editor runs)
 * both write the same bytes. An entry carries its kind, the engine's identity and a checksum of
 * its payload: a truncated, corrupt or foreign entry reads as missing and is rebuilt.
 */

/** Bumped when the layout or the encoding of entries changes. */
const LAYOUT = 'v2';
const MAGIC = 'schema-warden-cache';

export type EntryKind = 'index' | 'model' | 'findings' | 'pack' | 'schema';

export class CacheStore {
  private readonly root: string;
  private ready: boolean | undefined;
  private written = 0;
  private failedWrites = 0;
  private firstWriteError: string | undefined;
  /** Whether the folder holds files committed to git (asked once, on first use). */
  private committed: boolean | undefined;

  /**
   * @param dir the cache folder (`.schema-warden-cache` at the project root unless configured)
   * @param engineId the Schema Warden version and build: entries of another one are never used
   */
  constructor(
    readonly dir: string,
    readonly engineId: string,
  ) {
    this.root = path.join(dir, LAYOUT);
  }

  get(kind: EntryKind, key: string): Buffer | undefined {
    if (this.isCommitted()) return undefined;
    let data: Buffer;
    try {
      data = fs.readFileSync(this.fileOf(kind, key));
    } catch {
      return undefined;
    }
    return unwrap(data, this.header(kind, key));
  }

  /** Whether an entry file exists (not whether it is whole: `get` says that). */
  has(kind: EntryKind, key: string): boolean {
    return !this.isCommitted() && fs.existsSync(this.fileOf(kind, key));
  }

  put(kind: EntryKind, key: string, payload: Buffer): void {
    if (this.isCommitted()) return;
    if (this.ready === undefined) this.ready = this.prepare();
    if (!this.ready) {
      this.failedWrites++;
      return;
    }
    const file = this.fileOf(kind, key);
    const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(temp, wrap(payload, this.header(kind, key)), { flag: 'wx' });
      fs.renameSync(temp, file);
      this.written++;
    } catch (err) {
      this.failedWrites++;
      this.firstWriteError ??= (err as Error).message;
      try {
        fs.unlinkSync(temp);
      } catch {
        // never created
      }
    }
  }

  /**
   * One line for the user when the cache could not be written at all (a read-only folder, a full
   * disk); undefined when it could, or when there was nothing to write. Partial failures are
   * silent: the next run writes what this one could not.
   */
  writeProblem(): string | undefined {
    if (this.committed)
      return (
        `the analysis cache ${this.dir} holds files committed to git, so it is neither read nor ` +
        `written (a committed cache could hide findings); remove it from the repository: git rm -r --cached ${this.dir}`
      );
    if (this.failedWrites === 0 || this.written > 0) return undefined;
    const why = this.firstWriteError ?? 'the folder cannot be created or written';
    return `the analysis cache ${this.dir} could not be written (${why}); runs stay correct but are not faster (--no-cache turns it off)`;
  }

  /**
   * Entries are trusted by their key: a cache folder committed to the repository (forced past its
   * own `.gitignore`, say in a pull request) could carry entries that hide findings from CI. Such a
   * folder is not used. Asked of git once, and only when the folder exists; no git, or a folder
   * outside a repository, is the ordinary case.
   */
  private isCommitted(): boolean {
    if (this.committed === undefined) this.committed = fs.existsSync(this.dir) && trackedByGit(this.dir);
    return this.committed;
  }

  private header(kind: EntryKind, key: string): string {
    return `${MAGIC} ${LAYOUT} ${this.engineId} ${kind} ${key}`;
  }

  private fileOf(kind: EntryKind, key: string): string {
    return path.join(this.root, kind, key.slice(0, 2), `${key}.bin`);
  }

  /** Creates the folder with its own `.gitignore`, so a cache inside a repository is never committed. */
  private prepare(): boolean {
    try {
      fs.mkdirSync(this.root, { recursive: true });
      const ignore = path.join(this.dir, '.gitignore');
      if (!fs.existsSync(ignore)) {
        const temp = `${ignore}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
        fs.writeFileSync(temp, '# Schema Warden analysis cache: safe to delete, never commit.\n*\n', { flag: 'wx' });
        fs.renameSync(temp, ignore);
      }
      return true;
    } catch (err) {
      this.firstWriteError ??= (err as Error).message;
      return false;
    }
  }
}

/** Header line, checksum line, payload. */
function wrap(payload: Buffer, header: string): Buffer {
  const sum = createHash('sha256').update(payload).digest('hex');
  return Buffer.concat([Buffer.from(`${header}\n${sum}\n`, 'utf8'), payload]);
}

function unwrap(data: Buffer, header: string): Buffer | undefined {
  const headerEnd = data.indexOf(10);
  if (headerEnd < 0 || data.toString('utf8', 0, headerEnd) !== header) return undefined;
  const sumEnd = data.indexOf(10, headerEnd + 1);
  if (sumEnd < 0) return undefined;
  const payload = data.subarray(sumEnd + 1);
  const sum = createHash('sha256').update(payload).digest('hex');
  return sum === data.toString('utf8', headerEnd + 1, sumEnd) ? payload : undefined;
}

/**
 * Does git track any file in the folder? False when git is missing, fails, or the folder is in no
 * repository. Through engine/git.ts: the repository's own configuration runs nothing.
 */
function trackedByGit(dir: string): boolean {
  try {
    return runGit(dir, ['ls-files', '-z', '--', '.']).length > 0;
  } catch {
    return false;
  }
}

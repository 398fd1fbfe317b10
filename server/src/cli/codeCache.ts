// V8's code cache for the `schema-warden` command: bin/schema-warden loads dist/cli.js through
// `requireWithCodeCache`, so a one-file lint (a pre-commit hook, an editor's save hook) does not
// compile the 1.4 MB bundle's functions again in every run. Node 22's `module.enableCompileCache()`
// does this for every module; Node 20 has only `vm.Script`'s `cachedData`, which is what this uses.
// Bundled alone as dist/codeCache.js (a few KB, compiled every run, imports nothing of ours).
//
// Safe to keep: an entry is named by a hash of the Node version, architecture, V8 flags and the
// bundle's whole text, carries a SHA-256 of its bytes (checked before V8 sees them: a damaged file
// is never handed to V8), and V8 itself refuses data from another version or other flags. It lives
// in the user's own cache folder (created 0700), never a shared temporary folder, and any problem
// with it (no home folder, a read-only disk, a damaged entry) only means compiling as usual.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import Module from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vm from 'node:vm';

/** What happened to the code cache in this run (for tests; the command prints nothing). */
export type CodeCacheStatus = 'used' | 'written' | 'rejected' | 'off';

const DIGEST_BYTES = 32;

/**
 * The folder of the code cache: `SCHEMA_WARDEN_CODE_CACHE` (a folder, or `off`), else
 * `$XDG_CACHE_HOME/schema-warden/code-cache` (`~/.cache/…`; `%LOCALAPPDATA%\…` on Windows);
 * undefined when there is no home folder to put it in.
 */
export function codeCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const configured = env.SCHEMA_WARDEN_CODE_CACHE;
  if (configured === 'off') return undefined;
  if (configured) return path.resolve(configured);
  let base: string | undefined = process.platform === 'win32' ? env.LOCALAPPDATA : env.XDG_CACHE_HOME;
  if (!base) {
    try {
      base = path.join(os.homedir(), '.cache');
    } catch {
      return undefined;
    }
  }
  return path.join(base, 'schema-warden', 'code-cache');
}

/**
 * Loads the CommonJS file `file` as `require` would (same `module`, `require`, `__dirname`; put
 * in the require cache), with its compiled code read from the cache folder when an entry for this
 * exact text is there. Without one, the entry is written as the process exits, when it also holds
 * the functions the run compiled on the way.
 */
export function requireWithCodeCache(
  file: string,
  cacheDir: string | undefined = codeCacheDir(),
): { exports: unknown; status: CodeCacheStatus } {
  if (!cacheDir) return { exports: require(file) as unknown, status: 'off' };
  const source = fs.readFileSync(file, 'utf8');
  const entry = path.join(cacheDir, `${path.basename(file, '.js')}-${keyOf(source)}.bin`);
  const cachedData = readEntry(entry);
  // No loader for import() is given: a vm.Script has none (and Node 20's would be experimental and
  // lost with cached data), so scripts/bundle.mjs turns cli.js's import() calls into require().
  const script = new vm.Script(Module.wrap(source), { filename: file, ...(cachedData ? { cachedData } : {}) });
  const loaded = new Module(file, module);
  loaded.filename = file;
  loaded.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(
    path.dirname(file),
  );
  (Module as unknown as { _cache: Record<string, Module> })._cache[file] = loaded;
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(loaded.exports, loaded.exports, Module.createRequire(file), loaded, file, path.dirname(file));
  loaded.loaded = true;
  if (cachedData && !script.cachedDataRejected) return { exports: loaded.exports, status: 'used' };
  process.once('exit', () => writeEntry(entry, script.createCachedData()));
  return { exports: loaded.exports, status: cachedData ? 'rejected' : 'written' };
}

function keyOf(source: string): string {
  return crypto
    .createHash('sha256')
    .update(`${process.version}\0${process.arch}\0${process.execArgv.join(' ')}\0`)
    .update(source)
    .digest('hex')
    .slice(0, 32);
}

/** The entry's data when its checksum holds; undefined when it is missing, short or damaged. */
function readEntry(entry: string): Buffer | undefined {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(entry);
  } catch {
    return undefined;
  }
  if (bytes.length <= DIGEST_BYTES) return undefined;
  const data = bytes.subarray(DIGEST_BYTES);
  const digest = crypto.createHash('sha256').update(data).digest();
  return digest.equals(bytes.subarray(0, DIGEST_BYTES)) ? data : undefined;
}

/** Written whole or not at all (a temporary file renamed into place); any failure is ignored. */
function writeEntry(entry: string, data: Buffer): void {
  const temporary = `${entry}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(path.dirname(entry), { recursive: true, mode: 0o700 });
    const digest = crypto.createHash('sha256').update(data).digest();
    fs.writeFileSync(temporary, Buffer.concat([digest, data]), { mode: 0o600 });
    fs.renameSync(temporary, entry);
  } catch {
    try {
      fs.rmSync(temporary, { force: true });
    } catch {
      // the folder is not there to hold it: nothing was written
    }
  }
}

// V8's code cache for the `schema-warden` command (server/src/cli/codeCache.ts), in real child
// processes, since an entry is written as the process exits: written by the first run, used by the
// next, damaged or truncated entries never handed to V8 (compiled afresh and written again), an
// unwritable folder and `off` changing nothing but the speed, and bin/schema-warden's report the
// same as `node dist/cli.js`'s.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const REPO = path.resolve(__dirname, '..', '..', '..');
const LOADER = path.join(REPO, 'out', 'server', 'src', 'cli', 'codeCache.js');

describe('cli: V8 code cache kept between runs (bin/schema-warden)', function () {
  this.timeout(60_000);
  let dir: string;
  let cacheDir: string;
  let moduleFile: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-code-cache-'));
    cacheDir = path.join(dir, 'cache');
    moduleFile = path.join(dir, 'answer.js');
    fs.writeFileSync(
      moduleFile,
      "exports.answer = function () { return require('node:path').basename(__filename) + ':' + 42; };\n",
    );
  });
  afterEach(() => {
    fs.chmodSync(dir, 0o700);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Loads `file` through the code cache in a new Node process; its status and the module's answer. */
  function load(file = moduleFile, env: NodeJS.ProcessEnv = { SCHEMA_WARDEN_CODE_CACHE: cacheDir }) {
    const script = `const r = require(${JSON.stringify(LOADER)}).requireWithCodeCache(${JSON.stringify(file)});
      process.stdout.write(JSON.stringify({ status: r.status, answer: r.exports.answer() }));`;
    const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, ...env } });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stderr, '', 'the code cache never writes to stderr');
    return JSON.parse(run.stdout) as { status: string; answer: string };
  }
  const entries = () => (fs.existsSync(cacheDir) ? fs.readdirSync(cacheDir) : []);

  it('the first run writes an entry (a folder only its user reads), the next uses it', () => {
    assert.deepEqual(load(), { status: 'written', answer: 'answer.js:42' });
    assert.equal(entries().length, 1);
    assert.match(entries()[0] ?? '', /^answer-[0-9a-f]{32}\.bin$/);
    if (process.platform !== 'win32') {
      assert.equal(fs.statSync(cacheDir).mode & 0o777, 0o700);
      assert.equal(fs.statSync(path.join(cacheDir, entries()[0] ?? '')).mode & 0o777, 0o600);
    }
    assert.deepEqual(load(), { status: 'used', answer: 'answer.js:42' });
  });

  it('another text of the file gets an entry of its own', () => {
    load();
    fs.appendFileSync(moduleFile, '// changed\n');
    assert.equal(load().status, 'written');
    assert.equal(entries().length, 2);
  });

  it('a damaged or truncated entry is not handed to V8: compiled afresh and written again', () => {
    load();
    const entry = path.join(cacheDir, entries()[0] ?? '');
    const bytes = fs.readFileSync(entry);
    bytes[bytes.length - 10] ^= 0xff; // a flipped byte in the compiled code, the checksum unchanged
    fs.writeFileSync(entry, bytes);
    assert.deepEqual(load(), { status: 'written', answer: 'answer.js:42' });
    assert.equal(load().status, 'used', 'the entry was written again');
    fs.writeFileSync(entry, bytes.subarray(0, 20));
    assert.equal(load().status, 'written');
    assert.equal(load().status, 'used');
  });

  it('a folder that cannot be written and SCHEMA_WARDEN_CODE_CACHE=off change nothing but the speed', function () {
    if (process.platform === 'win32' || process.getuid?.() === 0) {
      // root writes into a read-only folder; the write is attempted, so check it fails quietly as a file
      fs.writeFileSync(cacheDir, 'not a folder');
    } else {
      fs.mkdirSync(cacheDir);
      fs.chmodSync(cacheDir, 0o500);
    }
    assert.deepEqual(load(), { status: 'written', answer: 'answer.js:42' });
    assert.equal(load().status, 'written', 'nothing could be kept');
    assert.deepEqual(load(moduleFile, { SCHEMA_WARDEN_CODE_CACHE: 'off' }), { status: 'off', answer: 'answer.js:42' });
  });

  it('bin/schema-warden reports what node dist/cli.js reports, first and second run', () => {
    const demo = path.join(REPO, 'examples', 'demo');
    const cli = (command: string[]) =>
      spawnSync(process.execPath, [...command, 'lint', '--no-cache', '--format', 'json', '.'], {
        cwd: demo,
        encoding: 'utf8',
        env: { ...process.env, SCHEMA_WARDEN_CODE_CACHE: cacheDir },
      });
    const plain = cli([path.join(REPO, 'dist', 'cli.js')]);
    assert.equal(plain.status, 1, plain.stderr); // the demo has findings
    for (const run of ['first', 'second']) {
      const cached = cli([path.join(REPO, 'bin', 'schema-warden')]);
      assert.equal(cached.status, 1, `${run}: ${cached.stderr}`);
      assert.equal(cached.stdout, plain.stdout, `${run} run's report`);
      assert.equal(cached.stderr, plain.stderr);
    }
    assert.equal(entries().filter((e) => e.startsWith('cli-')).length, 1, 'cli.js was kept');
  });
});

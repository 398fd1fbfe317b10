import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * One-file start-up (#16): the bundled CLI loads the WASM parsers only when a run parses, and
 * keeps its rarely-run sub-commands in a bundle of their own. Each run here is a fresh process of
 * dist/cli.js (a process of the test runner has its parsers loaded already), preloaded with a
 * script that counts WebAssembly compilations and says the count on standard error at exit.
 */

const REPO = path.resolve(__dirname, '..', '..', '..');
const CLI = path.join(REPO, 'dist', 'cli.js');

const COUNT_WASM = `let loads = 0;
for (const name of ['compile', 'instantiate', 'compileStreaming', 'instantiateStreaming']) {
  const original = WebAssembly[name];
  if (original) WebAssembly[name] = function (...args) { loads++; return original.apply(this, args); };
}
process.on('exit', () => process.stderr.write('wasm-loads: ' + loads + '\\n'));
`;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  wasmLoads: number;
}

const made: string[] = [];

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-lazy-'));
  made.push(dir);
  return dir;
}

function copyDemo(): string {
  const dir = tempDir();
  fs.cpSync(path.join(REPO, 'examples', 'demo'), dir, { recursive: true });
  fs.rmSync(path.join(dir, '.schema-warden-cache'), { recursive: true, force: true });
  return dir;
}

let hook: string;

function run(cwd: string, ...args: string[]): Run {
  const child = spawnSync(process.execPath, ['-r', hook, CLI, ...args], { cwd, encoding: 'utf8' });
  const loads = /wasm-loads: (\d+)\n$/.exec(child.stderr);
  assert.ok(loads, `no count in: ${child.stderr}`);
  return {
    code: child.status,
    stdout: child.stdout,
    stderr: child.stderr.slice(0, loads.index),
    wasmLoads: Number(loads[1]),
  };
}

describe('one-file start-up (bundled CLI)', function () {
  this.timeout(60_000);

  before(function () {
    if (!fs.existsSync(CLI)) this.skip();
    hook = path.join(tempDir(), 'count-wasm.js');
    fs.writeFileSync(hook, COUNT_WASM);
  });

  after(() => {
    for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a one-file lint answered by the cache loads no parser and reports what a cold run does', () => {
    const dir = copyDemo();
    const file = path.join('alembic', 'versions', '0003_create_orders.py');
    const cold = run(dir, 'lint', '--format', 'json', '--no-cache', file);
    assert.equal(cold.wasmLoads, 3, 'a cold run loads tree-sitter, its Python grammar and libpg-query');
    run(dir, 'lint', '--format', 'json'); // fills the cache
    const warm = run(dir, 'lint', '--format', 'json', file);
    assert.equal(warm.wasmLoads, 0);
    assert.equal(warm.code, cold.code);
    assert.equal(warm.stdout, cold.stdout);
    assert.equal(warm.stderr, cold.stderr);
    assert.match(warm.stdout, /SW303/);
  });

  it('a run whose rules parse SQL the cache does not hold loads the parsers and runs again, with the same report', () => {
    const dir = copyDemo();
    // SW501 parses SQL fixtures at rule time: the cache answers it only while the fixtures are unchanged.
    fs.mkdirSync(path.join(dir, 'tests', 'fixtures'), { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'tests', 'fixtures', 'rows.sql'),
      "INSERT INTO account (id, email) VALUES ('a', 'b');\nINSERT INTO ghost (id) VALUES (1);\n",
    );
    run(dir, 'lint');
    // Its findings are kept under the fixtures' content: unchanged, nothing is parsed…
    const unchanged = run(dir, 'lint');
    assert.equal(unchanged.wasmLoads, 0, 'SW501 answered by the cache');
    assert.equal(unchanged.stdout, run(dir, 'lint', '--no-cache').stdout);
    // …a fixture edited makes SW501 parse it again.
    fs.appendFileSync(path.join(dir, 'tests', 'fixtures', 'rows.sql'), 'INSERT INTO account (nickname) VALUES (1);\n');
    const cold = run(dir, 'lint', '--no-cache');
    const warm = run(dir, 'lint');
    assert.equal(warm.wasmLoads, 3, 'the parsers were loaded for SW501');
    assert.equal(warm.code, cold.code);
    assert.equal(warm.stdout, cold.stdout);
    assert.equal(warm.stderr, cold.stderr);
  });

  it('the sub-commands in their own bundle (dist/cliCommands.js) run from dist/cli.js', () => {
    assert.ok(fs.existsSync(path.join(REPO, 'dist', 'cliCommands.js')));
    const dir = copyDemo();
    const verify = run(dir, 'verify', '--help');
    assert.equal(verify.code, 0);
    assert.match(verify.stdout, /^Usage: schema-warden verify/);
    const server = run(dir, 'server', '--help');
    assert.equal(server.code, 0);
    assert.match(server.stdout + server.stderr, /schema-warden server --stdio/);
    const decisions = run(dir, 'decision', 'list');
    assert.equal(decisions.code, 0);
    const baseline = run(dir, 'baseline');
    assert.equal(baseline.code, 0);
    assert.match(baseline.stdout, /0004/);
  });
});

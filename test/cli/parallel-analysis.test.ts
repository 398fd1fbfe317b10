import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeSyntheticHistory } from '../../bench/synthetic';
import { main } from '../../server/src/cli/main';
import type { CliIo } from '../../server/src/cli/io';
import { analyzeOnce } from '../../server/src/engine/analyze';
import { analyzeFilesWith } from '../../server/src/engine/parallelAnalyze';
import { readText } from '../../server/src/engine/readText';
import type { MigrationModel } from '../../server/src/model/migration';
import { engineReady } from '../support/engine';

/**
 * Parsing in worker threads (engine/parallelAnalyze.ts) must change nothing but the time: the
 * same models, the same findings, in the same order, whatever the workers do.
 */

/** A model as plain data: functions (locate) dropped, the line table by its text. */
function plain(model: MigrationModel): unknown {
  return JSON.parse(
    JSON.stringify(model, (key, value) =>
      typeof value === 'function' ? undefined : key === 'lines' ? undefined : value,
    ),
  );
}

async function lintJson(dir: string, workers: string): Promise<{ code: number; stdout: string }> {
  const saved = process.env.SCHEMA_WARDEN_PARSE_WORKERS;
  process.env.SCHEMA_WARDEN_PARSE_WORKERS = workers;
  try {
    let stdout = '';
    const io: CliIo = {
      stdout: (t) => {
        stdout += t;
      },
      stderr: () => undefined,
      cwd: dir,
      isTTY: false,
    };
    const code = await main(['lint', '--format', 'json', dir], io);
    return { code, stdout };
  } finally {
    if (saved === undefined) delete process.env.SCHEMA_WARDEN_PARSE_WORKERS;
    else process.env.SCHEMA_WARDEN_PARSE_WORKERS = saved;
  }
}

describe('parallel analysis (worker threads parse, the main thread builds)', function () {
  this.timeout(120000);
  let dir: string;
  let files: string[];

  before(async () => {
    await engineReady;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-parallel-'));
    writeSyntheticHistory(dir, 120);
    const versions = path.join(dir, 'alembic/versions');
    // A file that does not parse and one with invalid UTF-8 ride along.
    fs.writeFileSync(
      path.join(versions, 'zz_broken.py'),
      'revision = "zz"\ndown_revision = None\ndef upgrade(:\n    op.create_table("t"\n',
    );
    fs.writeFileSync(
      path.join(versions, 'zz_bytes.py'),
      Buffer.from([0x72, 0x20, 0x3d, 0x20, 0x22, 0xff, 0xfe, 0x22, 0x0a]),
    );
    files = fs
      .readdirSync(versions)
      .filter((f) => f.endsWith('.py'))
      .sort()
      .map((f) => path.join(versions, f));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('builds the same models as one thread, in the same order, with one and with three workers', async () => {
    const expected = files.map((file) => plain(analyzeOnce(file, readText(file))));
    for (const workers of [1, 3]) {
      const models = await analyzeFilesWith(files, { workers });
      assert.equal(models.length, files.length);
      models.forEach((model, i) =>
        assert.deepEqual(plain(model), expected[i], `${workers} workers: ${path.basename(files[i])}`),
      );
      // The line table is rebuilt on this thread and works.
      assert.deepEqual(
        models[0].lines.positionAt(models[0].source.length),
        analyzeOnce(files[0], readText(files[0])).lines.positionAt(models[0].source.length),
      );
    }
  });

  it('gives the CLI the same JSON report with workers as without', async () => {
    const sequential = await lintJson(dir, '0');
    const parallel = await lintJson(dir, '2');
    assert.equal(parallel.code, sequential.code);
    assert.ok(sequential.stdout.includes('"SW000"'), 'the broken file is reported');
    assert.equal(parallel.stdout, sequential.stdout);
  });

  it('analyses the files of a worker that fails on this thread', async () => {
    const script = path.join(dir, 'failing-worker.js');
    fs.writeFileSync(script, 'throw new Error("this worker fails at start");\n');
    const models = await analyzeFilesWith(files, { workers: 2, script });
    assert.deepEqual(
      models.map((m) => m.path),
      files,
    );
    assert.deepEqual(plain(models[5]), plain(analyzeOnce(files[5], readText(files[5]))));
  });

  it('analyses the files of a worker that exits half-way on this thread', async () => {
    // Answers its first chunk through the real worker, then exits before the second.
    const real = path.resolve(__dirname, '../../server/src/engine/parseWorker.js');
    const script = path.join(dir, 'exiting-worker.js');
    fs.writeFileSync(
      script,
      `let seen = 0;\nrequire('node:worker_threads').parentPort.on('message', () => { if (++seen ` +
        `> 1) process.exit(3); });\nrequire(${JSON.stringify(real)});\n`,
    );
    const models = await analyzeFilesWith(files, { workers: 1, script });
    assert.deepEqual(
      models.map((m) => m.path),
      files,
    );
    assert.equal(models.filter((m) => m.isRevision).length, files.length - 1);
  });

  it('fails as one thread does when a file vanishes before it is read', async () => {
    const missing = [...files.slice(0, 60), path.join(dir, 'alembic/versions/gone.py')];
    await assert.rejects(analyzeFilesWith(missing, { workers: 2 }), /ENOENT/);
  });
});

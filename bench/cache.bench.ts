import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { figure, median, type Figure } from './figures';
import { writeSyntheticHistory } from './synthetic';
import { bundleServer, LspSession, SERVER_LAUNCHER } from '../test/lsp/lspSession';

/**
 * The analysis cache (#16), each figure a whole process as a user meets it (`bin/schema-warden`,
 * with V8's code cache, as npm and pre-commit run it), on the 1,000-revision synthetic history with
 * its `.schema-warden-cache` filled by an earlier run:
 * - `lint` after one revision (the newest, as while writing a new one) was edited;
 * - `lint FILE` on one revision (a pre-commit hook, an editor's save hook);
 * - the language server from start to the workspace indexed.
 * `node out/bench/cache.bench.js` runs these alone and merges them into bench/results.json.
 */

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
/** What users run (npm's bin, the pre-commit hook): dist/cli.js with V8's code cache kept. */
const COMMAND = path.join(ROOT, 'bin', 'schema-warden');
const COUNT = 1000;
const RUNS = 5;

function lintProcess(cwd: string, args: string[]): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [COMMAND, 'lint', '--format', 'json', ...args], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    // The code cache in the bench's folder: filled by the first run below, as a user's is.
    env: { ...process.env, SCHEMA_WARDEN_CODE_CACHE: path.join(cwd, '.code-cache') },
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0 && result.status !== 1) throw new Error(`lint failed: ${result.stderr}`);
  return ms;
}

/** Each time a different comment, so that exactly one revision differs from what the cache holds. */
function editNewest(file: string, original: string, n: number): void {
  fs.writeFileSync(file, `${original}\n# edit ${n}\n`);
}

/**
 * Spawn to the status "ready" with every revision analysed: the server started as editors start it
 * (dist/serverLauncher.js, V8's code cache in the bench's folder). The status follows the
 * publication of every revision's diagnostics, so this includes them all.
 */
async function lspIndexedMs(root: string): Promise<{ ms: number; log: string }> {
  const started = performance.now();
  const session = new LspSession(root, [SERVER_LAUNCHER, '--stdio'], {
    ...process.env,
    SCHEMA_WARDEN_CODE_CACHE: path.join(root, '.code-cache'),
  });
  try {
    await session.initialize();
    await session.waitForStatus((s) => s.state === 'ready' && s.filesAnalysed === COUNT, 120_000);
    return { ms: performance.now() - started, log: session.logs.find((l) => l.startsWith('Indexed')) ?? '' };
  } finally {
    await session.stop();
  }
}

export async function benchmarks(): Promise<Figure[]> {
  if (!fs.existsSync(CLI)) throw new Error('dist/cli.js is missing: run npm run build');
  bundleServer();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-bench-cache-'));
  try {
    writeSyntheticHistory(dir, COUNT);
    const newest = path.join(dir, 'alembic', 'versions', `r${String(COUNT - 1).padStart(5, '0')}_step_${COUNT - 1}.py`);
    const original = fs.readFileSync(newest, 'utf8');
    lintProcess(dir, []); // fills the cache (and the OS file cache)

    const edited: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      editNewest(newest, original, i);
      edited.push(lintProcess(dir, []));
    }
    fs.writeFileSync(newest, original);
    lintProcess(dir, []);

    const oneFile: number[] = [];
    for (let i = 0; i < RUNS; i++) oneFile.push(lintProcess(dir, [newest]));

    // The server's own entries are the CLI's: the cache is filled already.
    const lsp: number[] = [];
    let log = '';
    await lspIndexedMs(dir); // fills the server's code cache, as an editor's first start does
    for (let i = 0; i < 3; i++) {
      const run = await lspIndexedMs(dir);
      lsp.push(run.ms);
      log = run.log;
    }
    process.stderr.write(`bench: cache: ${log}\n`);
    return [
      figure(
        `lint, ${COUNT} revisions, cache filled, one revision edited, all rules`,
        median(edited),
        'ms',
        250,
        `whole process (spawn to exit) of bin/schema-warden, the newest revision edited, median of ${RUNS}`,
      ),
      figure(
        'lint on one revision file, its project cached',
        median(oneFile),
        'ms',
        200,
        `whole process, \`schema-warden lint FILE\` (bin/schema-warden, its code cache filled), median of ${RUNS}`,
      ),
      figure(
        `LSP server start → workspace indexed, ${COUNT} revisions, cache filled`,
        median(lsp),
        'ms',
        300,
        'spawn (dist/serverLauncher.js, its code cache filled) to the status "ready" with every revision analysed and every diagnostic published, median of 3',
      ),
    ];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Run alone: measure, print, and merge these figures into bench/results.json. */
if (require.main === module) {
  benchmarks()
    .then((figures) => {
      const file = path.join(ROOT, 'bench', 'results.json');
      const results = JSON.parse(fs.readFileSync(file, 'utf8')) as { figures: Figure[] };
      for (const f of figures) {
        const row = { name: f.name, value: f.value, unit: f.unit, budget: f.budget, ok: f.ok };
        const at = results.figures.findIndex((r) => r.name === f.name);
        if (at >= 0) results.figures[at] = row;
        else results.figures.push(row);
        console.log(`${f.ok ? 'ok  ' : 'OVER'}  ${f.name}  ${f.value} ${f.unit}  (budget ≤ ${f.budget} ${f.unit})`);
      }
      fs.writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
    })
    .catch((err) => {
      console.error(err);
      process.exitCode = 1;
    });
}

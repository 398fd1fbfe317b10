import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { figure, median, type Figure } from './figures';
import { writeSyntheticHistory } from './synthetic';

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'dist', 'cli.js');

interface ColdRun {
  wallMs: number;
  maxRssKb: number;
  exit: number | null;
}

/** Runs the bundled CLI in a fresh Node process: a cold lint, as CI runs it. */
function coldLint(dir: string, extraArgs: string[] = []): ColdRun {
  // --no-cache: a cold run, whatever an earlier run left in the history's .schema-warden-cache.
  const script =
    `const t=process.hrtime.bigint();require(` +
    `${JSON.stringify(CLI)}).main(['lint','--format','json','--no-cache',${extraArgs.map((a) => JSON.stringify(a)).join(',')}${extraArgs.length ? ',' : ''}` +
    `${JSON.stringify(dir)}],{stdout(){},stderr(s){process.stderr.write(s)},cwd:` +
    `${JSON.stringify(dir)},isTTY:false}).then(c=>{process.stderr.write('\\nBENCH ` +
    `'+JSON.stringify({ms:Number(process.hrtime.bigint()-t)/1e6,rss:process.resourceUsage().maxRSS,code:c})+'\\n')})`;
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  const line = /BENCH (.*)/.exec(result.stderr ?? '');
  if (!line) throw new Error(`the CLI did not finish: ${result.stderr}`);
  const stats = JSON.parse(line[1]) as { ms: number; rss: number; code: number };
  return { wallMs, maxRssKb: stats.rss, exit: stats.code };
}

/** CPython merely parsing the same files: the reference a cold lint must beat. */
function cpythonAstParse(dir: string): number | undefined {
  const python = ['python3', '/usr/bin/python3'].find((p) => spawnSync(p, ['--version']).status === 0);
  if (!python) return undefined;
  const code =
    'import ast,glob,sys\nfor f in glob.glob(sys.argv[1]+"/alembic/versions/*.py"):\n    ast.parse(open(f,encoding="utf-8").read())';
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const start = process.hrtime.bigint();
    spawnSync(python, ['-c', code, dir]);
    runs.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(runs);
}

export function lintBenchmarks(): Figure[] {
  if (!fs.existsSync(CLI)) throw new Error('dist/cli.js is missing: run npm run build');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-bench-'));
  try {
    const { files, lines } = writeSyntheticHistory(dir, 1000);
    coldLint(dir); // the first run also warms the OS file cache, as a CI checkout would be
    // Interleaved, so that a change in the machine's load during the run affects both alike.
    const engineOnly: ColdRun[] = [];
    const allRules: ColdRun[] = [];
    for (let i = 0; i < 3; i++) {
      engineOnly.push(coldLint(dir, ['--select', 'SW000,SW001,SW101,SW107']));
      allRules.push(coldLint(dir));
    }
    const engineMs = median(engineOnly.map((r) => r.wallMs));
    const allMs = median(allRules.map((r) => r.wallMs));
    const rss = Math.max(...allRules.map((r) => r.maxRssKb)) / 1024;
    const cpython = cpythonAstParse(dir);
    const out: Figure[] = [
      figure(
        `cold lint, ${files} revisions (${lines} lines), engine rules`,
        engineMs,
        'ms',
        1000,
        'wall time of `schema-warden lint --no-cache --format json` in a fresh Node process, median of 3 (issue 16)',
      ),
      figure(`cold lint, ${files} revisions, all rules`, allMs, 'ms', 1300, 'wall time, median of 3 (issue 16)'),
      figure('cold lint throughput, all rules', files / (allMs / 1000), 'files/s', null),
      figure('cold lint peak memory, all rules', rss, 'MiB', null),
    ];
    if (cpython !== undefined)
      out.push(
        figure(
          `CPython ast.parse of the same ${files} files (reference)`,
          cpython,
          'ms',
          null,
          'python3 -c "ast.parse(...)" over the same files, median of 3',
        ),
      );
    out.push(...scalingFigures(allMs, files));
    return out;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The same lint over four times the history. Work that grows faster than the history (a rule that
 * walks the whole history for each op it checks) shows here long before it shows at 1,000
 * revisions. A linear engine stays under 4 ×, since the start-up is paid once: 2.7 × after the
 * schema history stopped walking the graph for each op, 3.4–3.8 × before. Budget 4.2 × (issue
 * 16: linear, with room for this machine's noise).
 */
function scalingFigures(allMsAtBase: number, baseFiles: number): Figure[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-bench-scale-'));
  try {
    const { files } = writeSyntheticHistory(dir, baseFiles * 4);
    coldLint(dir); // the OS file cache, as above
    const ms = median([coldLint(dir).wallMs, coldLint(dir).wallMs]);
    return [
      figure(`cold lint, ${files} revisions, all rules`, ms, 'ms', null, 'median of 2'),
      figure(
        `cold lint scaling, ${files} / ${baseFiles} revisions, all rules`,
        ms / allMsAtBase,
        '×',
        4.2,
        'under 4 × when every part grows linearly with the history (the start-up is paid once); budget 4.2 × (issue 16)',
      ),
    ];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// didChange → publishDiagnostics latency over the protocol (the editor budget), measured
// on the bundled server over stdio. Run: node out/test/lsp/latency.js [lines...] | shapes  (bundle first).
// The benchmark suite can import measureDidChangeLatency() for its report.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ALEMBIC_INI, bundleServer, LspSession, makeWorkspace } from './lspSession';
import { batchRevision, createTableRevision, sqlRevision } from './revisionShapes';

/** A realistic revision of about `lines` lines: add_column ops with comments, a SQL block, a downgrade. */
export function revisionOfLines(lines: number): string {
  const head = [
    '"""add reporting columns',
    '',
    'Revision ID: r1',
    'Revises:',
    '"""',
    'from alembic import op',
    'import sqlalchemy as sa',
    '',
    'revision = "r1"',
    'down_revision = None',
    'branch_labels = None',
    'depends_on = None',
    '',
    '',
    'def upgrade():',
  ];
  const body: string[] = [];
  const down: string[] = [];
  for (let i = 0; head.length + body.length + down.length + 6 < lines; i++) {
    body.push(
      `    op.add_column("report", sa.Column("metric_${i}", sa.Numeric(12, 2), nullable=True, comment="metric ${i} for the monthly report"))`,
    );
    if (i % 10 === 0)
      body.push(
        '    op.execute("""',
        `        UPDATE report SET metric_${i} = 0 WHERE metric_${i} IS NULL`,
        '    """)',
      );
    down.push(`    op.drop_column("report", "metric_${i}")`);
  }
  return [...head, ...body, '', '', 'def downgrade():', ...down.reverse(), ''].join('\n');
}

export interface LatencyResult {
  lines: number;
  samples: number;
  p50: number;
  p99: number;
  max: number;
}

/**
 * Types a character into the downgrade's last line and deletes it again, a keystroke each, and
 * times each from didChange to the diagnostics of that version; the first ones warm up the JIT.
 */
async function typeInto(
  session: LspSession,
  file: string,
  source: string,
  samples: number,
  atTop = false,
): Promise<{ samples: number; p50: number; p99: number; max: number }> {
  const lines = source.split('\n');
  // The downgrade's last line, or (atTop) the first line of upgrade(): every statement after it moves.
  const lastLine = atTop ? lines.indexOf('def upgrade():') + 1 : lines.length - 2;
  const times: number[] = [];
  let warmup = Math.min(20, Math.ceil(samples / 4));
  if ((samples + warmup) % 2 === 1) warmup++; // an even number in all: the text ends as it began
  for (let i = 0; i < samples + warmup; i++) {
    const typing = i % 2 === 0;
    const at = { line: lastLine, character: 4 };
    const started = process.hrtime.bigint();
    await session.change(file, [
      typing
        ? { range: { start: at, end: at }, text: 'x' }
        : { range: { start: at, end: { line: lastLine, character: 5 } }, text: '' },
    ]);
    const version = session.version(file);
    await session.waitForDiagnostics(file, (d) => d.version === version, 120_000);
    if (i >= warmup) times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  times.sort((a, b) => a - b);
  const q = (p: number): number => times[Math.min(times.length - 1, Math.floor(p * times.length))];
  return { samples: times.length, p50: q(0.5), p99: q(0.99), max: times[times.length - 1] };
}

export async function measureDidChangeLatency(lines: number, samples = 200): Promise<LatencyResult> {
  return measureSourceLatency(revisionOfLines(lines), samples);
}

/** The 80-line shapes of the bench besides revisionOfLines(80)'s add_column calls, by name. */
export const REVISION_SHAPES: Record<string, () => string> = {
  create_table: createTableRevision,
  sql: sqlRevision,
  batch: batchRevision,
};

/**
 * Keystroke latency in the last line of `source` (or the first line of its upgrade() with
 * `atTop`), the only revision of its workspace.
 */
export async function measureSourceLatency(source: string, samples = 200, atTop = false): Promise<LatencyResult> {
  bundleServer();
  const root = makeWorkspace({
    'alembic.ini': ALEMBIC_INI,
    'alembic/env.py': '',
    'alembic/versions/r1_report.py': source,
  });
  const file = path.join(root, 'alembic', 'versions', 'r1_report.py');
  const session = new LspSession(root);
  try {
    await session.initialize();
    await session.open(file, source);
    await session.waitForDiagnostics(file, (d) => d.version === 1, 60_000);
    const typed = await typeInto(session, file, source, samples, atTop);
    return { lines: source.split('\n').length, ...typed };
  } finally {
    await session.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

if (require.main === module) {
  (async () => {
    if (process.argv[2] === 'workspace') {
      const r = await measureWorkspace(Number(process.argv[3] ?? 1000));
      console.log(
        `${r.revisions} revisions: first diagnostics ${r.firstDiagnosticsMs.toFixed(0)} ms after ` +
          `start, indexed in ${r.indexedMs.toFixed(0)} ms, keystrokes in the newest revision p50 ${r.keystrokes.p50.toFixed(2)} ` +
          `ms p99 ${r.keystrokes.p99.toFixed(2)} ms, cross-file re-validation ${r.crossFileMs.toFixed(0)} ` +
          `ms (incl. ${150} ms debounce), server RSS ${r.rssMiB.toFixed(0)} MiB; ${r.serverLog}`,
      );
      return;
    }
    if (process.argv[2] === 'shapes') {
      const samples = Number(process.env.SAMPLES ?? 200);
      for (const [name, make] of Object.entries(REVISION_SHAPES)) {
        const r = await measureSourceLatency(make(), samples);
        console.log(
          `didChange→publishDiagnostics, ${name} shape (${r.lines} lines), ${r.samples} keystrokes: ` +
            `p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, max ${r.max.toFixed(2)} ms`,
        );
      }
      return;
    }
    const sizes = process.argv
      .slice(2)
      .map(Number)
      .filter((n) => n > 0);
    const samples = Number(process.env.SAMPLES ?? 200);
    for (const lines of sizes.length ? sizes : [80, 5000]) {
      const r = await measureDidChangeLatency(lines, samples);
      console.log(
        `didChange→publishDiagnostics, ${r.lines}-line revision, ${r.samples} keystrokes: p50 ${r.p50.toFixed(2)} ` +
          `ms, p99 ${r.p99.toFixed(2)} ms, max ${r.max.toFixed(2)} ms`,
      );
    }
  })().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}

/** A chain of `count` small revisions (each adds a commented column and drops it in downgrade). */
export function chainOfRevisions(count: number): Record<string, string> {
  const files: Record<string, string> = { 'alembic.ini': ALEMBIC_INI, 'alembic/env.py': '' };
  for (let i = 1; i <= count; i++) {
    const id = `r${String(i).padStart(5, '0')}`;
    const parent = i === 1 ? 'None' : `"r${String(i - 1).padStart(5, '0')}"`;
    files[`alembic/versions/${id}_step.py`] = [
      `"""step ${i}: add c${i}`,
      '',
      `Revision ID: ${id}`,
      '"""',
      'from alembic import op',
      'import sqlalchemy as sa',
      '',
      `revision = "${id}"`,
      `down_revision = ${parent}`,
      'branch_labels = None',
      'depends_on = None',
      '',
      '',
      'def upgrade():',
      `    op.add_column("t${i % 50}", sa.Column("c${i}", sa.Integer(), nullable=True, comment="step ${i}"))`,
      '',
      '',
      'def downgrade():',
      `    op.drop_column("t${i % 50}", "c${i}")`,
      '',
    ].join('\n');
  }
  return files;
}

export interface WorkspaceResult {
  serverLog: string;
  revisions: number;
  firstDiagnosticsMs: number;
  indexedMs: number;
  /** Keystrokes in the newest revision, the one usually being written, with the whole history behind it. */
  keystrokes: { samples: number; p50: number; p99: number };
  crossFileMs: number;
  rssMiB: number;
}

/** Server start → first diagnostics of an open revision, full index, one cross-file re-validation, RSS. */
export async function measureWorkspace(count: number): Promise<WorkspaceResult> {
  bundleServer();
  const root = makeWorkspace(chainOfRevisions(count));
  const last = path.join(root, 'alembic', 'versions', `r${String(count).padStart(5, '0')}_step.py`);
  const started = performance.now();
  const session = new LspSession(root);
  try {
    await session.initialize();
    await session.open(last);
    await session.waitForDiagnostics(last, (d) => d.version === 1, 120_000);
    const firstDiagnosticsMs = performance.now() - started;
    await session.waitForStatus((s) => s.state === 'ready' && s.filesAnalysed === count, 120_000);
    const indexedMs = performance.now() - started;
    // Read once indexed, as the figure says: the keystrokes below only add garbage to it.
    const rss = fs.readFileSync(`/proc/${session.pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
    const keystrokes = await typeInto(session, last, fs.readFileSync(last, 'utf8'), 60);
    // make the last revision a second head (point it at the first): the cross-file result must follow
    const text = fs.readFileSync(last, 'utf8');
    const line = text.split('\n').findIndex((l) => l.startsWith('down_revision'));
    const before = session.statuses.length;
    const edited = performance.now();
    await session.change(last, [
      {
        range: { start: { line, character: 0 }, end: { line, character: text.split('\n')[line].length } },
        text: 'down_revision = "r00001"',
      },
    ]);
    await session.waitForStatus((s) => session.statuses.indexOf(s) >= before && s.heads.length === 2, 30_000);
    const crossFileMs = performance.now() - edited;
    return {
      serverLog: session.logs.find((l) => l.startsWith('Indexed')) ?? '',
      revisions: count,
      firstDiagnosticsMs,
      indexedMs,
      keystrokes,
      crossFileMs,
      rssMiB: rss ? Number(rss[1]) / 1024 : NaN,
    };
  } finally {
    await session.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

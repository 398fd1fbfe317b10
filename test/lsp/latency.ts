// didChange → publishDiagnostics latency over the protocol (the editor budget), measured
// on the bundled server over stdio. Run: node out/test/lsp/latency.js [lines...]  (bundle first).
// The benchmark suite can import measureDidChangeLatency() for its report.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ALEMBIC_INI, bundleServer, LspSession, makeWorkspace } from './lspSession';

/** A realistic revision of about `lines` lines: add_column ops with comments, a SQL block, a downgrade. */
export function revisionOfLines(lines: number): string {
  const head = ['"""add reporting columns', '', 'Revision ID: r1', 'Revises:', '"""', 'from alembic import op', 'import sqlalchemy as sa', '', 'revision = "r1"', 'down_revision = None', 'branch_labels = None', 'depends_on = None', '', '', 'def upgrade():'];
  const body: string[] = [];
  const down: string[] = [];
  for (let i = 0; head.length + body.length + down.length + 6 < lines; i++) {
    body.push(`    op.add_column("report", sa.Column("metric_${i}", sa.Numeric(12, 2), nullable=True, comment="metric ${i} for the monthly report"))`);
    if (i % 10 === 0) body.push('    op.execute("""', `        UPDATE report SET metric_${i} = 0 WHERE metric_${i} IS NULL`, '    """)');
    down.push(`    op.drop_column("report", "metric_${i}")`);
  }
  return [...head, ...body, '', '', 'def downgrade():', ...down.reverse(), ''].join('\n');
}

export interface LatencyResult { lines: number; samples: number; p50: number; p99: number; max: number }

export async function measureDidChangeLatency(lines: number, samples = 200): Promise<LatencyResult> {
  bundleServer();
  const source = revisionOfLines(lines);
  const root = makeWorkspace({ 'alembic.ini': ALEMBIC_INI, 'alembic/env.py': '', 'alembic/versions/r1_report.py': source });
  const file = path.join(root, 'alembic', 'versions', 'r1_report.py');
  const session = new LspSession(root);
  try {
    await session.initialize();
    await session.open(file, source);
    await session.waitForDiagnostics(file, (d) => d.version === 1, 60_000);
    const lastLine = source.split('\n').length - 2;
    const times: number[] = [];
    for (let i = 0; i < samples + 20; i++) {
      // type a character into the downgrade's last line, then delete it: a keystroke each
      const typing = i % 2 === 0;
      const at = { line: lastLine, character: 4 };
      const started = process.hrtime.bigint();
      await session.change(file, [typing ? { range: { start: at, end: at }, text: 'x' } : { range: { start: at, end: { line: lastLine, character: 5 } }, text: '' }]);
      const version = session.version(file);
      await session.waitForDiagnostics(file, (d) => d.version === version, 120_000);
      if (i >= 20) times.push(Number(process.hrtime.bigint() - started) / 1e6); // the first 20 warm up the JIT
    }
    times.sort((a, b) => a - b);
    const q = (p: number): number => times[Math.min(times.length - 1, Math.floor(p * times.length))];
    return { lines: source.split('\n').length, samples: times.length, p50: q(0.5), p99: q(0.99), max: times[times.length - 1] };
  } finally {
    await session.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

if (require.main === module) {
  (async () => {
    const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
    for (const lines of sizes.length ? sizes : [80, 5000]) {
      const r = await measureDidChangeLatency(lines);
      console.log(`didChange→publishDiagnostics, ${r.lines}-line revision, ${r.samples} keystrokes: p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, max ${r.max.toFixed(2)} ms`);
    }
  })().catch((err) => { console.error(err); process.exitCode = 1; });
}

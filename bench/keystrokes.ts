// The language server's per-keystroke path replayed in-process, without stdio: the tool to profile
// it (`node --cpu-prof out/bench/keystrokes.js create_table`) and to compare before/after on a
// loaded machine. Each keystroke does what didChange does in lsp/server.ts: apply the range edit to
// the open document, rebuild its model (incremental parse), put it in the project, run the
// per-revision rules, fingerprint and convert the findings as the publisher does.
// Run: node out/bench/keystrokes.js [add_column|create_table|sql|batch|5000 ...]  (SAMPLES=n)
// A shape with `@top` (e.g. `5000@top`) types into the first line of upgrade() instead of the last
// line: every statement after the edit moves, which the incremental model cannot keep as it was.
import { TextDocument } from 'vscode-languageserver-textdocument';
import { defaultConfig } from '../server/src/config/config';
import { initEngine } from '../server/src/engine/analyze';
import { lintRevision } from '../server/src/engine/lint';
import { fingerprint, toDiagnostic } from '../server/src/lsp/diagnostics';
import { OpenDocument } from '../server/src/lsp/documents';
import { createProjectModel, withRevision } from '../server/src/model/project';
import { revisionOfLines, REVISION_SHAPES } from '../test/lsp/latency';
import { percentile } from './figures';

const ROOT = '/tmp/schema-warden-keystrokes';
const FILE = `${ROOT}/alembic/versions/r1_report.py`;

function sourceOf(shape: string): string {
  if (shape === 'add_column') return revisionOfLines(80);
  if (/^\d+$/.test(shape)) return revisionOfLines(Number(shape));
  const make = REVISION_SHAPES[shape];
  if (!make)
    throw new Error(`unknown shape ${shape}: add_column, ${Object.keys(REVISION_SHAPES).join(', ')} or a line count`);
  return make();
}

/**
 * Types 'x' at column 4 of the last line (or of the first line of upgrade() with `atTop`) and
 * deletes it again, like test/lsp/latency.ts; times each.
 */
export function replayKeystrokes(source: string, samples: number, atTop = false): { times: number[]; cpuMs: number } {
  const doc = new OpenDocument(TextDocument.create(`file://${FILE}`, 'python', 1, source), FILE);
  let project = createProjectModel(ROOT, defaultConfig(ROOT), [doc.model()]);
  const lines = source.split('\n');
  const lastLine = atTop ? lines.indexOf('def upgrade():') + 1 : lines.length - 2;
  const at = { line: lastLine, character: 4 };
  const warmup = 40;
  const times: number[] = [];
  let cpu: NodeJS.CpuUsage | undefined;
  for (let i = 0; i < samples + warmup; i++) {
    if (i === warmup) cpu = process.cpuUsage();
    const typing = i % 2 === 0;
    const started = process.hrtime.bigint();
    doc.applyChanges(
      [
        typing
          ? { range: { start: at, end: at }, text: 'x' }
          : { range: { start: at, end: { line: lastLine, character: 5 } }, text: '' },
      ],
      doc.version + 1,
    );
    const model = doc.model();
    project = withRevision(project, model);
    const findings = lintRevision(model, project);
    fingerprint(findings);
    findings.map((f, index) => toDiagnostic(f, { ruleId: f.ruleId, version: doc.version, index }, project));
    if (i >= warmup) times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  const used = process.cpuUsage(cpu);
  doc.dispose();
  // CPU time per keystroke (user + system, GC included) says more than wall time on a loaded machine.
  return { times, cpuMs: (used.user + used.system) / 1000 / samples };
}

if (require.main === module) {
  (async () => {
    await initEngine();
    const samples = Number(process.env.SAMPLES ?? 400);
    const shapes = process.argv.slice(2);
    for (const named of shapes.length ? shapes : ['add_column', ...Object.keys(REVISION_SHAPES), '5000', '5000@top']) {
      const [shape, where] = named.split('@');
      const source = sourceOf(shape);
      const big = /^\d+$/.test(shape);
      const { times, cpuMs } = replayKeystrokes(source, big ? Math.min(samples, 100) : samples, where === 'top');
      const f = (p: number): string => percentile(times, p).toFixed(2);
      console.log(
        `in-process keystroke, ${named} (${source.split('\n').length} lines), ${times.length} samples: ` +
          `p50 ${f(50)} ms, p99 ${f(99)} ms, max ${f(100)} ms; CPU ${cpuMs.toFixed(2)} ms a keystroke`,
      );
    }
  })().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}

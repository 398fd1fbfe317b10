import { analyzeOnce } from '../engine/analyze';
import { lintProject } from '../engine/lint';
import { readText } from '../engine/loadProject';
import { applyEdits } from '../fixes/applyEdits';
import { writeFileAtomic } from '../fixes/atomicWrite';
import type { MigrationModel } from '../model/migration';
import { withRevision, type ProjectModel } from '../model/project';
import type { Finding, Fix, Rule, TextEdit } from '../rules/types';

/** Which fixes `lint` applies: `--fix` the safe ones, `--unsafe-fixes` (with `--fix`) every fix the editor offers. */
export type FixMode = 'safe' | 'unsafe';

/** One fix written to a file. */
export interface AppliedFix {
  ruleId: string;
  title: string;
  safe: boolean;
}

/** What `--fix` did to one file. */
export interface FileFixes {
  path: string;
  applied: AppliedFix[];
  /** Why fixes were left out, when some were (the result would not parse, the file changed meanwhile). */
  refused: string[];
}

/**
 * Applies fixes file by file, up to a few rounds (one fix may enable another). Each round takes one
 * fix per finding, never two fixes whose edits overlap, and keeps a fix only when the text with it
 * still parses (no syntax error more than before); the file is written once, atomically, and not at
 * all when it changed on disk while being fixed.
 */
export function applyFixes(
  project: ProjectModel,
  rules: readonly Rule[],
  /** The files to fix: those the run reports (named on the command line, changed with --changed). */
  wanted: (file: string) => boolean,
  mode: FixMode,
): { project: ProjectModel; files: FileFixes[] } {
  let current = project;
  const files: FileFixes[] = [];
  for (const migration of project.revisions) {
    if (!wanted(migration.path)) continue;
    const outcome: FileFixes = { path: migration.path, applied: [], refused: [] };
    let model = migration;
    for (let round = 0; round < 5; round++) {
      const findings = lintProject(current, { rules }).get(model.path) ?? [];
      const step = fixRound(model, findings, mode, outcome);
      if (!step) break;
      model = step;
      current = withRevision(current, model);
    }
    if (model !== migration) {
      if (readText(model.path) !== migration.source) {
        outcome.refused.push('the file changed while it was being fixed; left as it is');
        outcome.applied = [];
        current = withRevision(current, migration);
      } else writeFileAtomic(model.path, model.source);
    }
    outcome.refused = [...new Set(outcome.refused)];
    if (outcome.applied.length || outcome.refused.length) files.push(outcome);
  }
  return { project: current, files };
}

/** One round: the fixes that fit together and keep the file parsing; undefined when nothing changed. */
function fixRound(
  model: MigrationModel,
  findings: readonly Finding[],
  mode: FixMode,
  outcome: FileFixes,
): MigrationModel | undefined {
  const taken: TextEdit[] = [];
  const kept: Array<{ finding: Finding; fix: Fix }> = [];
  let text = model.source;
  let next: MigrationModel | undefined;
  for (const finding of findings) {
    const fix = chooseFix(finding, mode);
    if (!fix || fix.edits.some((e) => taken.some((t) => overlaps(e, t)))) continue;
    const candidate = applyEdits(model.source, [...taken, ...fix.edits]);
    if (candidate.text === text) continue;
    const parsed = analyzeOnce(model.path, candidate.text);
    if (parsed.syntaxErrors.length > model.syntaxErrors.length) {
      outcome.refused.push(`${finding.ruleId} "${fix.title}" not applied: the result would not parse`);
      continue;
    }
    taken.push(...fix.edits);
    kept.push({ finding, fix });
    text = candidate.text;
    next = parsed;
  }
  for (const { finding, fix } of kept)
    outcome.applied.push({ ruleId: finding.ruleId, title: fix.title, safe: fix.safe });
  return next;
}

/** The finding's first safe fix; with `--unsafe-fixes`, else its first fix (the editor's first quick fix). */
export function chooseFix(finding: Finding, mode: FixMode): Fix | undefined {
  return finding.fixes.find((f) => f.safe) ?? (mode === 'unsafe' ? finding.fixes[0] : undefined);
}

function overlaps(a: TextEdit, b: TextEdit): boolean {
  return (
    (a.span.start < b.span.end && b.span.start < a.span.end) ||
    (a.span.start === b.span.start && a.span.end === a.span.start && b.span.end === b.span.start)
  );
}

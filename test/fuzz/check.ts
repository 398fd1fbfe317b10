import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultConfig } from '../../server/src/config/config';
import { analyzeOnce } from '../../server/src/engine/analyze';
import { lintProject } from '../../server/src/engine/lint';
import type { MigrationModel } from '../../server/src/model/migration';
import { createProjectModel, type ProjectModel } from '../../server/src/model/project';
import { LineIndex, type Span } from '../../server/src/model/source';
import { allRules } from '../../server/src/rules';
import type { Finding, Rule } from '../../server/src/rules/types';
import { NEIGHBOURS } from './seeds';

export const ROOT = '/project';
export const FUZZ_PATH = `${ROOT}/alembic/versions/fuzzed.py`;
/** Waiver expiry depends on the date: pin it. */
export const TODAY = '2026-01-15';

/**
 * Every rule: the registry, plus rule modules in server/src/rules that are not registered yet
 * (a rule being written must not crash either).
 */
export const everyRule: readonly Rule[] = (() => {
  const rules = new Map(allRules.map((r) => [r.meta.id, r]));
  const dir = path.resolve(__dirname, '../../server/src/rules');
  for (const file of fs
    .readdirSync(dir)
    .filter((f) => /^SW\d{3}-.*\.js$/.test(f))
    .sort()) {
    const rule = (require(path.join(dir, file)) as { default?: Rule }).default;
    if (rule?.meta?.id && !rules.has(rule.meta.id)) rules.set(rule.meta.id, rule);
  }
  return [...rules.values()].sort((a, b) => a.meta.id.localeCompare(b.meta.id));
})();

let neighbours: MigrationModel[] | undefined;

/** The fuzzed file with the two ordinary neighbours (analysed once per run). */
export function projectWith(source: string): { project: ProjectModel; migration: MigrationModel } {
  neighbours ??= Object.entries(NEIGHBOURS).map(([name, text]) =>
    analyzeOnce(`${ROOT}/alembic/versions/${name}`, text),
  );
  const migration = analyzeOnce(FUZZ_PATH, source);
  return { project: createProjectModel(ROOT, defaultConfig(ROOT), [...neighbours, migration]), migration };
}

export interface Outcome {
  findings: Map<string, Finding[]>;
  project: ProjectModel;
  /** What went wrong, one line each; empty when the engine behaved. */
  problems: string[];
}

function splitsSurrogatePair(text: string, offset: number): boolean {
  const before = text.charCodeAt(offset - 1);
  const after = text.charCodeAt(offset);
  return before >= 0xd800 && before <= 0xdbff && after >= 0xdc00 && after <= 0xdfff;
}

function spanProblem(span: Span | undefined, text: string, what: string): string | undefined {
  if (!span) return undefined;
  const { start, end } = span;
  if (!Number.isInteger(start) || !Number.isInteger(end))
    return `${what}: span ${JSON.stringify(span)} is not integral`;
  if (start < 0 || end > text.length || start > end)
    return `${what}: span [${start}, ${end}] outside [0, ${text.length}] or reversed`;
  if (splitsSurrogatePair(text, start) || splitsSurrogatePair(text, end))
    return `${what}: span [${start}, ${end}] splits a surrogate pair`;
  return undefined;
}

/** Checks one finding against the text of the file it is on. */
export function findingProblems(finding: Finding, text: string, lines: LineIndex): string[] {
  const problems: string[] = [];
  const where = `${finding.ruleId} "${finding.message.slice(0, 120)}"`;
  if (finding.message.startsWith('Internal error in rule'))
    problems.push(`${finding.ruleId} threw: ${finding.message}`);
  if (!finding.message.trim()) problems.push(`${where}: empty message`);
  const bad = spanProblem(finding.span, text, where);
  if (bad) problems.push(bad);
  else {
    const { range, span } = finding;
    // The range is the span in LSP positions: converting back must land on the same offsets.
    if (lines.offsetAt(range.start) !== span.start || lines.offsetAt(range.end) !== span.end) {
      problems.push(`${where}: range ${JSON.stringify(range)} does not match span [${span.start}, ${span.end}]`);
    }
  }
  for (const fix of finding.fixes) {
    const edits = [...fix.edits].sort((a, b) => a.span.start - b.span.start);
    edits.forEach((edit, i) => {
      const editBad = spanProblem(edit.span, text, `${where} fix "${fix.title}"`);
      if (editBad) problems.push(editBad);
      if (i > 0 && edit.span.start < edits[i - 1].span.end)
        problems.push(`${where} fix "${fix.title}": overlapping edits`);
    });
  }
  for (const related of finding.related) {
    if (related.path === finding.path) {
      const relatedBad = spanProblem(related.span, text, `${where} related`);
      if (relatedBad) problems.push(relatedBad);
    }
  }
  return problems;
}

/** Builds the model and runs every rule; exceptions and bad findings become problems. */
export function lintFuzzed(source: string, rules: readonly Rule[] = everyRule): Outcome {
  let project: ProjectModel;
  try {
    project = projectWith(source).project;
  } catch (err) {
    return {
      findings: new Map(),
      project: undefined as unknown as ProjectModel,
      problems: [`analyzeOnce threw: ${(err as Error)?.stack ?? String(err)}`],
    };
  }
  let findings: Map<string, Finding[]>;
  try {
    findings = lintProject(project, { rules, today: TODAY });
  } catch (err) {
    return { findings: new Map(), project, problems: [`lintProject threw: ${(err as Error)?.stack ?? String(err)}`] };
  }
  const problems: string[] = [];
  for (const [file, list] of findings) {
    const migration = project.byPath.get(file);
    if (!migration) {
      problems.push(`findings on a file outside the project: ${file}`);
      continue;
    }
    const lines = migration.lines instanceof LineIndex ? migration.lines : new LineIndex(migration.source);
    for (const finding of list) {
      if (finding.path !== file) problems.push(`${finding.ruleId}: finding for ${finding.path} listed under ${file}`);
      problems.push(...findingProblems(finding, migration.source, lines));
    }
  }
  return { findings, project, problems };
}

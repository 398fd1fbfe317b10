import { effectiveSeverity, type ResolvedConfig } from '../config/config';
import type { MigrationModel } from '../model/migration';
import type { ProjectModel } from '../model/project';
import type { Span } from '../model/source';
import { allRules } from '../rules';
import type { Finding, FindingInput, Rule, Severity } from '../rules/types';

export interface LintOptions {
  rules?: readonly Rule[];
}

function toFinding(rule: Rule, severity: Severity, input: FindingInput, migration: MigrationModel | undefined, path: string): Finding {
  const lines = migration?.lines;
  const span: Span = input.span;
  return {
    ruleId: rule.meta.id,
    ruleName: rule.meta.name,
    severity,
    message: input.message,
    path,
    span,
    range: lines ? lines.rangeOf(span.start, span.end) : { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
    fixes: input.fixes ?? [],
    related: (input.related ?? []).map((r) => ({ ...r, range: r.range ?? rangeIn(r.path, r.span) })),
  };

  function rangeIn(relatedPath: string, relatedSpan: Span | undefined): Finding['range'] | undefined {
    if (!relatedSpan) return undefined;
    const file = relatedPath === path ? migration : undefined;
    return file ? file.lines.rangeOf(relatedSpan.start, relatedSpan.end) : undefined;
  }
}

/** Runs the per-revision rules on one file. Cheap enough for every keystroke. */
export function lintRevision(migration: MigrationModel, project: ProjectModel, options: LintOptions = {}): Finding[] {
  const findings: Finding[] = [];
  for (const rule of options.rules ?? allRules) {
    if (!rule.check) continue;
    const severity = effectiveSeverity(project.config, rule.meta.id, rule.meta.severity);
    if (severity === 'off') continue;
    try {
      rule.check({
        migration,
        project,
        config: project.config,
        report: (input) => findings.push(toFinding(rule, severity, input, migration, migration.path)),
      });
    } catch (err) {
      // A rule bug must not take the other rules (or the server) down with it.
      findings.push(internalError(rule, migration, err));
    }
  }
  return sortFindings(findings);
}

/** Runs the whole-project rules; findings are grouped by the file they belong to. */
export function lintProjectRules(project: ProjectModel, options: LintOptions = {}): Map<string, Finding[]> {
  const byPath = new Map<string, Finding[]>();
  for (const rule of options.rules ?? allRules) {
    if (!rule.checkProject) continue;
    const severity = effectiveSeverity(project.config, rule.meta.id, rule.meta.severity);
    if (severity === 'off') continue;
    try {
      rule.checkProject({
        project,
        config: project.config,
        report: (input) => {
          const list = byPath.get(input.path) ?? [];
          list.push(toFinding(rule, severity, input, project.byPath.get(input.path), input.path));
          byPath.set(input.path, list);
        },
      });
    } catch (err) {
      const first = project.revisions[0];
      if (first) byPath.set(first.path, [...(byPath.get(first.path) ?? []), internalError(rule, first, err)]);
    }
  }
  return byPath;
}

/** Per-revision and project findings for every revision of a project. */
export function lintProject(project: ProjectModel, options: LintOptions = {}): Map<string, Finding[]> {
  const result = new Map<string, Finding[]>();
  for (const migration of project.revisions) result.set(migration.path, lintRevision(migration, project, options));
  for (const [path, findings] of lintProjectRules(project, options)) result.set(path, sortFindings([...(result.get(path) ?? []), ...findings]));
  return result;
}

export function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort((a, b) => a.span.start - b.span.start || a.ruleId.localeCompare(b.ruleId) || a.message.localeCompare(b.message));
}

function internalError(rule: Rule, migration: MigrationModel, err: unknown): Finding {
  const message = `Internal error in rule ${rule.meta.id} (${rule.meta.name}): ${(err as Error)?.message ?? String(err)}. Please report it.`;
  return { ruleId: rule.meta.id, ruleName: rule.meta.name, severity: 'info', message, path: migration.path, span: { start: 0, end: 0 }, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, fixes: [], related: [] };
}

export type { ResolvedConfig };

import { effectiveSeverity, type ResolvedConfig } from '../config/config';
import type { DecisionRecord } from '../model/decisionRecord';
import { cachedDecisionRecords } from '../decisions/parse';
import { todayIso } from '../model/decisionRecord';
import { displayDir } from '../decisions/validate';
import { applyWaivers, parseWaivers, type WaiverProblem } from '../decisions/waivers';
import { isAccepted } from '../model/baseline';
import { withoutAccepted } from './baseline';
import { ParserNotReadyError } from '../parse/parserReady';
import { gitHistoryOf } from './gitHistory';
import type { MigrationModel } from '../model/migration';
import type { ProjectModel } from '../model/project';
import type { LineIndex, Span } from '../model/source';
import { allRules, ruleById } from '../rules';
import type { Finding, FindingInput, Rule, Severity } from '../rules/types';
import { ObjectMemo } from '../model/objectMemo';

export interface LintOptions {
  rules?: readonly Rule[];
  /** Today as `YYYY-MM-DD` (UTC), for decision records' `expires`; tests pin it. */
  today?: string;
  /** False for an untrusted editor workspace: rules start no programs (SW108 asks no git). Default true. */
  trusted?: boolean;
  /** Stored findings of per-revision rules (the analysis cache, engine/cache/): asked before they run. */
  revisionFindings?: RevisionFindingsCache;
}

/**
 * Gives the findings of per-revision `rules` on a revision, stored ones where they are still
 * valid, else by calling `run` with the rules to run; in `runChecks`' order, so a run with the
 * cache reports exactly what one without it does.
 */
export interface RevisionFindingsCache {
  findings(
    migration: MigrationModel,
    project: ProjectModel,
    rules: readonly Rule[],
    isEnabled: (id: string) => boolean,
    run: (rules: readonly Rule[]) => Finding[],
  ): Finding[];
  /** The same for one whole-project rule: its stored findings (before waivers) while its inputs are unchanged. */
  projectFindings?(
    project: ProjectModel,
    rule: Rule,
    isEnabled: (id: string) => boolean,
    run: () => Finding[],
  ): Finding[];
}

/**
 * No fix is offered on a revision that does not parse: where tree-sitter had to recover, a fix's
 * idea of the code can be wrong, and a quick fix must never make a file worse. The findings stay.
 */
function fixableOnly(input: FindingInput, migration: MigrationModel | undefined): FindingInput {
  return migration && migration.syntaxErrors.length > 0 && input.fixes?.length ? { ...input, fixes: [] } : input;
}

/**
 * Diagnostics are plain text: VS Code's Problems panel, the CLI and CI annotations show Markdown
 * backticks literally. Rules quote names with double quotes; code spans written with backticks
 * lose them here, so a rule's text cannot bring them back by mistake.
 */
export function plainText(text: string): string {
  return text.replace(/`([^`\n]*)`/g, '$1');
}

function toFinding(
  rule: Rule,
  severity: Severity,
  input: FindingInput,
  lines: LineIndex | undefined,
  path: string,
): Finding {
  const span: Span = input.span;
  return {
    ruleId: rule.meta.id,
    ruleName: rule.meta.name,
    severity,
    message: plainText(input.message),
    ...(input.help ? { help: plainText(input.help) } : {}),
    path,
    span,
    range: lines
      ? lines.rangeOf(span.start, span.end)
      : (input.range ?? { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }),
    // Quick-fix titles are shown as plain text too (the editor's light bulb menu, the CLI's fix line).
    fixes: (input.fixes ?? []).map((fix) => (fix.title.includes('`') ? { ...fix, title: plainText(fix.title) } : fix)),
    related: (input.related ?? []).map((r) => ({
      ...r,
      message: plainText(r.message),
      range: r.range ?? rangeIn(r.path, r.span),
    })),
  };

  function rangeIn(relatedPath: string, relatedSpan: Span | undefined): Finding['range'] | undefined {
    if (!relatedSpan) return undefined;
    const file = relatedPath === path ? lines : undefined;
    return file ? file.rangeOf(relatedSpan.start, relatedSpan.end) : undefined;
  }
}

/**
 * The line table of a file findings can be reported on: a revision, or a file that is not a
 * revision, such as a decision record (SW901 reports on the records themselves).
 */
function linesOf(project: ProjectModel, path: string): LineIndex | undefined {
  return project.byPath.get(path)?.lines ?? project.decisions?.find((d) => d.path === path)?.lines;
}

/** Per-revision rules, that is all rules with a `check` except those for application code. */
function runsOnRevisions(rule: Rule): boolean {
  return rule.check !== undefined && rule.meta.scope !== 'application';
}

interface RevisionRuleSet {
  rules: readonly Rule[];
  isEnabled: (id: string) => boolean;
  /** The rules whose unused waivers this pass can report (those that check revisions only). */
  ran: ReadonlySet<string>;
}

const ruleSets = new ObjectMemo<ProjectModel, Map<readonly Rule[], RevisionRuleSet>>('ruleSets');

/** The per-revision rules of a lint and what they enable: the same for every revision of a project. */
function revisionRuleSet(project: ProjectModel, given: readonly Rule[]): RevisionRuleSet {
  let byRules = ruleSets.get(project);
  if (!byRules) {
    byRules = new Map();
    ruleSets.set(project, byRules);
  }
  let set = byRules.get(given);
  if (!set) {
    const rules = given.filter(runsOnRevisions);
    set = {
      rules,
      isEnabled: enabledRules(given, project),
      ran: new Set(
        rules
          .filter((r) => !r.checkProject && effectiveSeverity(project.config, r.meta.id, r.meta.severity) !== 'off')
          .map((r) => r.meta.id),
      ),
    };
    byRules.set(given, set);
  }
  return set;
}

/** Runs the per-revision rules on one file. Cheap enough for every keystroke. */
export function lintRevision(migration: MigrationModel, project: ProjectModel, options: LintOptions = {}): Finding[] {
  // Accepted history (`baseline`): its own findings are not reported; it still builds the schema.
  if (isAccepted(project, migration.path)) return [];
  const { rules, isEnabled, ran } = revisionRuleSet(project, options.rules ?? allRules);
  const findings = options.revisionFindings
    ? options.revisionFindings.findings(migration, project, rules, isEnabled, (subset) =>
        runChecks(subset, migration, project, isEnabled),
      )
    : runChecks(rules, migration, project, isEnabled);
  // Rules that also check the whole project may have findings this pass does not see.
  return sortFindings(
    filterWaived(findings, migration, project, options, { reportInvalid: true, canReportUnused: (id) => ran.has(id) }),
  );
}

/** Runs `check` of the given rules on one Python file's model (a revision or application code). */
/** Which rules run in a lint: given (or all) and not turned off by the configuration. */
function enabledRules(rules: readonly Rule[], project: ProjectModel): (id: string) => boolean {
  const ids = new Set(
    rules.filter((r) => effectiveSeverity(project.config, r.meta.id, r.meta.severity) !== 'off').map((r) => r.meta.id),
  );
  return (id) => ids.has(id);
}

export function runChecks(
  rules: readonly Rule[],
  migration: MigrationModel,
  project: ProjectModel,
  isEnabled: (id: string) => boolean = enabledRules(rules, project),
): Finding[] {
  const findings: Finding[] = [];
  for (const rule of rules) {
    if (!rule.check) continue;
    const severity = effectiveSeverity(project.config, rule.meta.id, rule.meta.severity);
    if (severity === 'off') continue;
    // A helper function called from two places puts its operations in the model twice: the same
    // finding at the same place is reported once.
    const seen = new Set<string>();
    try {
      rule.check({
        migration,
        project,
        config: project.config,
        report: (input) => {
          const key = `${input.span.start}:${input.span.end}:${input.message}`;
          if (seen.has(key)) return;
          seen.add(key);
          findings.push(toFinding(rule, severity, fixableOnly(input, migration), migration.lines, migration.path));
        },
        isEnabled,
      });
    } catch (err) {
      // The CLI loads the parsers and runs again (parse/parserReady.ts): not a rule bug.
      if (err instanceof ParserNotReadyError) throw err;
      // A rule bug must not take the other rules (or the server) down with it.
      findings.push(internalError(rule, migration, err));
    }
  }
  return findings;
}

/** What SW901 checks a decision record's `rules` against: every registered rule, whichever run. */
const KNOWN_RULE_IDS: ReadonlySet<string> = new Set(allRules.map((r) => r.meta.id));

/** Runs the whole-project rules; findings are grouped by the file they belong to. */
export function lintProjectRules(project: ProjectModel, options: LintOptions = {}): Map<string, Finding[]> {
  const byPath = new Map<string, Finding[]>();
  const rules = (options.rules ?? allRules).filter((r) => r.checkProject !== undefined);
  const isEnabled = enabledRules(options.rules ?? allRules, project);
  for (const rule of rules) {
    const checkProject = rule.checkProject;
    if (!checkProject) continue;
    const severity = effectiveSeverity(project.config, rule.meta.id, rule.meta.severity);
    if (severity === 'off') continue;
    // What a run that throws reported before it did is kept, as before the cache.
    let partial: Finding[] = [];
    const run = (): Finding[] => {
      const found: Finding[] = [];
      partial = found;
      checkProject({
        project,
        config: project.config,
        trusted: options.trusted !== false,
        // An untrusted workspace's repository is not asked: its .git/config is the workspace's too.
        gitHistory: () => (options.trusted !== false ? gitHistoryOf(project) : undefined),
        knownRuleIds: KNOWN_RULE_IDS,
        isEnabled,
        report: (input) => {
          found.push(
            toFinding(
              rule,
              severity,
              fixableOnly(input, project.byPath.get(input.path)),
              linesOf(project, input.path),
              input.path,
            ),
          );
        },
      });
      return found;
    };
    const add = (found: readonly Finding[]): void => {
      for (const finding of found) {
        const list = byPath.get(finding.path);
        if (list) list.push(finding);
        else byPath.set(finding.path, [finding]);
      }
    };
    try {
      const cache = options.revisionFindings;
      add(cache?.projectFindings ? cache.projectFindings(project, rule, isEnabled, run) : run());
    } catch (err) {
      if (err instanceof ParserNotReadyError) throw err;
      add(partial);
      const first = project.revisions[0];
      if (first) byPath.set(first.path, [...(byPath.get(first.path) ?? []), internalError(rule, first, err)]);
    }
  }
  // Waivers in a revision also cover project findings on it; invalid waivers are lintRevision's to report.
  const ran = new Set(
    rules
      .filter((r) => !r.check && effectiveSeverity(project.config, r.meta.id, r.meta.severity) !== 'off')
      .map((r) => r.meta.id),
  );
  for (const [path, findings] of byPath) {
    const migration = project.byPath.get(path);
    if (migration && isAccepted(project, path)) byPath.set(path, withoutAccepted(project, path, findings));
    else if (migration)
      byPath.set(
        path,
        filterWaived(findings, migration, project, options, {
          reportInvalid: false,
          canReportUnused: (id) => ran.has(id),
        }),
      );
  }
  for (const migration of project.revisions) {
    if (byPath.has(migration.path) || ran.size === 0 || isAccepted(project, migration.path)) continue;
    const problems = filterWaived([], migration, project, options, {
      reportInvalid: false,
      canReportUnused: (id) => ran.has(id),
    });
    if (problems.length) byPath.set(migration.path, problems);
  }
  return byPath;
}

/**
 * Per-revision and project findings for every revision of a project (and its decision records).
 * `only`: the revisions whose per-revision rules run (the files a `lint FILE` reports); the
 * whole-project rules always see the whole project.
 */
export function lintProject(
  project: ProjectModel,
  options: LintOptions = {},
  only?: (path: string) => boolean,
): Map<string, Finding[]> {
  const result = new Map<string, Finding[]>();
  for (const migration of project.revisions)
    if (!only || only(migration.path)) result.set(migration.path, lintRevision(migration, project, options));
  for (const [path, findings] of lintProjectRules(project, options))
    result.set(path, sortFindings([...(result.get(path) ?? []), ...findings]));
  return result;
}

/**
 * Drops the findings that valid waivers in the file cover, and adds SW902 (invalid waiver) and
 * SW903 (unused waiver) findings when those rules are on.
 */
export function filterWaived(
  findings: Finding[],
  migration: MigrationModel,
  project: ProjectModel,
  options: LintOptions,
  pass: { reportInvalid: boolean; canReportUnused(ruleId: string): boolean },
  records: readonly DecisionRecord[] | undefined = project.decisions,
): Finding[] {
  const waivers = parseWaivers(migration);
  if (waivers.length === 0) return findings;
  const outcome = applyWaivers(
    findings,
    waivers,
    {
      // A project model without records (e.g. built by an editor) reads them from the folder, cached.
      records: records ?? cachedDecisionRecords(project.config.decisionsDir),
      revision: migration.revision,
      today: options.today ?? todayIso(),
      decisionsDir: displayDir(project.config.decisionsDir, project.config.root),
      knownRuleIds: new Set(allRules.map((r) => r.meta.id)),
    },
    pass,
  );
  const enabled = (id: string): Rule | undefined => {
    const rule = ruleById(id);
    const selected = !options.rules || options.rules.some((r) => r.meta.id === id);
    return rule && selected ? rule : undefined;
  };
  const problemFinding = (problem: WaiverProblem): Finding[] => {
    const rule = enabled(problem.kind === 'invalid' ? 'SW902' : 'SW903');
    if (!rule) return [];
    const severity = effectiveSeverity(project.config, rule.meta.id, rule.meta.severity);
    return severity === 'off'
      ? []
      : [
          toFinding(
            rule,
            severity,
            { message: problem.message, help: problem.help, span: problem.span },
            migration.lines,
            migration.path,
          ),
        ];
  };
  return [...outcome.kept, ...outcome.problems.flatMap(problemFinding)];
}

export function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort(
    (a, b) => a.span.start - b.span.start || a.ruleId.localeCompare(b.ruleId) || a.message.localeCompare(b.message),
  );
}

function internalError(rule: Rule, migration: MigrationModel, err: unknown): Finding {
  const message = `Internal error in rule ${rule.meta.id} (${rule.meta.name}): ${(err as Error)?.message ?? String(err)}. Please report it.`;
  return {
    ruleId: rule.meta.id,
    ruleName: rule.meta.name,
    severity: 'info',
    message,
    path: migration.path,
    span: { start: 0, end: 0 },
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
    fixes: [],
    related: [],
  };
}

export type { ResolvedConfig };

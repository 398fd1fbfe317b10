import type { MigrationModel } from '../model/migration';
import type { ProjectModel } from '../model/project';
import type { Range, Span } from '../model/source';
import type { ResolvedConfig } from '../config/config';
import type { Severity } from '../shared/severity';
import type { Fix } from '../fixes/edit';

export type { Severity } from '../shared/severity';

/** Where a rule looks: one revision at a time, or the whole project (graph, replayed schema). */
export type RuleScope = 'revision' | 'project' | 'application' | 'decision';

export interface RuleDocs {
  /** One sentence: what the rule reports. */
  summary: string;
  whatItDoes: string;
  whyBad: string;
  /** Python (or SQL) that the rule reports… */
  bad: string;
  /** …and the same intent written so that it does not. */
  good: string;
  howToFix: string;
  /** `safe`: the fix keeps behaviour and `--fix` applies it; `unsafe`: offered in the editor only; `none`. */
  fixSafety: 'safe' | 'unsafe' | 'none';
  /** Extra reasoning a reader needs (rendered as its own section). */
  notes?: string;
}

export interface RuleMeta {
  id: string;
  name: string;
  severity: Severity;
  scope: RuleScope;
  /** The policy section the clause stands in, e.g. "Migration Rules". */
  policySection: string;
  /** The clause of the policy this rule enforces, quoted word for word. */
  policyClause: string;
  docs: RuleDocs;
  /**
   * False for a rule that never reads SQL (statements, SQL errors, the replayed schema): a CLI run
   * of only such rules leaves each SQL string unparsed until something reads it. Left out, the
   * rule is taken to read SQL; being wrong here costs time, never a finding.
   */
  readsSql?: false;
}

export type { Fix, TextEdit } from '../fixes/edit';

export interface RelatedInfo {
  path: string;
  span?: Span;
  range?: Range;
  message: string;
}

export interface FindingInput {
  /** What is wrong and why, in one plain-text sentence (no Markdown: the Problems panel shows it as is). */
  message: string;
  /** What to do about it, in one plain-text sentence; the long explanation lives in the rule's doc. */
  help?: string;
  span: Span;
  fixes?: Fix[];
  related?: RelatedInfo[];
  /** For project rules: the file the finding belongs to (defaults to the revision checked). */
  path?: string;
  /** The range, for findings on files the engine has no line table for (e.g. test fixtures). */
  range?: Range;
}

export interface Finding {
  ruleId: string;
  ruleName: string;
  severity: Severity;
  message: string;
  help?: string;
  path: string;
  span: Span;
  range: Range;
  fixes: Fix[];
  related: RelatedInfo[];
}

export interface RevisionContext {
  migration: MigrationModel;
  project: ProjectModel;
  config: ResolvedConfig;
  report(finding: FindingInput): void;
  /**
   * Does another rule run in this lint (selected, not off)? A rule leaves a problem to the rule
   * that owns its root cause only when that rule runs: one root cause, one finding.
   */
  isEnabled?(ruleId: string): boolean;
}

/**
 * The git history of the project's revision files (a fact the engine reads: engine/gitHistory.ts).
 * Paths are relative to the repository root with forward slashes, as git prints them.
 */
export interface GitHistory {
  /** Commits touching the revision folders, newest first (`--topo-order`). */
  commits: readonly string[];
  /** Repository-relative path → indexes into `commits` of the commits that touched it, newest first. */
  history: ReadonlyMap<string, readonly number[]>;
  /** Repository-relative paths with uncommitted changes (working tree or index). */
  changed: ReadonlySet<string>;
  /** Commits listed in the file git's `blame.ignoreRevsFile` names (else `.git-blame-ignore-revs`). */
  ignoredCommits: ReadonlySet<string>;
  relative(file: string): string;
  /** A file's text at a commit (a hash or `HEAD`); undefined when it did not exist there. Read on demand, cached. */
  textAt(commit: string, relativePath: string): string | undefined;
}

export interface ProjectContext {
  project: ProjectModel;
  config: ResolvedConfig;
  /**
   * False in an editor workspace the user has not trusted: a rule then starts no program in the
   * project's folders (and gitHistory() answers undefined: git's repository configuration could
   * run commands).
   */
  trusted: boolean;
  /** The revision files' git history; undefined without git, outside a repository, or untrusted. Read on first call. */
  gitHistory(): GitHistory | undefined;
  /** The ids of every registered rule (SW901 checks the rules a decision record names). */
  knownRuleIds: ReadonlySet<string>;
  report(finding: FindingInput & { path: string }): void;
  /** As in RevisionContext. */
  isEnabled?(ruleId: string): boolean;
}

export interface Rule {
  meta: RuleMeta;
  /** Per-revision check: runs on every keystroke in the editor, so keep it linear in the file. */
  check?(context: RevisionContext): void;
  /** Whole-project check: runs when any revision changes. */
  checkProject?(context: ProjectContext): void;
}

export function defineRule(rule: Rule): Rule {
  return rule;
}

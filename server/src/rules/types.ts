import type { MigrationModel } from '../model/migration';
import type { ProjectModel } from '../model/project';
import type { Range, Span } from '../model/source';
import type { ResolvedConfig } from '../config/config';

export type Severity = 'error' | 'warning' | 'info';

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
}

export interface TextEdit {
  span: Span;
  newText: string;
}

export interface Fix {
  title: string;
  edits: TextEdit[];
  /** Safe fixes are applied by `--fix` and `source.fixAll`. */
  safe: boolean;
}

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

export interface ProjectContext {
  project: ProjectModel;
  config: ResolvedConfig;
  /**
   * False in an editor workspace the user has not trusted: a rule then starts no program in the
   * project's folders (SW108 does not ask git, whose repository configuration could run commands).
   */
  trusted: boolean;
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

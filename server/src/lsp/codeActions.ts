import {
  CodeActionKind,
  type CodeAction,
  type CodeActionParams,
  type Diagnostic,
  type TextEdit as LspTextEdit,
} from 'vscode-languageserver';
import type { LineIndex } from '../model/source';
import type { Finding, TextEdit } from '../rules/types';
import { DIAGNOSTIC_SOURCE, FIX_ALL_KIND, ServerCommands, type DiagnosticData } from '../shared/protocol';
import { ruleById } from '../rules';

/** What the server published for one document: the code actions look findings up here. */
export interface Published {
  uri: string;
  version: number;
  findings: readonly Finding[];
  /** Line table of the text the findings' spans refer to (the document at `version`). */
  lines: LineIndex;
  /** The revision id, when the file is a revision (for "Allow with decision record…"). */
  revision?: string;
  /** Waivers go into Python files only (revisions and application code), not decision records. */
  canWaive: boolean;
  /**
   * The revision already has a committed child (SW108's git facts): its history is shared, so no
   * quick fix edits it; the decision record is offered instead, and the fixes say why not.
   */
  committedChild?: { child: string; commit: string };
}

function lspEdits(lines: LineIndex, edits: readonly TextEdit[]): LspTextEdit[] {
  return edits.map((e) => ({ range: lines.rangeOf(e.span.start, e.span.end), newText: e.newText }));
}

function wanted(params: CodeActionParams, kind: string): boolean {
  const only = params.context.only;
  if (!only || only.length === 0) return kind !== FIX_ALL_KIND; // fix-all only when asked for (on save, or "Source Action…")
  return only.some((k) => kind === k || kind.startsWith(`${k}.`));
}

/**
 * The light bulb of our diagnostics, at most three entries a finding and in this order for the
 * whole menu: each finding's first fix (the real fixes first), then "Allow … with a decision
 * record…" once per rule and line, then "Show documentation" once per rule; then "Fix all safe
 * findings" when the file has any. `source.fixAll.schemaWarden` (on save, "Source Action…") gets
 * the safe fixes of the whole file.
 */
export function codeActions(params: CodeActionParams, published: Published | undefined): CodeAction[] {
  const actions: CodeAction[] = [];
  if (!published) return actions;
  const ours = params.context.diagnostics.filter((d) => d.source === DIAGNOSTIC_SOURCE && isData(d.data));
  const locked = published.committedChild;
  if (wanted(params, CodeActionKind.QuickFix)) {
    const fixes: CodeAction[] = [];
    const allows = new Map<string, CodeAction>();
    const docs = new Map<string, CodeAction>();
    for (const diagnostic of ours) {
      const data = diagnostic.data as DiagnosticData;
      const finding = data.version === published.version ? published.findings[data.index] : undefined;
      const fix = finding && finding.ruleId === data.ruleId ? finding.fixes[0] : undefined;
      if (fix && locked)
        fixes.push({
          title: fix.title,
          kind: CodeActionKind.QuickFix,
          diagnostics: [diagnostic],
          disabled: { reason: historyReason(published, locked) },
        });
      else if (fix && !fixes.some((f) => f.title === fix.title && sameEdits(f, fix.edits, published)))
        // one entry for a fix several findings share (e.g. a record's missing sections)
        fixes.push({
          title: fix.title,
          kind: CodeActionKind.QuickFix,
          diagnostics: [diagnostic],
          isPreferred: true,
          edit: { changes: { [published.uri]: lspEdits(published.lines, fix.edits) } },
        });
      const allowKey = `${data.ruleId}:${diagnostic.range.start.line}`;
      if (published.canWaive && !allows.has(allowKey))
        allows.set(
          allowKey,
          allowAction(diagnostic, data.ruleId, published, locked !== undefined && fix !== undefined),
        );
      if (!docs.has(data.ruleId)) docs.set(data.ruleId, docsAction(diagnostic, data.ruleId));
    }
    if (!locked) fixes.push(...fixesUnderCursor(params, published, ours));
    actions.push(...fixes, ...allows.values(), ...docs.values());
    const all = locked ? [] : safeEdits(published.findings);
    if (ours.length && all.length)
      actions.push({
        title: 'Fix all safe findings in this file',
        kind: CodeActionKind.QuickFix,
        edit: { changes: { [published.uri]: lspEdits(published.lines, all) } },
      });
  }
  if (wanted(params, FIX_ALL_KIND) && !locked) {
    const edits = safeEdits(published.findings);
    if (edits.length)
      actions.push({
        title: 'Schema Warden: fix all safe findings',
        kind: FIX_ALL_KIND,
        edit: { changes: { [published.uri]: lspEdits(published.lines, edits) } },
      });
  }
  return actions;
}

/**
 * Rules whose fix is offered wherever the cursor is in the text the fix rewrites, not only on the
 * squiggle: SW101's "Add downgrade" anywhere in the empty downgrade() (on its `pass` too).
 */
const FIX_WHERE_IT_EDITS = new Set(['SW101']);

function fixesUnderCursor(params: CodeActionParams, published: Published, ours: readonly Diagnostic[]): CodeAction[] {
  const asked = new Set(ours.map((d) => (d.data as DiagnosticData).index));
  const from = published.lines.offsetAt(params.range.start);
  const to = published.lines.offsetAt(params.range.end);
  const out: CodeAction[] = [];
  published.findings.forEach((finding, index) => {
    const fix = finding.fixes[0];
    if (!fix || asked.has(index) || !FIX_WHERE_IT_EDITS.has(finding.ruleId)) return;
    if (!fix.edits.some((e) => e.span.start <= from && to <= e.span.end)) return;
    out.push({
      title: fix.title,
      kind: CodeActionKind.QuickFix,
      isPreferred: true,
      edit: { changes: { [published.uri]: lspEdits(published.lines, fix.edits) } },
    });
  });
  return out;
}

function sameEdits(action: CodeAction, edits: readonly TextEdit[], published: Published): boolean {
  const theirs = action.edit?.changes?.[published.uri];
  return JSON.stringify(theirs) === JSON.stringify(lspEdits(published.lines, edits));
}

/** Why a revision with a committed child gets no edits. */
export function historyReason(published: Published, locked: { child: string; commit: string }): string {
  return (
    `Revision ${published.revision ?? ''} already has a committed child (${locked.child}, added ` +
    `in ${locked.commit}): editing it rewrites shared history (SW108). Make the change in a new ` +
    `revision, or allow it with a decision record.`
  );
}

function allowAction(diagnostic: Diagnostic, ruleId: string, published: Published, instead: boolean): CodeAction {
  const title = `Allow ${ruleId} with a decision record…${instead ? ' (history is committed: no fix here)' : ''}`;
  return {
    title,
    kind: CodeActionKind.QuickFix,
    diagnostics: [diagnostic],
    command: {
      title,
      command: ServerCommands.allowWithDecision,
      arguments: [{ uri: published.uri, line: diagnostic.range.start.line, ruleId, revision: published.revision }],
    },
  };
}

function docsAction(diagnostic: Diagnostic, ruleId: string): CodeAction {
  const rule = ruleById(ruleId);
  return {
    title: `Show documentation for ${ruleId}${rule ? ` (${rule.meta.name})` : ''}`,
    kind: CodeActionKind.QuickFix,
    diagnostics: [diagnostic],
    command: {
      title: `Show documentation for ${ruleId}`,
      command: ServerCommands.showRuleDocumentation,
      arguments: [ruleId],
    },
  };
}

/**
 * The edits of every safe fix that does not overlap one taken before (in source order), as
 * `--fix` does: an overlapping fix waits for the next round rather than being merged into another.
 */
export function safeEdits(findings: readonly Finding[]): TextEdit[] {
  const taken: TextEdit[] = [];
  const overlaps = (a: TextEdit, b: TextEdit): boolean =>
    (a.span.start < b.span.end && b.span.start < a.span.end) ||
    (a.span.start === b.span.start && a.span.end === a.span.start && b.span.end === b.span.start);
  for (const finding of findings) {
    for (const fix of finding.fixes) {
      if (!fix.safe) continue;
      if (fix.edits.some((e) => taken.some((t) => overlaps(e, t)))) continue;
      taken.push(...fix.edits);
      break; // one fix per finding
    }
  }
  return taken;
}

function isData(value: unknown): value is DiagnosticData {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as DiagnosticData).ruleId === 'string' &&
    typeof (value as DiagnosticData).index === 'number'
  );
}

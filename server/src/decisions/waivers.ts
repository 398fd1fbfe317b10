import type { MigrationModel } from '../model/migration';
import type { Span } from '../model/source';
import { everyCall } from '../analysis/calls';
import type { Finding } from '../rules/types';
import {
  coversRevision,
  coversRule,
  isAccepted,
  isIsoDate,
  normalizeDecisionId,
  type DecisionRecord,
} from '../model/decisionRecord';

/**
 * Waivers: `# schema-warden: allow SW303 decision=0007` on a finding's line or on the comment
 * line(s) directly above it, `# schema-warden: allow-file SW201 decision=0003` for the whole file.
 * Inside SQL strings the same text works as a SQL comment (`-- schema-warden: allow …`), because a
 * Python comment cannot stand there. A waiver only counts when the accepted, unexpired record it
 * cites lists the rule and the revision; otherwise the finding stays and SW902 says why.
 */

export interface WaiverRule {
  id: string;
  span: Span;
}

export interface Waiver {
  scope: 'line' | 'file';
  rules: WaiverRule[];
  decision?: { id: string; span: Span };
  /** The directive, from `schema-warden:` to the end of the comment. */
  span: Span;
  /** 0-based line of the comment. */
  line: number;
  /** 0-based lines (inclusive) whose findings a line waiver covers. */
  covers: { from: number; to: number };
  /** Why the comment cannot be read as a waiver, when it cannot. */
  malformed?: { reason: string; span: Span };
}

const DIRECTIVE = /schema-warden:\s*(allow-file|allow)(?=\s|$)(.*)$/;
const RULE_ID = /^SW\d{3}$/i;

/** Every waiver comment of a file, Python comments and SQL comments in analysable SQL strings. */
export function parseWaivers(migration: MigrationModel): Waiver[] {
  // Most files have none: skip the work below on every keystroke.
  if (!migration.source.includes('schema-warden:')) return [];
  const waivers: Waiver[] = [];
  const { lines, source } = migration;
  const commentOnlyLine = (line: number): boolean => /^\s*(#|--)/.test(lines.lineText(line));
  const statementEnds = new Map<number, number>();
  const noteStatement = (startLine: number, endLine: number): void => {
    statementEnds.set(startLine, Math.max(endLine, statementEnds.get(startLine) ?? startLine));
  };
  for (const operation of migration.operations) {
    noteStatement(operation.range.start.line, operation.range.end.line);
    for (const statement of operation.sql?.statements ?? [])
      noteStatement(statement.range.start.line, statement.range.end.line);
  }
  for (const call of everyCall(migration))
    noteStatement(lines.positionAt(call.span.start).line, lines.positionAt(call.span.end).line);

  const read = (text: string, start: number): void => {
    const match = DIRECTIVE.exec(text);
    if (!match) return;
    const directiveStart = start + match.index;
    const line = lines.positionAt(start).line;
    const waiver = readDirective(
      match[1] === 'allow-file' ? 'file' : 'line',
      match[2],
      directiveStart + match[0].length - match[2].length,
      { start: directiveStart, end: start + text.length },
      line,
    );
    if (
      lines
        .lineText(line)
        .trimStart()
        .startsWith(source.slice(start, start + 1)) &&
      commentOnlyLine(line)
    ) {
      // A comment line waives the next line of code (skipping the comment lines between them)…
      let target = line + 1;
      while (target < lines.lineCount && commentOnlyLine(target)) target++;
      // …and the whole statement that starts there, so a waiver above `op.create_table(` covers its arguments.
      waiver.covers = { from: line, to: statementEnds.get(target) ?? target };
    }
    waivers.push(waiver);
  };

  for (const comment of migration.comments) read(comment.text, comment.span.start);
  for (const operation of migration.operations) {
    const sql = operation.sql;
    if (!sql?.analysable) continue;
    const text = source.slice(sql.span.start, sql.span.end);
    for (const m of text.matchAll(/--[^\r\n]*/g)) read(m[0], sql.span.start + (m.index ?? 0));
  }
  return waivers.sort((a, b) => a.span.start - b.span.start);
}

function readDirective(scope: Waiver['scope'], rest: string, restStart: number, span: Span, line: number): Waiver {
  const waiver: Waiver = { scope, rules: [], span, line, covers: { from: line, to: line } };
  const tokens = [...rest.matchAll(/[^\s,]+/g)].map((m) => ({
    text: m[0],
    span: { start: restStart + (m.index ?? 0), end: restStart + (m.index ?? 0) + m[0].length },
  }));
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    const decision = /^decision=(.*)$/i.exec(token.text);
    if (decision) {
      // `decision=0007`, also tolerated as `decision= 0007`.
      const value = decision[1] || tokens[i + 1]?.text || '';
      if (!decision[1] && tokens[i + 1]) i++;
      waiver.decision = {
        id: value,
        span: decision[1] ? token.span : { start: token.span.start, end: tokens[i].span.end },
      };
      continue;
    }
    if (RULE_ID.test(token.text)) waiver.rules.push({ id: token.text.toUpperCase(), span: token.span });
    else if (!waiver.malformed)
      waiver.malformed = { reason: `"${token.text}" is neither a rule id (SW303) nor decision=NNNN`, span: token.span };
  }
  if (!waiver.malformed && waiver.rules.length === 0)
    waiver.malformed = {
      reason: 'it names no rule: write the rule ids to allow, e.g. `allow SW303 decision=0007`',
      span,
    };
  if (!waiver.malformed && !waiver.decision)
    waiver.malformed = {
      reason: 'it cites no decision record: add `decision=NNNN`, the accepted record that allows the deviation',
      span,
    };
  if (!waiver.malformed && waiver.decision && !/^\d{1,4}$/.test(waiver.decision.id)) {
    waiver.malformed = {
      reason: `"${waiver.decision.id}" is not a decision number such as 0007`,
      span: waiver.decision.span,
    };
  }
  return waiver;
}

export interface WaiverContext {
  records: readonly DecisionRecord[];
  /** The revision id of the file the waiver stands in (undefined for files without one). */
  revision: string | undefined;
  /** `YYYY-MM-DD`, UTC. */
  today: string;
  /** How to name the decisions folder in messages, e.g. `docs/decisions`. */
  decisionsDir: string;
  knownRuleIds: ReadonlySet<string>;
}

/** Why a waiver does not count for one of its rules, or the record that makes it count. */
export type WaiverVerdict =
  { valid: true; record: DecisionRecord } | { valid: false; reason: string; span: Span; perRule: boolean };

export function judgeWaiver(waiver: Waiver, rule: WaiverRule, context: WaiverContext): WaiverVerdict {
  if (waiver.malformed)
    return { valid: false, reason: waiver.malformed.reason, span: waiver.malformed.span, perRule: false };
  const decision = waiver.decision as { id: string; span: Span };
  const id = normalizeDecisionId(decision.id);
  const invalid = (reason: string, perRule = false, span = decision.span): WaiverVerdict => ({
    valid: false,
    reason,
    span,
    perRule,
  });
  if (!context.knownRuleIds.has(rule.id)) return invalid(`${rule.id} is not a Schema Warden rule`, true, rule.span);
  const record =
    context.records.find((r) => r.id && normalizeDecisionId(r.id.value) === id) ??
    context.records.find((r) => r.id === undefined && r.fileNumber === id);
  if (!record) return invalid(`no decision record ${id} in ${context.decisionsDir}`);
  if (!isAccepted(record))
    return invalid(
      record.status
        ? `decision ${id} is ${record.status.value}, not accepted`
        : `decision ${id} has no status, so it is not accepted`,
    );
  if (record.expires && isIsoDate(record.expires.value) && record.expires.value < context.today)
    return invalid(`decision ${id} expired on ${record.expires.value}`);
  if (!coversRule(record, rule.id)) return invalid(`decision ${id} does not list ${rule.id}`, true, rule.span);
  if (!coversRevision(record, context.revision)) {
    return invalid(
      context.revision === undefined
        ? `decision ${id} lists revisions ` +
            `${record.revisions.map((r) => r.value).join(', ') || '(none)'}, and this file has no ` +
            `revision id: list "*" to cover it`
        : `decision ${id} does not list revision ${context.revision}`,
    );
  }
  return { valid: true, record };
}

export interface WaiverProblem {
  kind: 'invalid' | 'unused';
  span: Span;
  message: string;
  help?: string;
}

export interface WaiverOutcome {
  /** Findings no valid waiver covers. */
  kept: Finding[];
  /** Findings a valid waiver removed. */
  waived: Finding[];
  problems: WaiverProblem[];
}

export interface ApplyOptions {
  /** Report invalid waivers (SW902). Off when another pass over the same file reports them. */
  reportInvalid: boolean;
  /** Rules whose findings this pass saw in full: only for them can a waiver be called unused (SW903). */
  canReportUnused(ruleId: string): boolean;
}

/** Removes the findings that valid waivers cover and describes the waivers that are wrong or idle. */
export function applyWaivers(
  findings: readonly Finding[],
  waivers: readonly Waiver[],
  context: WaiverContext,
  options: ApplyOptions,
): WaiverOutcome {
  const kept: Finding[] = [];
  const waived: Finding[] = [];
  const problems: WaiverProblem[] = [];
  const valid: Array<{ waiver: Waiver; rule: WaiverRule; used: boolean }> = [];
  for (const waiver of waivers) {
    let reportedWaiverWide = false;
    for (const rule of waiver.rules.length ? waiver.rules : [{ id: '', span: waiver.span }]) {
      const verdict = judgeWaiver(waiver, rule, context);
      if (verdict.valid) {
        valid.push({ waiver, rule, used: false });
        continue;
      }
      if (!options.reportInvalid || (!verdict.perRule && reportedWaiverWide)) continue;
      reportedWaiverWide ||= !verdict.perRule;
      problems.push({
        kind: 'invalid',
        span: verdict.span,
        message: `This waiver does not apply: ${verdict.reason}. The findings it names stay.`,
        help: 'Cite an accepted decision record that covers the rule: # schema-warden: allow SWnnn decision=NNNN.',
      });
    }
  }
  for (const finding of findings) {
    const line = finding.range.start.line;
    const cover = valid.filter(
      ({ waiver, rule }) =>
        rule.id === finding.ruleId &&
        (waiver.scope === 'file' || (line >= waiver.covers.from && line <= waiver.covers.to)),
    );
    if (cover.length === 0) {
      kept.push(finding);
      continue;
    }
    for (const entry of cover) entry.used = true;
    waived.push(finding);
  }
  for (const { waiver, rule, used } of valid) {
    if (used || !options.canReportUnused(rule.id)) continue;
    const where = waiver.scope === 'file' ? 'in this file' : 'on the line it covers';
    problems.push({
      kind: 'unused',
      span: rule.span,
      message: `Unused waiver: there is no ${rule.id} finding ${where} to allow.`,
      help: `Remove ${rule.id} from the waiver (or the whole comment).`,
    });
  }
  return { kept, waived, problems };
}

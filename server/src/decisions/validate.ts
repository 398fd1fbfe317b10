import * as path from 'node:path';
import type { Span } from '../model/source';
import type { Fix, RelatedInfo } from '../rules/types';
import {
  DECISION_STATUSES,
  REQUIRED_SECTIONS,
  isIsoDate,
  normalizeDecisionId,
  type DecisionRecord,
} from '../model/decisionRecord';

/** One thing wrong with a decision record, located in the record file. */
export interface RecordProblem {
  path: string;
  span: Span;
  message: string;
  related?: RelatedInfo[];
  fixes?: Fix[];
}

const REQUIRED_KEYS = ['id', 'title', 'status', 'date', 'rules', 'revisions'] as const;
const RULE_ID = /^SW\d{3}$/;

/** What a section's text says once HTML comments and the scaffold's prompts are taken out. */
export function meaningfulText(body: string): string {
  let text = body.replace(/<!--[\s\S]*?(-->|$)/g, '');
  for (const { prompt } of REQUIRED_SECTIONS) text = text.split(prompt).join('');
  return text.replace(/^[ \t]*(>|[-*])?[ \t]*(TODO|TBD)[:.]?[ \t]*$/gim, '').trim();
}

function normalizeTitle(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^a-z]+/g, ' ')
    .trim();
}

/**
 * Checks every record on its own (front matter, sections) and all of them together (unique ids).
 * `knownRuleIds` is the rule registry's ids, passed in so that this module needs no registry.
 */
export function validateDecisionRecords(
  records: readonly DecisionRecord[],
  knownRuleIds: ReadonlySet<string>,
): RecordProblem[] {
  const problems: RecordProblem[] = [];
  for (const record of records) problems.push(...validateRecord(record, knownRuleIds));
  problems.push(...duplicateIds(records));
  return problems;
}

function validateRecord(record: DecisionRecord, knownRuleIds: ReadonlySet<string>): RecordProblem[] {
  const out: RecordProblem[] = [];
  const report = (span: Span, message: string): void => {
    out.push({ path: record.path, span, message });
  };
  const firstLine: Span = { start: 0, end: record.lines.lineText(0).length };
  for (const problem of record.problems) report(problem.span, problem.message);

  if (!record.frontMatterSpan) {
    report(
      firstLine,
      'This decision record has no front matter: start the file with a `---` block holding id, ' +
        'title, status, date, rules and revisions (`schema-warden decision new` writes one).',
    );
  } else {
    const missing = REQUIRED_KEYS.filter((key) => {
      if (key === 'rules') return record.rulesKey === undefined;
      if (key === 'revisions') return record.revisionsKey === undefined;
      return record[key] === undefined && !record.problems.some((p) => p.message.startsWith(`\`${key}\``));
    });
    if (missing.length) report(firstLine, `The front matter lacks ${missing.map((k) => `\`${k}\``).join(', ')}.`);
  }

  if (record.id) {
    const { value, valueSpan } = record.id;
    if (!/^\d{1,4}$/.test(value)) report(valueSpan, `id "${value}" is not a decision number such as "0007".`);
    else if (record.fileNumber !== undefined && normalizeDecisionId(value) !== record.fileNumber) {
      report(
        valueSpan,
        `id "${value}" does not match the number in the file name (${record.fileNumber}): rename the file or fix the id.`,
      );
    }
  }
  if (record.status && !(DECISION_STATUSES as readonly string[]).includes(record.status.value)) {
    report(record.status.valueSpan, `status "${record.status.value}" is not one of ${DECISION_STATUSES.join(', ')}.`);
  }
  for (const key of ['date', 'expires'] as const) {
    const field = record[key];
    if (field && !isIsoDate(field.value))
      report(field.valueSpan, `${key} "${field.value}" is not a calendar date written YYYY-MM-DD.`);
  }
  if (
    record.date &&
    record.expires &&
    isIsoDate(record.date.value) &&
    isIsoDate(record.expires.value) &&
    record.expires.value < record.date.value
  ) {
    report(
      record.expires.valueSpan,
      `expires (${record.expires.value}) is before the record's date (${record.date.value}).`,
    );
  }
  if (record.rulesKey && record.rules.length === 0)
    report(record.rulesKey, '`rules` is empty: list the rule ids this decision allows, e.g. [SW303].');
  for (const rule of record.rules) {
    const id = rule.value.toUpperCase();
    if (!RULE_ID.test(id))
      report(rule.valueSpan, `rules lists "${rule.value}", which is not a rule id (SW followed by three digits).`);
    else if (!knownRuleIds.has(id)) report(rule.valueSpan, `rules lists ${id}, which is not a Schema Warden rule.`);
  }
  if (record.revisionsKey && record.revisions.length === 0)
    report(record.revisionsKey, '`revisions` is empty: list the revision ids this decision covers, or "*" for all.');

  const missingSections = REQUIRED_SECTIONS.filter(
    (required) => !record.sections.some((s) => normalizeTitle(s.title) === normalizeTitle(required.title)),
  );
  const addSections = missingSectionsFix(record, missingSections);
  for (const required of REQUIRED_SECTIONS) {
    const section = record.sections.find((s) => normalizeTitle(s.title) === normalizeTitle(required.title));
    if (!section) {
      out.push({
        path: record.path,
        span: firstLine,
        message: `The "## ${required.title}" section is missing: the policy asks every deviation for it.`,
        fixes: [addSections],
      });
      continue;
    }
    if (meaningfulText(section.body) === '') {
      report(
        section.headingSpan,
        `The "${required.title}" section is empty (or holds only the template's prompt): ${required.prompt}`,
      );
    }
  }
  return out;
}

/** "Add the missing sections": every missing heading with its prompt, at the end of the record. */
function missingSectionsFix(record: DecisionRecord, missing: ReadonlyArray<(typeof REQUIRED_SECTIONS)[number]>): Fix {
  const text = record.lines.text;
  const eol = /\r\n/.test(text) ? '\r\n' : '\n';
  const lead = text.length === 0 || text.endsWith('\n') ? '' : eol;
  const sections = missing.map((s) => `${eol}## ${s.title}${eol}${eol}<!-- ${s.prompt} -->${eol}`).join('');
  return {
    title: 'Add the missing sections',
    edits: [{ span: { start: text.length, end: text.length }, newText: `${lead}${sections}` }],
    safe: false,
  };
}

function duplicateIds(records: readonly DecisionRecord[]): RecordProblem[] {
  const byId = new Map<string, DecisionRecord[]>();
  for (const record of records) {
    if (!record.id || !/^\d{1,4}$/.test(record.id.value)) continue;
    const id = normalizeDecisionId(record.id.value);
    byId.set(id, [...(byId.get(id) ?? []), record]);
  }
  const out: RecordProblem[] = [];
  for (const [id, same] of byId) {
    if (same.length < 2) continue;
    for (const record of same) {
      const others = same.filter((r) => r !== record);
      out.push({
        path: record.path,
        span: record.id?.valueSpan ?? { start: 0, end: 0 },
        message: `Decision id ${id} is also used by ${others.map((r) => r.fileName).join(', ')}: every record needs its own number.`,
        related: others.map((r) => ({
          path: r.path,
          span: r.id?.valueSpan,
          range: r.id ? r.lines.rangeOf(r.id.valueSpan.start, r.id.valueSpan.end) : undefined,
          message: 'also uses this id',
        })),
      });
    }
  }
  return out;
}

export function displayDir(dir: string, root: string): string {
  const relative = path.relative(root, dir);
  return relative && !relative.startsWith('..') ? relative.split(path.sep).join('/') : dir;
}

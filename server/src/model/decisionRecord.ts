import type { LineIndex, Span } from './source';

/**
 * A decision record: `docs/decisions/NNNN-slug.md`, the documented deviation the policy asks for
 * ("Any deviation from these data architecture rules requires a DECISION under docs/decisions/
 * including rollback and monitoring plans."). Waivers in revisions cite records by id.
 */

export const DECISION_STATUSES = ['proposed', 'accepted', 'superseded'] as const;
export type DecisionStatus = (typeof DECISION_STATUSES)[number];

/** The sections every record needs, in the order the scaffold writes them, with their prompts. */
export const REQUIRED_SECTIONS = [
  {
    title: 'Context',
    prompt: 'Which rule of the data-architecture policy does this deviate from, and what forces the deviation?',
  },
  { title: 'Decision', prompt: 'What we do instead, for which revisions, and until when.' },
  {
    title: 'Impact analysis',
    prompt: 'Who and what is affected: tables, running application versions, data volume, locks, consumers.',
  },
  {
    title: 'Rollback plan',
    prompt: 'How to undo the change, step by step, and what happens to data written in the meantime.',
  },
  {
    title: 'Monitoring plan',
    prompt: 'What we watch after deploying (metrics, logs, alerts), for how long, and who watches it.',
  },
] as const;

/** Record files: four digits, a dash, a slug. README.md and other notes in the folder are not records. */
export const RECORD_FILE_NAME = /^(\d{4})-([a-z0-9][a-z0-9._-]*)\.md$/i;

/** A front-matter value with where it stands in the record file. */
export interface Located<T> {
  value: T;
  /** Span of the whole `key: value` entry. */
  keySpan: Span;
  /** Span of the value alone (falls back to the key). */
  valueSpan: Span;
}

export interface RecordSection {
  /** The heading text as written, e.g. "Impact Analysis". */
  title: string;
  /** Span of the `## …` heading line. */
  headingSpan: Span;
  /** The text under the heading up to the next heading of level 1 or 2. */
  body: string;
  bodySpan: Span;
}

export interface FrontMatterProblem {
  message: string;
  span: Span;
}

export interface DecisionRecord {
  path: string;
  /** The file's name, e.g. `0007-allow-cascade-on-audit.md`. */
  fileName: string;
  /** The number in the file name, e.g. "0007" (undefined when the name has none). */
  fileNumber?: string;
  text: string;
  lines: LineIndex;
  /** Span of the front matter block including its `---` fences; undefined when there is none. */
  frontMatterSpan?: Span;
  /** YAML syntax errors and values of the wrong shape (a list where a string belongs, …). */
  problems: FrontMatterProblem[];
  id?: Located<string>;
  title?: Located<string>;
  status?: Located<string>;
  date?: Located<string>;
  expires?: Located<string>;
  /** Rule ids the record covers, each with its own span. */
  rules: Array<Located<string>>;
  /** Revision ids, or `*` for every revision. */
  revisions: Array<Located<string>>;
  /** Spans of the `rules:` / `revisions:` entries, for "missing" findings. */
  rulesKey?: Span;
  revisionsKey?: Span;
  sections: RecordSection[];
}

/** "7", "07" and "0007" are the same decision. */
export function normalizeDecisionId(id: string): string {
  return /^\d+$/.test(id) ? id.replace(/^0+(?=\d)/, '').padStart(4, '0') : id;
}

export function isAccepted(record: DecisionRecord): boolean {
  return record.status?.value === 'accepted';
}

/** Does the record cover this revision? `*` covers every revision, including files without an id. */
export function coversRevision(record: DecisionRecord, revision: string | undefined): boolean {
  return record.revisions.some((r) => r.value === '*' || (revision !== undefined && r.value === revision));
}

export function coversRule(record: DecisionRecord, ruleId: string): boolean {
  return record.rules.some((r) => r.value.toUpperCase() === ruleId);
}

/** `YYYY-MM-DD` and a real calendar date. */
export function isIsoDate(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return false;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return (
    date.getUTCFullYear() === Number(m[1]) &&
    date.getUTCMonth() === Number(m[2]) - 1 &&
    date.getUTCDate() === Number(m[3])
  );
}

/** Today as `YYYY-MM-DD` in UTC (the policy is UTC only, and so are expiry dates). */
export function todayIso(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}

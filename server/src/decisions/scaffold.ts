import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../fixes/atomicWrite';
import { RECORD_FILE_NAME, REQUIRED_SECTIONS, todayIso } from '../model/decisionRecord';

/**
 * Writes new decision records. The number is taken atomically: the file is created with
 * `open(…, 'wx')`, which fails if it exists, and then the folder is listed again; when another
 * run created a record with the same number in between, the later one steps back and tries the
 * next number. A run only succeeds when, after its file exists, no other file has its number, so
 * two runs never share a number and nothing is ever overwritten.
 */

export interface NewDecision {
  decisionsDir: string;
  title: string;
  rules: readonly string[];
  /** Revision ids; empty means every revision (`*`). */
  revisions: readonly string[];
  /** Also write `# schema-warden: allow … decision=NNNN` above this 1-based line of this file. */
  insertWaiver?: { file: string; line: number };
  /** `YYYY-MM-DD`; today (UTC) by default. */
  date?: string;
}

export interface CreatedDecision {
  id: string;
  path: string;
  /** The file the waiver went into and the 1-based line of the comment, when one was inserted. */
  waiver?: { file: string; line: number; text: string };
}

const MAX_SLUG = 48;

/** A file-name-safe slug: ASCII lower case, digits and single dashes; never empty, never `..`. */
export function slugify(title: string): string {
  const ascii = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
  let slug = ascii.replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  if (slug.length > MAX_SLUG) {
    slug = slug.slice(0, MAX_SLUG);
    const lastDash = slug.lastIndexOf('-');
    if (lastDash > MAX_SLUG / 2) slug = slug.slice(0, lastDash);
    slug = slug.replace(/-+$/, '');
  }
  return slug || 'decision';
}

function yamlString(text: string): string {
  // JSON strings are valid YAML double-quoted scalars.
  return JSON.stringify(text);
}

export function renderDecisionRecord(
  id: string,
  input: { title: string; rules: readonly string[]; revisions: readonly string[]; date: string },
): string {
  const list = (items: readonly string[]): string => `[${items.map(yamlString).join(', ')}]`;
  const lines = [
    '---',
    `id: ${yamlString(id)}`,
    `title: ${yamlString(input.title)}`,
    'status: proposed',
    `date: ${input.date}`,
    `rules: ${list(input.rules)}`,
    `revisions: ${list(input.revisions.length ? input.revisions : ['*'])}`,
    '# expires: YYYY-MM-DD   (optional: waivers stop counting after this date)',
    '---',
    '',
    `# ${id}. ${input.title}`,
    '',
  ];
  for (const section of REQUIRED_SECTIONS) lines.push(`## ${section.title}`, '', `<!-- ${section.prompt} -->`, '');
  return lines.join('\n');
}

function numbersIn(dir: string): Map<number, string[]> {
  const byNumber = new Map<number, string[]>();
  for (const name of fs.readdirSync(dir)) {
    const match = RECORD_FILE_NAME.exec(name);
    if (!match) continue;
    const n = Number(match[1]);
    byNumber.set(n, [...(byNumber.get(n) ?? []), name]);
  }
  return byNumber;
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Creates the record file under the next free number; returns its id and path. */
export function writeNewRecord(input: NewDecision): { id: string; path: string } {
  const title = input.title.trim();
  if (!title) throw new Error('a decision needs a title');
  const dir = path.resolve(input.decisionsDir);
  fs.mkdirSync(dir, { recursive: true });
  const slug = slugify(title);
  const date = input.date ?? todayIso();
  for (let attempt = 0; attempt < 200; attempt++) {
    const taken = numbersIn(dir);
    const next = Math.max(0, ...taken.keys()) + 1;
    if (next > 9999) throw new Error(`${dir} has no free decision number left`);
    const id = String(next).padStart(4, '0');
    const name = `${id}-${slug}.md`;
    const file = path.join(dir, name);
    let fd: number;
    try {
      fd = fs.openSync(file, 'wx');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue; // same number and title: take the next
      throw err;
    }
    // Another run may have taken the same number under another title: then step back and retry.
    const rivals = (numbersIn(dir).get(next) ?? []).filter((n) => n !== name);
    if (rivals.length > 0) {
      fs.closeSync(fd);
      fs.unlinkSync(file);
      sleep(1 + Math.floor(Math.random() * 10 * Math.min(attempt + 1, 5)));
      continue;
    }
    try {
      fs.writeSync(fd, renderDecisionRecord(id, { title, rules: input.rules, revisions: input.revisions, date }));
    } finally {
      fs.closeSync(fd);
    }
    return { id, path: file };
  }
  throw new Error(`could not take a free decision number in ${dir}: too many concurrent writers`);
}

/** The waiver comment for a decision, e.g. `# schema-warden: allow SW303,SW304 decision=0007`. */
export function waiverComment(rules: readonly string[], id: string, marker = '#'): string {
  return `${marker} schema-warden: allow ${rules.join(',')} decision=${id}`;
}

/**
 * Inserts a waiver comment above a 1-based line, indented like that line. Inside a SQL string
 * (`sqlLine`), a SQL comment is written instead, since a `#` line would become part of the SQL.
 */
export function insertWaiverLine(source: string, line: number, comment: string): { text: string; line: number } {
  const breakMatch = /\r\n|\n|\r/.exec(source);
  const lineBreak = breakMatch ? breakMatch[0] : '\n';
  const lines = source.split(/\r\n|\n|\r/);
  if (!Number.isInteger(line) || line < 1 || line > lines.length)
    throw new Error(`line ${line} is not in the file (it has ${lines.length} lines)`);
  const indent = /^[ \t]*/.exec(lines[line - 1])?.[0] ?? '';
  lines.splice(line - 1, 0, indent + comment);
  return { text: lines.join(lineBreak), line };
}

/** Is the 1-based line inside a triple-quoted string (e.g. SQL)? A cheap scan of the quotes before it. */
export function lineInsideTripleQuotedString(source: string, line: number): boolean {
  const lines = source.split(/\r\n|\n|\r/);
  const before = lines.slice(0, line - 1).join('\n');
  let open: string | undefined;
  for (let i = 0; i < before.length; i++) {
    const c = before[i];
    if (open) {
      if (c === '\\') {
        i++;
        continue;
      }
      if (before.startsWith(open, i)) {
        i += open.length - 1;
        open = undefined;
      }
      continue;
    }
    if (c === '#') {
      while (i < before.length && before[i] !== '\n') i++;
      continue;
    }
    if (before.startsWith('"""', i) || before.startsWith("'''", i)) {
      open = before.slice(i, i + 3);
      i += 2;
      continue;
    }
    if (c === '"' || c === "'") {
      // A one-line string: skip to its closing quote on the same line.
      for (i++; i < before.length && before[i] !== c && before[i] !== '\n'; i++) if (before[i] === '\\') i++;
    }
  }
  return open !== undefined;
}

/**
 * The engine's "new decision" command, shared by the CLI and the editor: writes the record and,
 * when asked, the waiver comment into the revision (atomically, through a temp file).
 */
export function createDecisionRecord(input: NewDecision): CreatedDecision {
  const waiverTarget = input.insertWaiver;
  let original: string | undefined;
  if (waiverTarget) {
    original = fs.readFileSync(waiverTarget.file, 'utf8');
    const lineCount = original.split(/\r\n|\n|\r/).length;
    // Check the line before writing anything, so a bad --waive leaves no orphan record.
    if (!Number.isInteger(waiverTarget.line) || waiverTarget.line < 1 || waiverTarget.line > lineCount) {
      throw new Error(`${waiverTarget.file}: line ${waiverTarget.line} is not in the file (it has ${lineCount} lines)`);
    }
  }
  const created = writeNewRecord(input);
  if (!waiverTarget || original === undefined) return created;
  const marker = lineInsideTripleQuotedString(original, waiverTarget.line) ? '--' : '#';
  const comment = waiverComment(input.rules, created.id, marker);
  const { text, line } = insertWaiverLine(original, waiverTarget.line, comment);
  writeFileAtomic(waiverTarget.file, text);
  return { ...created, waiver: { file: waiverTarget.file, line, text: comment } };
}

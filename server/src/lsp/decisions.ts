import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';

/** What completion and the commands need to know of a decision record. */
export interface DecisionRecordInfo {
  id: string;
  title: string;
  status?: string;
  rules: string[];
  path: string;
}

const RECORD_FILE = /^(\d{4})-[\w.-]+\.md$/;

/** Splits `---\nfront matter\n---` from a markdown text; undefined when there is none. */
export function frontMatter(text: string): { yaml: string; startLine: number; endLine: number } | undefined {
  const lines = text.split(/\r?\n/);
  if (lines[0]?.trim() !== '---') return undefined;
  const end = lines.findIndex((l, i) => i > 0 && l.trim() === '---');
  if (end < 0) return { yaml: lines.slice(1).join('\n'), startLine: 0, endLine: lines.length };
  return { yaml: lines.slice(1, end).join('\n'), startLine: 0, endLine: end };
}

/** Reads the records of a decisions folder (front matter only). Unreadable records are skipped. */
export function listDecisionRecords(dir: string): DecisionRecordInfo[] {
  let names: string[];
  try { names = fs.readdirSync(dir); } catch { return []; }
  const records: DecisionRecordInfo[] = [];
  for (const name of names.sort()) {
    const match = RECORD_FILE.exec(name);
    if (!match) continue;
    const file = path.join(dir, name);
    let data: Record<string, unknown> = {};
    try {
      const fm = frontMatter(fs.readFileSync(file, 'utf8'));
      const parsed: unknown = fm ? parseYaml(fm.yaml) : undefined;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) data = parsed as Record<string, unknown>;
    } catch { /* a broken record still completes by its number; SW901 reports the breakage */ }
    const id = data.id !== undefined ? String(data.id).padStart(4, '0') : match[1];
    records.push({
      id,
      title: typeof data.title === 'string' ? data.title : name.replace(/\.md$/, ''),
      status: typeof data.status === 'string' ? data.status : undefined,
      rules: Array.isArray(data.rules) ? data.rules.map(String) : [],
      path: file,
    });
  }
  return records;
}

export interface NewRecord {
  title: string;
  rules: string[];
  revisions: string[];
}

export function slugify(title: string): string {
  return title.toLowerCase().normalize('NFKD').replace(/[^\w\s-]/g, '').trim().replace(/[\s_-]+/g, '-').slice(0, 60).replace(/-$/, '') || 'decision';
}

/**
 * Writes `NNNN-slug.md` with the next free number. `wx` makes the write fail rather than overwrite
 * when another process took the number first; then the next number is tried.
 */
export function writeDecisionRecord(dir: string, record: NewRecord, today = new Date()): { id: string; path: string } {
  fs.mkdirSync(dir, { recursive: true });
  const taken = fs.readdirSync(dir).map((n) => RECORD_FILE.exec(n)?.[1]).filter((n): n is string => n !== undefined).map(Number);
  let next = taken.length ? Math.max(...taken) + 1 : 1;
  for (let attempt = 0; attempt < 100; attempt++, next++) {
    const id = String(next).padStart(4, '0');
    const file = path.join(dir, `${id}-${slugify(record.title)}.md`);
    try {
      fs.writeFileSync(file, renderRecord(id, record, today), { flag: 'wx' });
      return { id, path: file };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  throw new Error(`could not find a free decision number in ${dir}`);
}

function renderRecord(id: string, record: NewRecord, today: Date): string {
  const list = (items: string[]): string => `[${items.map((s) => JSON.stringify(s)).join(', ')}]`;
  return [
    '---',
    `id: "${id}"`,
    `title: ${JSON.stringify(record.title)}`,
    'status: proposed',
    `date: ${today.toISOString().slice(0, 10)}`,
    `rules: ${list(record.rules)}`,
    `revisions: ${list(record.revisions.length ? record.revisions : ['*'])}`,
    '---',
    '',
    `# ${id}. ${record.title}`,
    '',
    '## Context',
    '',
    'What forces this deviation from the data-architecture policy?',
    '',
    '## Decision',
    '',
    'What we do instead, and for which revisions.',
    '',
    '## Impact analysis',
    '',
    'Who and what is affected: tables, running application versions, data volume, locks.',
    '',
    '## Rollback plan',
    '',
    'How to undo it, step by step.',
    '',
    '## Monitoring plan',
    '',
    'What we watch after deploying, and for how long.',
    '',
  ].join('\n');
}

import * as fs from 'node:fs';
import * as path from 'node:path';
import { isMap, isScalar, isSeq, parseDocument, type Node as YamlNode } from 'yaml';
import { LineIndex, type Span } from '../model/source';
import { RECORD_FILE_NAME, type DecisionRecord, type Located, type RecordSection } from '../model/decisionRecord';

/**
 * Reads decision records. Parsing never throws: a broken record still yields what could be read,
 * with its problems listed, so that SW901 can say what is wrong and waivers can still find it.
 */

/** Lists and parses every `NNNN-slug.md` of a folder, in file-name order. A missing folder has none. */
export function loadDecisionRecords(dir: string): DecisionRecord[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const records: DecisionRecord[] = [];
  for (const name of names.filter((n) => RECORD_FILE_NAME.test(n)).sort()) {
    const file = path.join(dir, name);
    let text: string;
    try {
      text = fs.readFileSync(file).toString('utf8');
    } catch {
      continue; // vanished or unreadable between listing and reading
    }
    records.push(parseDecisionRecord(file, text));
  }
  return records;
}

const FENCE = /^(---|\.\.\.)\s*$/;

export function parseDecisionRecord(file: string, text: string): DecisionRecord {
  const lines = new LineIndex(text);
  const fileName = path.basename(file);
  const record: DecisionRecord = {
    path: file,
    fileName,
    fileNumber: RECORD_FILE_NAME.exec(fileName)?.[1],
    text,
    lines,
    problems: [],
    rules: [],
    revisions: [],
    sections: [],
  };
  const bodyStartLine = readFrontMatter(record, lines);
  record.sections = readSections(text, lines, bodyStartLine);
  return record;
}

/** Reads the `---` block at the top of the file; returns the first line after it. */
function readFrontMatter(record: DecisionRecord, lines: LineIndex): number {
  const first = lines.lineText(0).replace(/^\uFEFF/, '');
  if (first.trim() !== '---') return 0;
  let close = -1;
  for (let line = 1; line < lines.lineCount; line++) {
    if (FENCE.test(lines.lineText(line))) {
      close = line;
      break;
    }
  }
  const yamlStart = lines.lineStart(1);
  if (close < 0) {
    record.frontMatterSpan = { start: 0, end: lines.text.length };
    record.problems.push({
      message: 'The front matter is not closed: add a `---` line after it.',
      span: { start: 0, end: first.length + (lines.text.startsWith('\uFEFF') ? 1 : 0) },
    });
    return lines.lineCount;
  }
  const yamlEnd = lines.lineStart(close);
  record.frontMatterSpan = { start: 0, end: yamlEnd + lines.lineText(close).length };
  // The failsafe schema keeps every scalar a string: `id: 0007` stays "0007", dates stay text.
  const doc = parseDocument(record.text.slice(yamlStart, yamlEnd), { schema: 'failsafe', prettyErrors: false });
  const at = (range: readonly number[] | undefined | null, fallback: Span): Span =>
    range ? { start: yamlStart + range[0], end: yamlStart + Math.max(range[0], range[1]) } : fallback;
  const fmSpan: Span = { start: 0, end: 3 };
  for (const error of doc.errors) {
    record.problems.push({
      message: `The front matter is not valid YAML: ${error.message.split('\n')[0]}`,
      span: at(error.pos, fmSpan),
    });
  }
  if (doc.contents === null) return close + 1;
  if (!isMap(doc.contents)) {
    record.problems.push({
      message: 'The front matter must be a YAML mapping of `key: value` lines.',
      span: at(doc.contents.range, fmSpan),
    });
    return close + 1;
  }
  for (const pair of doc.contents.items) {
    if (!isScalar(pair.key)) continue;
    const key = String(pair.key.value);
    const value = pair.value as YamlNode | null;
    const keySpan = at([pair.key.range?.[0] ?? 0, value?.range?.[1] ?? pair.key.range?.[1] ?? 0], fmSpan);
    const valueSpan = value ? at(value.range, keySpan) : keySpan;
    const scalar = (): Located<string> | undefined => {
      if (value === null || (isScalar(value) && String(value.value).trim() === '')) {
        record.problems.push({ message: `\`${key}\` is empty.`, span: keySpan });
        return undefined;
      }
      if (!isScalar(value)) {
        record.problems.push({ message: `\`${key}\` must be a single value, not a list or mapping.`, span: valueSpan });
        return undefined;
      }
      return { value: String(value.value).trim(), keySpan, valueSpan };
    };
    const list = (): Array<Located<string>> => {
      if (value === null) return [];
      if (isScalar(value)) {
        // `rules: SW303` and `rules: SW303, SW304` are read as lists too.
        const raw = String(value.value);
        return raw
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
          .map((item) => ({ value: item, keySpan, valueSpan }));
      }
      if (isSeq(value)) {
        const items: Array<Located<string>> = [];
        for (const item of value.items as Array<YamlNode | null>) {
          if (item && isScalar(item) && String(item.value).trim() !== '')
            items.push({ value: String(item.value).trim(), keySpan, valueSpan: at(item.range, valueSpan) });
          else
            record.problems.push({
              message: `\`${key}\` must be a list of plain values.`,
              span: item ? at(item.range, valueSpan) : valueSpan,
            });
        }
        return items;
      }
      record.problems.push({ message: `\`${key}\` must be a list such as [a, b].`, span: valueSpan });
      return [];
    };
    switch (key) {
      case 'id':
        record.id = scalar();
        break;
      case 'title':
        record.title = scalar();
        break;
      case 'status':
        record.status = scalar();
        break;
      case 'date':
        record.date = scalar();
        break;
      case 'expires':
        record.expires = scalar();
        break;
      case 'rules':
        record.rules = list();
        record.rulesKey = keySpan;
        break;
      case 'revisions':
        record.revisions = list();
        record.revisionsKey = keySpan;
        break;
      default:
        break; // other keys (authors, supersedes, …) are the team's own
    }
  }
  return close + 1;
}

const HEADING = /^(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$/;
const CODE_FENCE = /^[ \t]{0,3}(```|~~~)/;

/** Level-2 headings and the text below each, up to the next heading of level 1 or 2. */
function readSections(text: string, lines: LineIndex, fromLine: number): RecordSection[] {
  const sections: RecordSection[] = [];
  let current: { title: string; headingSpan: Span; bodyStart: number } | undefined;
  const close = (end: number): void => {
    if (!current) return;
    sections.push({
      title: current.title,
      headingSpan: current.headingSpan,
      body: text.slice(current.bodyStart, end),
      bodySpan: { start: current.bodyStart, end },
    });
    current = undefined;
  };
  let fence: string | undefined;
  for (let line = fromLine; line < lines.lineCount; line++) {
    const content = lines.lineText(line);
    const fenceMatch = CODE_FENCE.exec(content);
    if (fenceMatch) {
      if (fence === undefined) fence = fenceMatch[1];
      else if (fence === fenceMatch[1]) fence = undefined;
      continue;
    }
    if (fence !== undefined) continue;
    const heading = HEADING.exec(content);
    if (!heading || heading[1].length > 2) continue;
    const start = lines.lineStart(line);
    close(start);
    if (heading[1].length === 2) {
      const next = line + 1 < lines.lineCount ? lines.lineStart(line + 1) : text.length;
      current = { title: heading[2], headingSpan: { start, end: start + content.length }, bodyStart: next };
    }
  }
  close(text.length);
  return sections;
}

const folderCache = new Map<string, { signature: string; records: DecisionRecord[] }>();

/**
 * The records of a folder, re-read only when a record file was added, removed or changed (by
 * name, size and mtime). For callers whose project model carries no records, such as an editor
 * linting on every keystroke.
 */
export function cachedDecisionRecords(dir: string): DecisionRecord[] {
  let signature = '';
  try {
    for (const name of fs
      .readdirSync(dir)
      .filter((n) => RECORD_FILE_NAME.test(n))
      .sort()) {
      const stat = fs.statSync(path.join(dir, name));
      signature += `${name}:${stat.size}:${stat.mtimeMs};`;
    }
  } catch {
    return [];
  }
  const cached = folderCache.get(dir);
  if (cached?.signature === signature) return cached.records;
  const records = loadDecisionRecords(dir);
  folderCache.set(dir, { signature, records });
  return records;
}

import { loadDecisionRecords, parseDecisionRecord } from '../decisions/parse';
import { normalizeDecisionId, type DecisionRecord } from '../model/decisionRecord';
import { lineInsideTripleQuotedString, waiverComment, writeNewRecord } from '../decisions/scaffold';

/** What completion and the commands need to know of a decision record. */
export interface DecisionRecordInfo {
  id: string;
  title: string;
  status?: string;
  rules: string[];
  path: string;
}

export function recordInfo(record: DecisionRecord): DecisionRecordInfo {
  const id = record.id?.value ?? record.fileNumber ?? record.fileName;
  return {
    id: normalizeDecisionId(String(id)),
    title: record.title?.value ?? record.fileName.replace(/\.md$/, ''),
    status: record.status?.value,
    rules: record.rules.map((r) => r.value),
    path: record.path,
  };
}

/**
 * The records of a decisions folder as the rules should see them: the files on disk, with the
 * text of open (possibly unsaved) records instead of their disk copies.
 */
export function loadRecords(dir: string, openText: (file: string) => string | undefined): DecisionRecord[] {
  const fromDisk = loadDecisionRecords(dir);
  return fromDisk.map((record) => {
    const text = openText(record.path);
    return text === undefined || text === record.text ? record : parseDecisionRecord(record.path, text);
  });
}

/** Writes a new record with the decisions engine (next free number, never overwrites). */
export function writeRecord(
  dir: string,
  input: { title: string; rules: readonly string[]; revisions: readonly string[] },
): { id: string; path: string } {
  return writeNewRecord({
    decisionsDir: dir,
    title: input.title,
    rules: input.rules,
    revisions: input.revisions.filter((r) => r !== '*'),
  });
}

/**
 * The waiver line to insert above a 0-based `line` of `source`, indented like it. Inside a
 * triple-quoted SQL string the comment is SQL (`--`), as the engine's scaffolding does.
 */
export function waiverLine(source: string, line: number, rules: readonly string[], id: string): string {
  const lines = source.split(/\r\n|\n|\r/);
  const indent = /^[ \t]*/.exec(lines[line] ?? '')?.[0] ?? '';
  const marker = lineInsideTripleQuotedString(source, line + 1) ? '--' : '#';
  const eol = /\r\n/.test(source) ? '\r\n' : '\n';
  return `${indent}${waiverComment(rules, id, marker)}${eol}`;
}

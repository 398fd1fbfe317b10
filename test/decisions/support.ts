import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import pc from 'picocolors';
import { renderFinding } from '../../server/src/cli/formats/text';
import { defaultConfig } from '../../server/src/config/config';
import { parseDecisionRecord } from '../../server/src/decisions/parse';
import type { DecisionRecord } from '../../server/src/model/decisionRecord';
import { lintProject } from '../../server/src/engine/lint';
import { createProjectModel, type ProjectModel } from '../../server/src/model/project';
import { LineIndex } from '../../server/src/model/source';
import { allRules } from '../../server/src/rules';
import type { Finding, Rule } from '../../server/src/rules/types';
import { dedent, model } from '../support/engine';

/** Helpers for tests that need decision records next to revisions. */

export const ROOT = '/project';
export const DECISIONS = `${ROOT}/docs/decisions`;
export const TODAY = '2025-06-15';

export interface RecordFields {
  id?: string;
  status?: string;
  rules?: string[];
  revisions?: string[];
  expires?: string;
  title?: string;
}

/** A complete, valid record text with the given front matter. */
export function recordText(fields: RecordFields = {}): string {
  const lines = ['---'];
  lines.push(`id: "${fields.id ?? '0007'}"`);
  lines.push(`title: ${fields.title ?? 'Allow a cascade on audit rows'}`);
  lines.push(`status: ${fields.status ?? 'accepted'}`);
  lines.push('date: 2025-01-10');
  lines.push(`rules: [${(fields.rules ?? ['SW303']).join(', ')}]`);
  lines.push(`revisions: [${(fields.revisions ?? ['a1']).map((r) => JSON.stringify(r)).join(', ')}]`);
  if (fields.expires) lines.push(`expires: ${fields.expires}`);
  lines.push(
    '---',
    '',
    '## Context',
    '',
    'Audit rows have no meaning without their account.',
    '',
    '## Decision',
    '',
    'Use ON DELETE CASCADE on audit.account_id only.',
    '',
    '## Impact analysis',
    '',
    'Deleting an account deletes its audit rows; about 40k rows per account.',
    '',
    '## Rollback plan',
    '',
    'Recreate the foreign key without the action.',
    '',
    '## Monitoring plan',
    '',
    'Watch the audit row count after account deletions for two weeks.',
    '',
  );
  return lines.join('\n');
}

export function record(fileName: string, text: string): DecisionRecord {
  return parseDecisionRecord(`${DECISIONS}/${fileName}`, text);
}

export function projectWith(files: Record<string, string>, records: DecisionRecord[] | undefined): ProjectModel {
  const models = Object.entries(files).map(([name, source]) =>
    model(dedent(source), `${ROOT}/alembic/versions/${name}`),
  );
  return createProjectModel(ROOT, defaultConfig(ROOT), models, undefined, records);
}

export function findingsFor(
  files: Record<string, string>,
  records: DecisionRecord[] | undefined,
  rules: readonly Rule[] = allRules,
  today = TODAY,
): Map<string, Finding[]> {
  return lintProject(projectWith(files, records), { rules, today });
}

const SNAPSHOT_DIR = path.resolve(__dirname, '../../../test/rules/__snapshots__');

/** The same snapshot format as test/rules/ruleTester.ts, for rules that need records or other files. */
export class Snapshot {
  private readonly parts: string[] = [];
  constructor(private readonly id: string) {}

  add(name: string, files: Array<{ display: string; text: string; findings: Finding[] }>): void {
    const plain = pc.createColors(false);
    const body = files
      .flatMap((f) => f.findings.map((finding) => renderFinding(f.display, new LineIndex(f.text), finding, plain)))
      .join('\n');
    this.parts.push(`=== ${name}\n${body || '(no findings)\n'}`);
  }

  check(): void {
    const file = path.join(SNAPSHOT_DIR, `${this.id}.snap`);
    const actual = this.parts.join('\n');
    if (process.env.UPDATE_SNAPSHOTS || !fs.existsSync(file)) {
      if (process.env.CI && !fs.existsSync(file)) throw new Error(`snapshot ${file} is missing`);
      fs.mkdirSync(SNAPSHOT_DIR, { recursive: true });
      fs.writeFileSync(file, actual);
      return;
    }
    assert.equal(
      actual,
      fs.readFileSync(file, 'utf8'),
      `snapshot ${file} differs: run UPDATE_SNAPSHOTS=1 if the change is intended`,
    );
  }
}

export interface WaiverCase {
  name: string;
  code: string;
  /** Record files by name; default: one accepted record 0007 for SW303 and revision a1. */
  records?: Record<string, string>;
  today?: string;
  /** Expected findings of WAIVER_RULES, in order. */
  expect: Array<{ line: number; rule: string; message?: RegExp }>;
}

/** The forbidden-item rules and the waiver rules: other teams' rules stay out of these tests. */
export const WAIVER_RULES: readonly Rule[] = allRules.filter((r) =>
  ['SW301', 'SW302', 'SW303', 'SW304', 'SW902', 'SW903'].includes(r.meta.id),
);

/** Lints a revision with the waiver rules and the given records; checks every finding in the file. */
export function runWaiverCase(c: WaiverCase, snapshot?: Snapshot): Finding[] {
  const records = Object.entries(c.records ?? { '0007-allow-cascade.md': recordText() }).map(([name, text]) =>
    record(name, text),
  );
  const code = dedent(c.code);
  const results = findingsFor({ 'a1_audit.py': code }, records, WAIVER_RULES, c.today ?? TODAY);
  const findings = results.get(`${ROOT}/alembic/versions/a1_audit.py`) ?? [];
  snapshot?.add(c.name, [{ display: 'a1_audit.py', text: code, findings }]);
  const describe = findings.map((f) => `${f.range.start.line + 1}: ${f.ruleId} ${f.message}`).join('\n');
  assert.equal(findings.length, c.expect.length, `findings:\n${describe}`);
  c.expect.forEach((e, i) => {
    assert.equal(findings[i].range.start.line + 1, e.line, `finding ${i + 1} line\n${describe}`);
    assert.equal(findings[i].ruleId, e.rule, `finding ${i + 1} rule\n${describe}`);
    if (e.message) assert.match(findings[i].message, e.message);
  });
  return findings;
}

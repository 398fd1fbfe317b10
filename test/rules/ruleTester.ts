import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { lintProject } from '../../server/src/engine/lint';
import { applyEdits } from '../../server/src/fixes/applyEdits';
import { LineIndex } from '../../server/src/model/source';
import type { ResolvedConfig } from '../../server/src/config/config';
import type { Finding, Rule } from '../../server/src/rules/types';
import { renderFinding } from '../../server/src/cli/formats/text';
import { dedent, engineReady, model, project } from '../support/engine';
import pc from 'picocolors';

/**
 * Table-driven rule tests in the style of typescript-eslint's RuleTester: `valid` sources must
 * produce no finding of the rule, `invalid` ones exactly the listed findings (and, with `output`,
 * the text after applying the first fix of each). Every case is also rendered into a snapshot
 * file (test/rules/__snapshots__/SWnnn.snap) showing each diagnostic under its source line;
 * `UPDATE_SNAPSHOTS=1 npm test` rewrites them.
 */
export interface ExpectedFinding {
  /** 1-based line of the finding's start. */
  line: number;
  message?: RegExp | string;
}

export interface InvalidCase {
  name?: string;
  code: string;
  /** Other revision files of the same project, by file name. */
  others?: Record<string, string>;
  errors: ExpectedFinding[];
  /** The text after applying the first fix of every finding; `null`: no fix is offered. */
  output?: string | null;
  config?: Partial<ResolvedConfig>;
}

export interface ValidCase {
  name?: string;
  code: string;
  others?: Record<string, string>;
  config?: Partial<ResolvedConfig>;
}

const SNAPSHOT_DIR = path.resolve(__dirname, '../../../test/rules/__snapshots__');
const FILE = 'rev.py';

export function findingsOf(
  rule: Rule,
  code: string,
  others: Record<string, string> = {},
  config: Partial<ResolvedConfig> = {},
): Finding[] {
  const proj = project({ [FILE]: code, ...others }, config);
  const mainPath = proj.revisions[0].path;
  return (lintProject(proj, { rules: [rule] }).get(mainPath) ?? []).filter((f) => f.ruleId === rule.meta.id);
}

export function ruleTester(rule: Rule, cases: { valid: Array<string | ValidCase>; invalid: InvalidCase[] }): void {
  const snapshot: string[] = [];
  describe(`${rule.meta.id} ${rule.meta.name}`, () => {
    before(() => engineReady);

    describe('valid', () => {
      cases.valid.forEach((c, i) => {
        const testCase = typeof c === 'string' ? { code: c } : c;
        it(testCase.name ?? `valid #${i + 1}`, () => {
          const findings = findingsOf(rule, dedent(testCase.code), mapOthers(testCase.others), testCase.config);
          assert.deepEqual(
            findings.map((f) => `${f.range.start.line + 1}: ${f.message}`),
            [],
            'expected no finding',
          );
        });
      });
    });

    describe('invalid', () => {
      cases.invalid.forEach((c, i) => {
        it(c.name ?? `invalid #${i + 1}`, () => {
          const code = dedent(c.code);
          const findings = findingsOf(rule, code, mapOthers(c.others), c.config);
          snapshot.push(renderCase(c.name ?? `invalid #${i + 1}`, code, findings));
          assert.equal(
            findings.length,
            c.errors.length,
            `expected ${c.errors.length} finding(s), got:\n${findings.map((f) => `  ${f.range.start.line + 1}: ${f.message}`).join('\n')}`,
          );
          c.errors.forEach((expected, k) => {
            const actual = findings[k];
            assert.equal(actual.range.start.line + 1, expected.line, `finding ${k + 1} line`);
            // What a reader sees: the message, then the help. Diagnostics are plain text, so the
            // expectations' Markdown backticks are not part of it.
            const shown = actual.help ? `${actual.message} ${actual.help}` : actual.message;
            assert.doesNotMatch(shown, /`/, 'diagnostics are plain text');
            if (expected.message instanceof RegExp) assert.match(shown, plain(expected.message));
            else if (expected.message !== undefined) assert.equal(shown, expected.message.replace(/`/g, ''));
            const lines = new LineIndex(code);
            assert.ok(
              actual.span.start >= 0 && actual.span.end <= code.length && actual.span.start <= actual.span.end,
              'span inside the document',
            );
            assert.deepEqual(actual.range, lines.rangeOf(actual.span.start, actual.span.end));
          });
          if (c.output !== undefined) {
            const fixes = findings.map((f) => f.fixes[0]).filter((f) => f !== undefined);
            if (c.output === null) {
              assert.equal(fixes.length, 0, 'expected no fix');
            } else {
              assert.ok(fixes.length > 0, 'expected a fix');
              const fixed = applyEdits(
                code,
                fixes.flatMap((f) => f.edits),
              ).text;
              assert.equal(fixed, dedent(c.output));
              // A fix's result re-parses cleanly and fixing again changes nothing.
              assert.deepEqual(model(fixed).syntaxErrors, [], 'fixed text parses');
              const again = findingsOf(rule, fixed, mapOthers(c.others), c.config).flatMap((f) => f.fixes.slice(0, 1));
              assert.equal(
                applyEdits(
                  fixed,
                  again.flatMap((f) => f.edits),
                ).text,
                fixed,
                'fix is idempotent',
              );
            }
          }
        });
      });
    });

    after(() => checkSnapshot(rule.meta.id, snapshot.join('\n')));
  });
}

function plain(pattern: RegExp): RegExp {
  return new RegExp(pattern.source.replace(/`/g, ''), pattern.flags);
}

function mapOthers(others: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(others ?? {}).map(([k, v]) => [k, dedent(v)]));
}

function renderCase(name: string, code: string, findings: Finding[]): string {
  const lines = new LineIndex(code);
  const plain = pc.createColors(false);
  const body = findings.map((f) => renderFinding(FILE, lines, f, plain)).join('\n');
  return `=== ${name}\n${body || '(no findings)\n'}`;
}

function checkSnapshot(id: string, actual: string): void {
  const file = path.join(SNAPSHOT_DIR, `${id}.snap`);
  if (process.env.UPDATE_SNAPSHOTS || !fs.existsSync(file)) {
    if (process.env.CI && !fs.existsSync(file))
      throw new Error(`snapshot ${file} is missing: run UPDATE_SNAPSHOTS=1 npm test and commit it`);
    fs.mkdirSync(SNAPSHOT_DIR, { recursive: true });
    fs.writeFileSync(file, actual);
    return;
  }
  assert.equal(
    actual,
    fs.readFileSync(file, 'utf8'),
    `snapshot ${path.relative(process.cwd(), file)} differs: run UPDATE_SNAPSHOTS=1 npm test if the change is intended`,
  );
}

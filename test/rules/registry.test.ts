import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { allRules } from '../../server/src/rules';
import { POLICY } from '../../server/src/rules/policy';

const rulesDir = path.resolve(__dirname, '../../../server/src/rules');

describe('rule registry', () => {
  it('registers every rule module in server/src/rules', () => {
    const modules = fs.readdirSync(rulesDir).filter((f) => /^SW\d{3}-.+\.ts$/.test(f));
    const registered = new Set(allRules.map((r) => `${r.meta.id}-${r.meta.name}.ts`));
    const missing = modules.filter((m) => !registered.has(m));
    assert.deepEqual(
      missing,
      [],
      'rule modules not listed in server/src/rules/index.ts (or whose file name differs from id-name)',
    );
  });

  it('has unique ids and names, in the SWnnn / kebab-case form', () => {
    const ids = allRules.map((r) => r.meta.id);
    const names = allRules.map((r) => r.meta.name);
    assert.equal(new Set(ids).size, ids.length, 'duplicate rule id');
    assert.equal(new Set(names).size, names.length, 'duplicate rule name');
    for (const rule of allRules) {
      assert.match(rule.meta.id, /^SW\d{3}$/);
      assert.match(rule.meta.name, /^[a-z0-9]+(-[a-z0-9]+)*$/);
    }
  });

  it('quotes a real policy clause in every rule', () => {
    for (const rule of allRules) {
      const clause = POLICY.find((c) => c.text === rule.meta.policyClause);
      assert.ok(clause, `${rule.meta.id}: policyClause is not a clause of the policy, word for word`);
      assert.equal(clause.section, rule.meta.policySection, `${rule.meta.id}: policySection`);
    }
  });

  it('gives every policy clause a home: a rule, or where else it is checked', () => {
    const homeless = POLICY.filter((c) => !c.checkedElsewhere && !allRules.some((r) => r.meta.policyClause === c.text));
    assert.deepEqual(
      homeless.map((c) => c.text),
      [],
    );
  });

  it('documents every rule fully', () => {
    for (const rule of allRules) {
      const d = rule.meta.docs;
      for (const key of ['summary', 'whatItDoes', 'whyBad', 'bad', 'good', 'howToFix'] as const) {
        assert.ok(d[key].trim().length > 0, `${rule.meta.id}: docs.${key} is empty`);
      }
    }
  });

  it('has a table-driven test file for every rule', () => {
    const testDir = path.resolve(__dirname, '../../../test/rules');
    const tests = new Set(fs.readdirSync(testDir));
    const untested = allRules.filter((r) => !tests.has(`${r.meta.id}-${r.meta.name}.test.ts`)).map((r) => r.meta.id);
    assert.deepEqual(untested, []);
  });
});

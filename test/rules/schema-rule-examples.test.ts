import * as assert from 'node:assert/strict';
import { lintProject } from '../../server/src/engine/lint';
import { ruleById } from '../../server/src/rules';
import { engineReady, project } from '../support/engine';

/**
 * The `bad` example of each revision rule's documentation is reported by the rule, and its
 * `good` example is not: the docs cannot drift from what the rule does.
 */
const RULES = [
  'SW401',
  'SW402',
  'SW403',
  'SW404',
  'SW405',
  'SW601',
  'SW602',
  'SW603',
  'SW604',
  'SW605',
  'SW606',
  'SW608',
  'SW609',
  'SW610',
  'SW611',
  'SW612',
  'SW613',
  'SW614',
];

describe('schema rules: documented examples', () => {
  before(() => engineReady);
  for (const id of RULES) {
    const rule = ruleById(id);
    it(`${id}: the bad example is reported, the good one is not`, () => {
      assert.ok(rule, `${id} is registered`);
      const count = (source: string): number => {
        const proj = project({ 'rev.py': `${source}\n\nrevision = "x1"\n` });
        return (lintProject(proj, { rules: [rule] }).get(proj.revisions[0].path) ?? []).length;
      };
      assert.ok(count(rule.meta.docs.bad) > 0, 'bad example is reported');
      assert.equal(count(rule.meta.docs.good), 0, 'good example is not reported');
    });
  }
});

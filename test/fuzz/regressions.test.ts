import * as assert from 'node:assert/strict';
import { engineReady, model } from '../support/engine';
import { lintFuzzed } from './check';

/** Inputs the fuzz suite found crashing or misreporting, kept as plain regression tests. */
describe('fuzz regressions', () => {
  before(() => engineReady);

  it('decodes an implicitly concatenated literal of 300,000 characters (no push(...spread) stack overflow)', () => {
    const big = 'x'.repeat(300_000);
    const m = model(`from alembic import op\n\n\ndef upgrade():\n    op.execute("SELECT '" "${big}" "'")\n`);
    const sql = m.operations.find((o) => o.name === 'execute')?.sql;
    assert.equal(sql?.text?.length, big.length + 9);
    assert.deepEqual(lintFuzzed(m.source).problems, []);
  });
});

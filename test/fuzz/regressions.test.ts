import * as assert from 'node:assert/strict';
import { applyEdits } from '../../server/src/fixes/applyEdits';
import SW101 from '../../server/src/rules/SW101-require-downgrade';
import { dedent, engineReady, model } from '../support/engine';
import { FUZZ_PATH, lintFuzzed } from './check';
import { deeplyNested } from './mutations';
import { compileWithCPython } from './python';

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

  it('builds the model of calls nested 5,000 levels deep, keeping the outer levels', () => {
    const m = model(deeplyNested(5000, 'f(', ')'));
    const execute = m.operations.find((o) => o.name === 'execute');
    assert.ok(execute, 'op.execute is still found');
    assert.equal(execute.rest.length + Object.keys(execute.args).length, 1);
    assert.ok(m.calls.length >= 200 && m.calls.length <= 5001, `${m.calls.length} calls`);
  });

  it('names the callee of a 5,000-link method chain without recursion, in linear time', () => {
    const source = `from alembic import op\n\n\ndef upgrade():\n    q${'.f()'.repeat(5000)}.execute("SELECT 1")\n`;
    const started = Date.now();
    const m = model(source);
    const execute = m.calls.find((c) => c.method === 'execute');
    assert.ok(execute?.callee.startsWith('…') && execute.callee.endsWith('.f().f().execute'), execute?.callee);
    // Short chains keep their full text: the receiver-call shape rules rely on.
    assert.ok(
      model('op.get_bind().execute("SELECT 1")\n').calls.some(
        (c) => c.callee === 'op.get_bind().execute' && c.receiverCall?.callee === 'op.get_bind',
      ),
    );
    assert.ok(Date.now() - started < 20_000, `took ${Date.now() - started} ms`);
  });

  it('SW101 offers its downgrade on a half-typed `def downgrade():` at the end of the file', () => {
    const source = dedent(`
      """add index"""
      from alembic import op

      revision = "b2"
      down_revision = "a1"


      def upgrade():
          op.create_index("ix_user_email", "user", ["email"])


      def downgrade():`);
    const outcome = lintFuzzed(source, [SW101]);
    assert.deepEqual(outcome.problems, []);
    const finding = outcome.findings.get(outcome.project.revisions[2].path)?.find((f) => f.ruleId === 'SW101');
    const fix = finding?.fixes[0];
    assert.ok(fix, 'a fix is offered');
    const fixed = applyEdits(source, fix.edits).text;
    assert.match(fixed, /def downgrade\(\):\n {4}op\.drop_index\("ix_user_email", table_name="user"\)/);
    assert.deepEqual(model(fixed).syntaxErrors, []);
  });

  it('ranges a SQL syntax error on an astral character over the whole character', () => {
    const source = 'from alembic import op\n\n\ndef upgrade():\n    op.execute("SELECT \u{1F600}\u{1F600} FROM")\n';
    const error = model(source).operations[0].sql?.error;
    assert.ok(error);
    const text = source.slice(error.span.start, error.span.end);
    assert.ok(!/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/.test(text), `span splits a surrogate pair: ${JSON.stringify(text)}`);
    assert.deepEqual(lintFuzzed(source).problems, []);
  });

  it('ranges a Python syntax error cut at 80 characters (or 1) over whole characters', () => {
    // Found by the engine fuzz (seed 42): an ERROR node whose 80th UTF-16 unit is half an astral character.
    for (const pad of [78, 79, 80]) {
      const source =
        `revision = None\n\n\ndef .create_table("accounts", sa.Column("id", sa.Integer, ` +
        `primary_key=True), ${'s'.repeat(pad - 78)}\u{10000}\u{10000}.Column("x"))\n`;
      for (const error of model(source).syntaxErrors) {
        const text = source.slice(error.span.start, error.span.end);
        assert.ok(
          !/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/.test(text),
          `pad ${pad}: span splits a surrogate pair: ${JSON.stringify(text)}`,
        );
      }
      assert.deepEqual(
        lintFuzzed(source).problems.filter((p) => p.includes('surrogate')),
        [],
      );
    }
  });
  it('fixes in a file with lone-CR line breaks and tab indentation keep both (SW201, SW603), and CPython compiles the result', () => {
    // Found by the fix fuzz: tree-sitter rows do not break at a lone CR, so the body indentation
    // was read from the wrong line, and lineBreakOf() answered "\n" for a CR-only file.
    const source = [
      '"""add age"""',
      'from alembic import op',
      'import sqlalchemy as sa',
      '',
      'revision = "x1"',
      'down_revision = "n0002"',
      '',
      '',
      'def upgrade():',
      '\top.add_column("account", sa.Column("age", sa.Integer(), nullable=True))',
      '',
      '',
      'def downgrade():',
      '\top.drop_column("account", "age")',
      '',
    ].join('\r');
    assert.equal(model(source).upgrade?.bodyIndent, '\t');
    const findings = lintFuzzed(source).findings.get(FUZZ_PATH) ?? [];
    const fixed = ['SW201', 'SW603'].map((id) => {
      const fix = findings.find((f) => f.ruleId === id)?.fixes[0];
      assert.ok(fix, `${id} offers a fix`);
      return applyEdits(source, fix.edits).text;
    });
    assert.match(fixed[0], /\r\t# rationale: [^\r\n]*\r\top\.add_column/);
    assert.match(fixed[1], /\r\top\.execute\("SET lock_timeout = '5s'"\)\r\top\.add_column/);
    assert.deepEqual(compileWithCPython(fixed), [undefined, undefined]);
  });

  it('SW601 offers no autocommit wrap of a call whose indentation holds a form feed (the wrap could not be compiled)', () => {
    // Found by the fix fuzz (seed 1743541584): a form feed resets Python's indentation count, so
    // re-indenting "    \f    op.create_index(...)" by text put the call outside the new block.
    const source = [
      '"""index email"""',
      'from alembic import op',
      '',
      'revision = "x1"',
      'down_revision = "n0002"',
      '',
      '',
      'def upgrade():',
      '    \f    op.create_index("ix_user_email", "user", ["email"])',
      '',
      '',
      'def downgrade():',
      '    op.drop_index("ix_user_email", table_name="user")',
      '',
    ].join('\n');
    const findings = lintFuzzed(source).findings.get(FUZZ_PATH) ?? [];
    const sw601 = findings.filter((f) => f.ruleId === 'SW601');
    assert.ok(sw601.length > 0, 'SW601 still reports the index build');
    const fixed = sw601.flatMap((f) => f.fixes).map((fix) => applyEdits(source, fix.edits).text);
    for (const result of compileWithCPython(fixed)) assert.equal(result, undefined);
    // The same call indented with spaces alone is still wrapped.
    const plain = source.replace('    \f    op.create_index', '    op.create_index');
    const wrap = (lintFuzzed(plain).findings.get(FUZZ_PATH) ?? []).find((f) => f.ruleId === 'SW601')?.fixes[0];
    assert.ok(wrap, 'the plain call gets its fix');
    assert.match(applyEdits(plain, wrap.edits).text, /autocommit_block\(\):\n        op\.create_index/);
  });
});

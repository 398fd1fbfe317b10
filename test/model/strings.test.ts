import * as assert from 'node:assert/strict';
import { decodeLiteral } from '../../server/src/parse/strings';
import { engineReady, model } from '../support/engine';

/** The value of a string literal and, for each character, the source offset it came from. */
function mapped(source: string): Array<[string, string]> {
  const decoded = decodeLiteral(source, 0);
  return [...decoded.value].map((_, i) => [decoded.value[i], source[decoded.offsets[i]]]);
}

describe('Python string literals', () => {
  before(() => engineReady);

  it('decodes plain, raw, byte and unicode prefixes', () => {
    assert.equal(decodeLiteral(String.raw`"a\nb"`, 0).value, 'a\nb');
    assert.equal(decodeLiteral(String.raw`r"a\nb"`, 0).value, String.raw`a\nb`);
    assert.equal(decodeLiteral(String.raw`Rb'a\x41'`, 0).value, String.raw`a\x41`);
    assert.equal(decodeLiteral(String.raw`u'\u00e9\x41\101'`, 0).value, 'éAA');
    assert.equal(decodeLiteral('"""a\n"b"\n"""', 0).value, 'a\n"b"\n');
  });

  it('maps every character of the value back to where it was written', () => {
    const pairs = mapped(String.raw`"x\ty"`);
    assert.deepEqual(pairs, [
      ['x', 'x'],
      ['\t', '\\'],
      ['y', 'y'],
    ]);
  });

  it('joins a line continuation inside a literal', () => {
    assert.equal(decodeLiteral('"ab\\\ncd"', 0).value, 'abcd');
  });

  it('marks f-strings with interpolations as not analysable, plain f-strings as analysable', () => {
    assert.equal(decodeLiteral('f"DROP TABLE {t}"', 0, true).analysable, false);
    assert.equal(decodeLiteral('f"SELECT 1"', 0, false).analysable, true);
  });

  it('takes everything of a half-typed literal', () => {
    assert.equal(decodeLiteral('"CREATE TABLE', 0).value, 'CREATE TABLE');
  });

  it('decodes implicit concatenation with offsets in both parts', () => {
    const src = 'def upgrade():\n    op.execute("CREATE TABLE a "\n               \'(id int)\')\n';
    const m = model(src);
    const sql = m.operations[0].sql;
    assert.ok(sql);
    assert.equal(sql.text, 'CREATE TABLE a (id int)');
    const statement = sql.statements[0];
    assert.equal(src.slice(statement.span.start, statement.span.end), 'CREATE TABLE a "\n               \'(id int)');
  });
});

import * as assert from 'node:assert/strict';
import { columnFacts } from '../../server/src/parse/sqlFacts';
import { rewritePlaceholders } from '../../server/src/parse/sql';
import { engineReady, model } from '../support/engine';

function executeSql(source: string) {
  const m = model(source);
  const sql = m.operations.find((o) => o.name === 'execute')?.sql;
  assert.ok(sql, 'an execute operation with SQL');
  return { m, sql };
}

describe('SQL inside Python: exact source ranges', () => {
  before(() => engineReady);

  it('maps a column type through a triple-quoted string to its UTF-16 range', () => {
    const source =
      'def upgrade():\n    op.execute("""\n        CREATE TABLE café (\n            at timestamp DEFAULT now()\n        )\n    """)\n';
    const { sql } = executeSql(source);
    const statement = sql.statements[0];
    assert.equal(statement.kind, 'CreateStmt');
    const [column] = columnFacts(statement.kind, statement.parsed.node);
    assert.ok(column.type);
    const at = statement.locate(column.type.location);
    assert.equal(source.slice(at.start, at.start + 'timestamp'.length), 'timestamp');
  });

  it('maps locations after non-ASCII text (UTF-8 bytes → UTF-16)', () => {
    const source =
      'def upgrade():\n    op.execute("COMMENT ON TABLE t IS \'Ünïcødé 😀\'; ALTER TABLE t ADD COLUMN b timestamp")\n';
    const { sql } = executeSql(source);
    const alter = sql.statements[1];
    const [column] = columnFacts(alter.kind, alter.parsed.node);
    assert.ok(column.type);
    const at = alter.locate(column.type.location);
    assert.equal(source.slice(at.start, at.start + 9), 'timestamp');
    assert.equal(source.slice(alter.span.start, alter.span.end), 'ALTER TABLE t ADD COLUMN b timestamp');
  });

  it('maps through escapes in the Python literal', () => {
    const source = 'def upgrade():\n    op.execute("ALTER TABLE \\"order\\"\\n ADD COLUMN paid_at timestamp")\n';
    const { sql } = executeSql(source);
    const statement = sql.statements[0];
    const [column] = columnFacts(statement.kind, statement.parsed.node);
    assert.ok(column.type);
    const at = statement.locate(column.type.location);
    assert.equal(source.slice(at.start, at.start + 9), 'timestamp');
  });

  it('rewrites SQLAlchemy placeholders to $n and keeps positions after them', () => {
    const { text } = rewritePlaceholders("UPDATE t SET a = :a, b = %(b)s, c = %s WHERE x::int = 1 AND t = '10:30'");
    assert.equal(text, "UPDATE t SET a = $1, b = $2, c = $3 WHERE x::int = 1 AND t = '10:30'");
    const source =
      'def upgrade():\n    op.execute(sa.text("UPDATE t SET a = :value WHERE b = 1; ALTER TABLE t ADD COLUMN c timestamp"))\n';
    const { sql } = executeSql(source);
    assert.equal(sql.error, undefined);
    const alter = sql.statements[1];
    const [column] = columnFacts(alter.kind, alter.parsed.node);
    assert.ok(column.type);
    assert.equal(source.slice(alter.locate(column.type.location).start).slice(0, 9), 'timestamp');
  });

  it('points a SQL syntax error at the offending character', () => {
    const source = 'def upgrade():\n    op.execute("SELECT 1 FROM WHERE")\n';
    const { sql } = executeSql(source);
    assert.ok(sql.error);
    assert.equal(source.slice(sql.error.span.start, sql.error.span.start + 5), 'WHERE');
  });

  it('parses a 20 KB SQL string', () => {
    const columns = Array.from({ length: 600 }, (_, i) => `c${i} text`).join(', ');
    const source = `def upgrade():\n    op.execute("""CREATE TABLE big (${columns})""")\n`;
    assert.ok(source.length > 6000);
    const big =
      `def upgrade():\n    op.execute("""` +
      `${Array.from({ length: 400 }, (_, i) => `INSERT INTO t (a) VALUES ('${'x'.repeat(20)}${i}');`).join('\n')}""")\n`;
    assert.ok(big.length > 20000);
    const { sql } = executeSql(big);
    assert.equal(sql.statements.length, 400);
    assert.equal(executeSql(source).sql.statements[0].kind, 'CreateStmt');
  });
});

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { lintProjectRules } from '../../server/src/engine/lint';
import rule from '../../server/src/rules/SW501-fixture-schema';
import type { Finding } from '../../server/src/rules/types';
import { dedent, engineReady, project } from '../support/engine';

const history = dedent(`
  revision = "a1"
  down_revision = None
  def upgrade():
      op.create_table(
          "invoice",
          sa.Column("id", sa.UUID(), primary_key=True),
          sa.Column("total", sa.Numeric(12, 2)),
      )
      op.execute("CREATE TABLE billing.payment (id uuid PRIMARY KEY, amount numeric)")
      op.execute("CREATE VIEW open_invoice AS SELECT id FROM invoice")
`);
const later = dedent(`
  revision = "b1"
  down_revision = "a1"
  def upgrade():
      op.add_column("invoice", sa.Column("currency", sa.Text()))
      op.drop_column("invoice", "total")
`);

/** Lints a temporary workspace holding the given fixture files; returns "file:line:col message" per finding. */
function lintFixtures(files: Record<string, string>, globs?: string[]): string[] {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sw501-'));
  try {
    for (const [name, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
      fs.writeFileSync(path.join(root, name), dedent(text));
    }
    const proj = project({ 'a1.py': history, 'b1.py': later }, { root, ...(globs ? { fixtureGlobs: globs } : {}) });
    const findings: Finding[] = [...lintProjectRules(proj, { rules: [rule] }).values()].flat();
    return findings
      .map(
        (f) =>
          `${path.relative(root, f.path)}:${f.range.start.line + 1}:${f.range.start.character + 1}-${f.range.end.character + 1} ${f.message}`,
      )
      .sort();
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

describe('SW501 fixture-schema', () => {
  before(() => engineReady);

  it('stays quiet on fixtures that match the schema at head', () => {
    assert.deepEqual(
      lintFixtures({
        'tests/fixtures/invoices.sql': `
        -- seed data
        INSERT INTO invoice (id, currency) VALUES ('00000000-0000-0000-0000-000000000001', 'EUR');
        INSERT INTO billing.payment (id, amount) VALUES ('00000000-0000-0000-0000-000000000002', 10);
        INSERT INTO invoice VALUES ('00000000-0000-0000-0000-000000000003', 'USD');
      `,
        'tests/fixtures/rows.json': `{ "invoice": [ { "id": "x", "currency": "EUR" } ], "billing.payment": [] }`,
        'tests/fixtures/list.json': `[ { "table": "invoice", "rows": [ { "id": "y" } ] } ]`,
        'tests/fixtures/not-a-fixture.json': `{ "name": "config", "retries": 3 }`,
        'tests/fixtures/psql.sql': `\\copy invoice (id, nope) FROM 'x.csv'`,
        'docs/example.sql': `INSERT INTO nowhere (a) VALUES (1);`,
      }),
      [],
    );
  });

  it('reports unknown tables and columns with exact ranges, once per file', () => {
    assert.deepEqual(
      lintFixtures({
        'tests/fixtures/invoices.sql': `
        INSERT INTO invoice (id, total) VALUES ('a', 1);
        INSERT INTO invoice (id, total) VALUES ('b', 2);
        INSERT INTO billing.refund (id) VALUES ('c');
        COPY invoice (id, discount) FROM stdin;
      `,
        'tests/fixtures/rows.json': `{
        "invoice": [ { "id": "x", "curency": "EUR" } ],
        "payments": [ { "id": "y" } ]
      }`,
        'tests/fixtures/list.json': `[ { "table": "billing.payment", "rows": [ { "id": "y", "amount": 1, "fee": 2 } ] } ]`,
      }),
      [
        'tests/fixtures/invoices.sql:1:26-31 The fixture sets column "total" of "invoice", which the table does not have at head (its columns: id, currency).',
        'tests/fixtures/invoices.sql:3:21-27 The fixture writes to table "billing.refund", which no migration creates (schema at head).',
        'tests/fixtures/invoices.sql:4:6-13 The fixture sets column "discount" of "invoice", which ' +
          'the table does not have at head (its columns: id, currency).',
        'tests/fixtures/list.json:1:70-73 The fixture sets column "fee" of "billing.payment", which the table does not have at head (its columns: id, amount).',
        'tests/fixtures/rows.json:2:36-43 The fixture sets column "curency" of "invoice", which the table does not have at head (its columns: id, currency).',
        'tests/fixtures/rows.json:3:10-18 The fixture writes to table "payments", which no migration creates (schema at head).',
      ],
    );
  });

  it('follows the configured globs', () => {
    const files = { 'seeds/base.sql': `INSERT INTO ghost (id) VALUES (1);` };
    assert.deepEqual(lintFixtures(files), []);
    assert.equal(lintFixtures(files, ['seeds/*.sql']).length, 1);
  });
});

import * as assert from 'node:assert/strict';
import { analyzeOnce } from '../../server/src/engine/analyze';
import { lintProject } from '../../server/src/engine/lint';
import { envScriptSettingsOf } from '../../server/src/model/envScript';
import { createProjectModel } from '../../server/src/model/project';
import { defaultConfig } from '../../server/src/config/config';
import rule from '../../server/src/rules/SW607-autocommit-in-transaction';
import { dedent, engineReady } from '../support/engine';
import { ruleTester } from './ruleTester';

const REVISION = `
revision = "b1"
def upgrade():
    op.add_column("invoice", sa.Column("note", sa.Text(), nullable=True))
    with op.get_context().autocommit_block():
        op.create_index("ix_invoice_customer_id", "invoice", ["customer_id"], postgresql_concurrently=True)
        op.execute("CREATE INDEX CONCURRENTLY ix_invoice_total ON invoice (total)")
    op.execute("DROP INDEX CONCURRENTLY ix_invoice_old")
`;

// Without an env.py (the table tests' projects have none) the rule has nothing to say.
ruleTester(rule, { valid: [{ name: 'no env.py read: quiet', code: REVISION }], invalid: [] });

const OUTER_TRANSACTION = dedent(`
  from alembic import context
  from sqlalchemy import engine_from_config, pool

  def run_migrations_online():
      connectable = engine_from_config(context.config.get_section("alembic"), poolclass=pool.NullPool)
      with connectable.begin() as connection:
          context.configure(connection=connection, target_metadata=None)
          with context.begin_transaction():
              context.run_migrations()

  run_migrations_online()
`);

const ALEMBIC_TEMPLATE = OUTER_TRANSACTION.replace('connectable.begin()', 'connectable.connect()');

function findingsWithEnv(envText: string): string[] {
  const root = '/project';
  const migration = analyzeOnce(`${root}/alembic/versions/b1.py`, dedent(REVISION));
  const alembic = {
    root: `${root}/alembic`,
    configFile: `${root}/alembic.ini`,
    kind: 'ini' as const,
    projectRoot: root,
    scriptLocation: `${root}/alembic`,
    versionLocations: [`${root}/alembic/versions`],
    recursive: false,
    problems: [],
    env: envScriptSettingsOf(envText),
  };
  const project = createProjectModel(root, defaultConfig(root), [migration], alembic);
  return (lintProject(project, { rules: [rule] }).get(migration.path) ?? []).map(
    (f) => `${f.range.start.line + 1}: ${f.message}`,
  );
}

describe('SW607 autocommit-in-transaction with the project’s env.py', () => {
  before(() => engineReady);

  it('reads env.py: a begin() of its own around run_migrations(), or an assigned one', () => {
    assert.equal(envScriptSettingsOf(OUTER_TRANSACTION).outerTransactionLine, 6);
    assert.equal(
      envScriptSettingsOf(
        OUTER_TRANSACTION.replace(
          'with connectable.begin() as connection:',
          'with connectable.connect() as connection:\n        trans = connection.begin()',
        ),
      ).outerTransactionLine,
      7,
    );
    assert.equal(envScriptSettingsOf(ALEMBIC_TEMPLATE).outerTransactionLine, undefined);
    // A begin() that is over before the migrations run (seeding, a check) does not count.
    assert.equal(
      envScriptSettingsOf(
        'def f():\n    with engine.begin() as c:\n        c.execute(x)\n    with engine.connect() as c:\n        context.run_migrations()\n',
      ).outerTransactionLine,
      undefined,
    );
  });

  it("Alembic's own template: quiet", () => {
    assert.deepEqual(findingsWithEnv(ALEMBIC_TEMPLATE), []);
  });

  it('an outer transaction: the autocommit block (once) and the CONCURRENTLY drop outside it', () => {
    const findings = findingsWithEnv(OUTER_TRANSACTION);
    assert.equal(findings.length, 2, findings.join('\n'));
    assert.match(
      findings[0],
      /^5: autocommit_block\(\) cannot work here: env\.py runs the migrations inside a transaction it began itself \(line 6\)/,
    );
    assert.match(findings[1], /^7: A CONCURRENTLY operation cannot run here/);
  });
});

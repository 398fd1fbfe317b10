import { ddlListeners, entityCreations } from '../analysis/pythonHooks';
import { triggerFact } from '../parse/facts/forbidden';
import { mayRunInUpgrade, statementHead, upgradeStatements } from '../analysis/statements';
import { defineRule } from './types';

const WAIVE_HINT = 'if a decision record allows it, cite it with # schema-warden: allow SW301 decision=NNNN';

export default defineRule({
  meta: {
    id: 'SW301',
    name: 'no-triggers',
    severity: 'error',
    scope: 'revision',
    policySection: 'Forbidden Items in Phase 2',
    policyClause:
      'Database-level business logic such as triggers, stored procedures implementing domain rules, or cascading actions beyond referential integrity.',
    docs: {
      summary: 'Revisions must not create triggers, event triggers or rules.',
      whatItDoes:
        'Reports, in the upgrade, SQL `CREATE TRIGGER`, `CREATE CONSTRAINT TRIGGER`, `CREATE EVENT ' +
        'TRIGGER` and `CREATE RULE` (in `op.execute(...)`, `sa.text(...)`, `DDL(...)`, SQL held in ' +
        'variables and helpers), alembic_utils `PGTrigger` entities that ' +
        '`op.create_entity`/`op.replace_entity` create, and SQLAlchemy DDL event listeners ' +
        '(`event.listen(table, "after_create", …)`, `@event.listens_for(table, "after_create")`) ' +
        'that run code hidden from the migration. Dropping a trigger, and re-creating one in the ' +
        'downgrade to undo its removal, is never reported.',
      whyBad:
        'A trigger is business logic that runs inside the database, invisible to the application ' +
        'code and its tests: writes change data nobody asked for, bulk loads slow down, and the ' +
        'behaviour survives every deploy until someone remembers it exists.',
      bad:
        'def upgrade():\n    op.execute("""\n        CREATE TRIGGER account_touch BEFORE UPDATE ON ' +
        'account\n        FOR EACH ROW EXECUTE FUNCTION touch_updated_at()\n    """)',
      good:
        '# The application sets updated_at in its repository layer:\n# account.updated_at = ' +
        'datetime.now(timezone.utc)\ndef upgrade():\n    op.add_column("account", ' +
        'sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, ' +
        'server_default=sa.text("now()")))',
      howToFix:
        'Move the behaviour into the application (the repository that writes the table). When a ' +
        'trigger is truly needed, write a decision record (`schema-warden decision new --rule SW301 ' +
        '--revision <id> --title "…"`), get it accepted, and cite it on the line with `# ' +
        'schema-warden: allow SW301 decision=NNNN`.',
      fixSafety: 'none',
    },
  },
  check({ migration, report }) {
    for (const { statement } of upgradeStatements(migration)) {
      const fact = triggerFact(statement.kind, statement.parsed.node);
      if (!fact) continue;
      const name = fact.name ? ` ${fact.name}` : '';
      const on = fact.table ? ` on ${fact.table}` : '';
      const what =
        fact.what === 'CREATE RULE'
          ? `\`CREATE RULE${name}\`${on} rewrites queries inside the database`
          : fact.what === 'CREATE EVENT TRIGGER'
            ? `\`CREATE EVENT TRIGGER${name}\` runs database-side code on DDL`
            : `\`${fact.what}${name}\`${on} runs business logic inside the database`;
      report({
        message: `${what}: the policy forbids triggers and rules.`,
        help: `Do this in the application; ${WAIVE_HINT}.`,
        span: statementHead(migration, statement),
      });
    }
    for (const creation of entityCreations(migration, new Set(['PGTrigger']))) {
      const name = creation.signature ? ` "${creation.signature}"` : '';
      const via = creation.via ? ` (${creation.via})` : '';
      report({
        message: `alembic_utils PGTrigger${name} creates a database trigger${via}: the policy forbids triggers.`,
        help: `Do this in the application; ${WAIVE_HINT}.`,
        span: creation.span,
      });
    }
    for (const listener of ddlListeners(migration)) {
      // A literal DDL("CREATE TRIGGER …") is reported above as SQL; other listeners hide what they run.
      if (listener.literalDdl || !mayRunInUpgrade(migration, listener.call.span)) continue;
      report({
        message:
          `A DDL event listener on "${listener.event}" runs hidden code whenever the table is created ` +
          `or dropped, and database logic attached this way is forbidden.`,
        help: 'Write the DDL as an operation of this revision instead.',
        span: listener.call.calleeSpan,
      });
    }
  },
});

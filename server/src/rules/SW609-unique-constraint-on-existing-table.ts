import { boolValue, callKeyword, type Operation } from '../model/migration';
import { ddlFactOf } from '../parse/facts/schemaDdl';
import { qualifiedName } from '../parse/facts/views';
import { keywordSpan } from './util/sqlNames';
import { operationTable, revisionTables, upgradeOperations } from './util/revisionTables';
import { defineRule } from './types';

export default defineRule({
  meta: {
    id: 'SW609',
    name: 'unique-constraint-on-existing-table',
    severity: 'warning',
    scope: 'revision',
    policySection: 'Migration Rules',
    policyClause:
      'Production migrations must be backwards compatible with the running application until ' +
      'deployment is complete; breaking changes require staged rollouts and documented decisions.',
    docs: {
      summary: 'UNIQUE and PRIMARY KEY constraints on existing tables take over an index built concurrently.',
      whatItDoes:
        'Reports `op.create_unique_constraint` / `op.create_primary_key`, a column added with ' +
        '`unique=True` or `primary_key=True`, and SQL `ALTER TABLE … ADD [CONSTRAINT …] UNIQUE / ' +
        'PRIMARY KEY` (also inline in `ADD COLUMN`) on a table the revision did not create, unless ' +
        'the constraint is added `USING INDEX`.',
      whyBad:
        'PostgreSQL builds the constraint’s unique index while holding ACCESS EXCLUSIVE on the ' +
        'table: no read or write of the table runs until the whole index is built. Unlike a foreign ' +
        'key or a CHECK, a UNIQUE or PRIMARY KEY constraint cannot be added NOT VALID.',
      bad: 'def upgrade():\n    op.create_unique_constraint("uq_account_email", "account", ["email"])',
      good:
        'def upgrade():\n    with ' +
        'op.get_context().autocommit_block():\n        op.create_index("uq_account_email", ' +
        '"account", ["email"], unique=True, postgresql_concurrently=True)\n    op.execute("ALTER ' +
        'TABLE account ADD CONSTRAINT uq_account_email UNIQUE USING INDEX uq_account_email")',
      howToFix:
        'Build a unique index with `CREATE UNIQUE INDEX CONCURRENTLY` in an `autocommit_block()`, ' +
        'then add the constraint with `ALTER TABLE … ADD CONSTRAINT … UNIQUE USING INDEX <index>` ' +
        '(or `PRIMARY KEY USING INDEX`), which only takes a brief lock.',
      fixSafety: 'none',
      notes:
        'Tables created by the same revision are empty and unused: constraints on them are not ' +
        'reported. A unique index is enough for most uses; the constraint is needed only where a ' +
        'foreign key must reference it or `ON CONFLICT ON CONSTRAINT` names it.',
    },
  },
  check({ migration, project, report }) {
    const tables = revisionTables(project, migration);
    for (const op of upgradeOperations(migration)) {
      const table = operationTable(op);
      if (op.isAlembicOp && table && tables.isExisting(table)) {
        const what = alembicUniqueConstraint(op);
        if (what)
          report({
            message: `${what} on existing table "${table}" builds its index while holding ACCESS EXCLUSIVE, blocking every read and write until it is built.`,
            help: `Build a unique index CONCURRENTLY first, then add the constraint USING INDEX.`,
            span: op.call.calleeSpan,
          });
      }
      for (const statement of op.sql?.statements ?? []) {
        const fact = ddlFactOf(statement.kind, statement.parsed.node);
        if (fact.kind !== 'alter-table' || fact.objectType !== 'TABLE') continue;
        const sqlTable = qualifiedName(fact.table);
        if (!tables.isExisting(sqlTable)) continue;
        for (const command of fact.commands) {
          const constraints =
            command.subtype === 'AddConstraint'
              ? command.constraint
                ? [command.constraint]
                : []
              : command.subtype === 'AddColumn'
                ? (command.newColumn?.constraints ?? [])
                : [];
          const unique = constraints.find(
            (c) => (c.type === 'UNIQUE' || c.type === 'PRIMARY') && c.usingIndex === undefined,
          );
          if (!unique) continue;
          const kind = unique.type === 'PRIMARY' ? 'PRIMARY KEY' : 'UNIQUE';
          report({
            message:
              `ADD ${command.subtype === 'AddColumn' ? 'COLUMN … ' : ''}${kind} on existing table "` +
              `${sqlTable}" builds its index while holding ACCESS EXCLUSIVE, blocking every read and ` +
              `write until it is built.`,
            help: `Build a unique index CONCURRENTLY first, then ADD CONSTRAINT … ${kind} USING INDEX.`,
            span: keywordSpan(migration.source, statement, /^\w+\s+\w+/),
          });
          break;
        }
      }
    }
  },
});

/** What the Alembic operation adds that builds a unique index, or undefined. */
function alembicUniqueConstraint(op: Operation): string | undefined {
  if (op.name === 'create_unique_constraint') return 'create_unique_constraint';
  if (op.name === 'create_primary_key') return 'create_primary_key';
  if (op.name !== 'add_column') return undefined;
  const column = op.columns[0];
  if (!column) return undefined;
  const named = column.name ? ` "${column.name}"` : '';
  if (column.primaryKey) return `add_column${named} with primary_key=True`;
  if (boolValue(callKeyword(column.call, 'unique')) === true) return `add_column${named} with unique=True`;
  return undefined;
}

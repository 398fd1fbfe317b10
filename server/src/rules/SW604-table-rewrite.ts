import { stringValue, type MigrationModel, type PyValue } from '../model/migration';
import { previousColumnType } from '../analysis/columnTypeChanges';
import { columnFromDef } from '../model/schema';
import { defaultFromSqlFacts, typeFromSql, typeFromSqlAlchemy, type ColumnType } from '../model/schema/types';
import type { Span } from '../model/source';
import { ddlFactOf } from '../parse/facts/schemaDdl';
import { qualifiedName } from '../parse/facts/views';
import { pyTypeRef } from './util/columnTypes';
import { addColumnRewriteReason, typeChangeRewriteReason } from './util/locks';
import { keywordSpan } from './util/sqlNames';
import { operationTable, revisionTables, upgradeOperations } from './util/revisionTables';
import { defineRule } from './types';

const LOCKED =
  'PostgreSQL rewrites the whole table and its indexes under an ACCESS EXCLUSIVE lock, blocking reads and writes until it is done';
const ADD_ADVICE =
  'Add the column without a default (or with a constant one), backfill existing rows in batches, then SET DEFAULT for new rows.';
const TYPE_ADVICE =
  'Add a new column of the new type, backfill it in batches, switch the application over, then drop the old column (expand/contract).';
const MAINTENANCE_ADVICE = 'Run it in a maintenance window, outside the deployment (or use pg_repack).';

export default defineRule({
  meta: {
    id: 'SW604',
    name: 'table-rewrite',
    severity: 'warning',
    scope: 'revision',
    policySection: 'Migration Rules',
    policyClause:
      'Production migrations must be backwards compatible with the running application until ' +
      'deployment is complete; breaking changes require staged rollouts and documented decisions.',
    docs: {
      summary: 'Operations that rewrite an existing table on the configured PostgreSQL version.',
      whatItDoes:
        'Reports, on tables the revision did not create: ADD COLUMN with a volatile default ' +
        '(`gen_random_uuid()`, `random()`, `clock_timestamp()`, `uuid_generate_v4()`, `nextval()`), ' +
        'an identity, serial or stored generated column; on PostgreSQL before 11 ' +
        '(`postgres-version`), ADD COLUMN with any non-null default; column type changes that are ' +
        'not binary-coercible (`alter_column(type_=…)` compared with `existing_type=` or the ' +
        'replayed schema, SQL `ALTER COLUMN … TYPE`); `SET LOGGED` / `SET UNLOGGED`, `SET ' +
        'TABLESPACE`, `CLUSTER` and `VACUUM FULL`.',
      whyBad:
        'A rewrite copies every row into a new file and rebuilds every index while holding an ' +
        'ACCESS EXCLUSIVE lock: nothing can read or write the table until it finishes — minutes or ' +
        'hours on a large table — so the running application stops working mid-deployment.',
      bad:
        'def upgrade():\n    op.add_column("invoice", sa.Column("public_id", sa.UUID(), ' +
        'server_default=sa.text("gen_random_uuid()"), comment="external ' +
        'id"))\n    op.alter_column("invoice", "number", type_=sa.BigInteger(), ' +
        'existing_type=sa.Integer())',
      good:
        'def upgrade():\n    op.add_column("invoice", sa.Column("public_id", sa.UUID(), ' +
        'nullable=True, comment="external id"))\n    # backfill in batches in a data migration, ' +
        'then:\n    op.alter_column("invoice", "public_id", ' +
        'server_default=sa.text("gen_random_uuid()"))',
      howToFix:
        'For a new column: add it without a volatile default, backfill in batches, then set the ' +
        'default (which applies to new rows only). For a type change: expand/contract — a new ' +
        'column, a backfill, a switch-over, then drop the old column. Widening `varchar(n)` or ' +
        'turning it into `text` needs no rewrite and is not reported.',
      fixSafety: 'none',
      notes:
        'Since PostgreSQL 11 a non-volatile default (a constant, or `now()`, which is STABLE) is ' +
        'stored once in the catalog and ADD COLUMN does not rewrite. Binary-coercible changes ' +
        '(varchar widening, varchar ↔ text, numeric precision widening at the same scale, cidr → ' +
        'inet) only update the catalog. `timestamp` → `timestamptz` rewrites unless the session ' +
        'time zone is UTC (PostgreSQL 12+). When the current type is unknown (no `existing_type=` ' +
        'and no earlier revision declares the column), the change is not reported.',
    },
  },
  check({ migration, project, config, report }) {
    const tables = revisionTables(project, migration);
    const pg = config.postgresVersion;
    for (const op of upgradeOperations(migration)) {
      const table = operationTable(op);
      if (op.isAlembicOp && op.name === 'add_column' && table && tables.isExisting(table)) {
        const def = op.columns[0];
        const column = def ? columnFromDef(def, () => ({ path: migration.path, span: def.span })) : undefined;
        const reason = column ? addColumnRewriteReason(column.default, column.generated, column.type, pg) : undefined;
        if (column && def && reason)
          report({
            message: `Adding column "${column.name}" to existing table "${table}" with ${reason}: ${LOCKED}.`,
            help: ADD_ADVICE,
            span: addColumnSpan(def.serverDefault, def.call.args, def.span),
          });
      }
      if (op.isAlembicOp && op.name === 'alter_column' && table && tables.isExisting(table)) {
        const toRef = pyTypeRef(op.args.type_);
        const columnName = stringValue(op.args.column_name);
        if (toRef && columnName) {
          const fromRef = pyTypeRef(op.args.existing_type);
          const from = fromRef
            ? typeFromSqlAlchemy(fromRef)
            : previousColumnType(migration, project, op, op.table, columnName);
          const to = typeFromSqlAlchemy(toRef);
          const reason = from && !from.foreign && !to.foreign ? typeChangeRewriteReason(from, to, pg) : undefined;
          if (reason)
            report({
              message: `Changing "${table}"."${columnName}" ${reason}: ${LOCKED}.`,
              help: TYPE_ADVICE,
              span: op.args.type_?.span ?? op.call.calleeSpan,
            });
        }
      }
      for (const statement of op.sql?.statements ?? [])
        checkStatement(migration, statement, tables, pg, report, (t, c) =>
          previousColumnType(migration, project, op, t, c),
        );
    }
  },
});

type Report = (finding: { message: string; help: string; span: Span }) => void;

function checkStatement(
  migration: MigrationModel,
  statement: NonNullable<MigrationModel['operations'][number]['sql']>['statements'][number],
  tables: ReturnType<typeof revisionTables>,
  pg: number,
  report: Report,
  previousType: (table: string, column: string) => ColumnType | undefined,
): void {
  const { kind, node } = statement.parsed;
  if (kind === 'ClusterStmt' || (kind === 'VacuumStmt' && JSON.stringify(node.options ?? []).includes('"full"'))) {
    report({
      message:
        `${kind === 'ClusterStmt' ? 'CLUSTER' : 'VACUUM FULL'} rewrites the table under an ACCESS ` +
        `EXCLUSIVE lock, blocking reads and writes until it is done.`,
      help: MAINTENANCE_ADVICE,
      span: keywordSpan(migration.source, statement, /^(cluster|vacuum\s*(\(\s*)?full)/i),
    });
    return;
  }
  const fact = ddlFactOf(kind, node);
  if (fact.kind !== 'alter-table' || fact.objectType !== 'TABLE') return;
  const table = qualifiedName(fact.table);
  if (!tables.isExisting(table)) return;
  for (const command of fact.commands) {
    const at = statement.locate(command.location);
    if (command.subtype === 'AddColumn' && command.newColumn) {
      const column = command.newColumn;
      const value = column.default ? defaultFromSqlFacts(column.default) : undefined;
      const reason = addColumnRewriteReason(
        value,
        column.generated,
        column.type ? typeFromSql(column.type) : undefined,
        pg,
      );
      if (reason)
        report({
          message: `ADD COLUMN ${column.name} on existing table "${table}" with ${reason}: ${LOCKED}.`,
          help: ADD_ADVICE,
          span: wordAt(migration.source, statement.locate(column.location)),
        });
    } else if (command.subtype === 'AlterColumnType' && command.type && command.column) {
      const from = previousType(table, command.column);
      const to = typeFromSql(command.type);
      const reason = from && !from.foreign ? typeChangeRewriteReason(from, to, pg) : undefined;
      if (reason)
        report({
          message: `Changing "${table}"."${command.column}" ${reason}: ${LOCKED}.`,
          help: TYPE_ADVICE,
          span: wordAt(migration.source, at),
        });
    } else if (
      command.subtype === 'SetLogged' ||
      command.subtype === 'SetUnLogged' ||
      command.subtype === 'SetTableSpace'
    ) {
      const what =
        command.subtype === 'SetLogged'
          ? 'SET LOGGED'
          : command.subtype === 'SetUnLogged'
            ? 'SET UNLOGGED'
            : 'SET TABLESPACE';
      report({
        message: `ALTER TABLE "${table}" ${what}: ${LOCKED}.`,
        help: MAINTENANCE_ADVICE,
        span: keywordSpan(migration.source, statement, /^alter\s+table/i),
      });
    }
  }
}

/** The server default when it causes the rewrite; else the Identity()/Computed() argument; else the column. */
function addColumnSpan(serverDefault: PyValue | undefined, args: readonly PyValue[], fallback: Span): Span {
  if (serverDefault) return serverDefault.span;
  const generated = args.find(
    (a) => a.kind === 'call' && (a.call.method === 'Identity' || a.call.method === 'Computed'),
  );
  return generated?.span ?? fallback;
}

function wordAt(source: string, at: Span): Span {
  const match = /^[\w"]+/.exec(source.slice(at.start, at.start + 64));
  return match ? { start: at.start, end: at.start + match[0].length } : at;
}

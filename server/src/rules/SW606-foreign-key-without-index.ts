import {
  boolValue,
  callKeyword,
  stringValue,
  type ColumnDef,
  type MigrationModel,
  type PyValue,
} from '../model/migration';
import { tableKey, type IndexModel, type Schema } from '../model/schema';
import { ChunkedMap } from '../model/schema/chunkedMap';
import type { Span } from '../model/source';
import { ddlFactOf } from '../parse/facts/schemaDdl';
import { qualifiedName } from '../parse/facts/views';
import { operationTable, revisionTables, upgradeOperations } from './util/revisionTables';
import { keywordSpan } from './util/sqlNames';
import { defineRule } from './types';

interface NewForeignKey {
  table: string;
  columns: string[];
  references?: string;
  span: Span;
}

export default defineRule({
  meta: {
    id: 'SW606',
    name: 'foreign-key-without-index',
    severity: 'warning',
    scope: 'revision',
    policySection: 'Migration Rules',
    policyClause:
      'Production migrations must be backwards compatible with the running application until ' +
      'deployment is complete; breaking changes require staged rollouts and documented decisions.',
    docs: {
      summary: 'A new foreign key has an index on its referencing columns.',
      whatItDoes:
        'Reports a foreign key the revision adds (`sa.ForeignKey` in a column, ' +
        '`sa.ForeignKeyConstraint`, `op.create_foreign_key`, SQL `REFERENCES` / `FOREIGN KEY`) when ' +
        'the schema after the revision has no index whose leading columns are the foreign key’s ' +
        'columns: no index, primary key or unique constraint on them, in any order of those leading ' +
        'columns.',
      whyBad:
        'PostgreSQL indexes the referenced key, never the referencing columns. Each DELETE of a ' +
        'parent row, or UPDATE of its key, must find the child rows: without an index that is a ' +
        'scan of the whole child table, done while holding row locks on the parent — slow deletes, ' +
        'lock waits, and `ON DELETE CASCADE` that takes minutes. Joins from parent to children scan ' +
        'too.',
      bad: 'def upgrade():\n    op.add_column("invoice", sa.Column("customer_id", sa.UUID(), sa.ForeignKey("customer.id"), nullable=True, comment="who pays"))',
      good:
        'def upgrade():\n    op.add_column("invoice", sa.Column("customer_id", sa.UUID(), ' +
        'sa.ForeignKey("customer.id"), nullable=True, comment="who pays"))\n    with ' +
        'op.get_context().autocommit_block():\n        op.create_index("ix_invoice_customer_id", ' +
        '"invoice", ["customer_id"], postgresql_concurrently=True)',
      howToFix:
        'Create an index on the referencing columns in the same revision: `op.create_index(…)` on a ' +
        'table created here, `postgresql_concurrently=True` in an `autocommit_block()` on an ' +
        'existing table (SW601). `index=True` on the column does the same in `create_table`.',
      fixSafety: 'none',
      notes:
        'A multi-column foreign key is covered by an index whose first columns are its columns, in ' +
        'any order. Indexes added by a later revision do not count: until it is deployed, deletes ' +
        'on the parent scan the child. Adding the foreign key itself takes SHARE ROW EXCLUSIVE on ' +
        'both tables (their writes wait) while it checks the existing child rows; `verify` traces ' +
        'it.',
    },
  },
  check({ migration, project, report }) {
    const tables = revisionTables(project, migration);
    const after = tables.schema.after;
    const indexed: Array<{ table: string; columns: string[] }> = [];
    const foreignKeys: NewForeignKey[] = [];
    for (const op of upgradeOperations(migration)) {
      const table = operationTable(op);
      if (op.isAlembicOp && table) collectFromOperation(op, table, foreignKeys, indexed);
      for (const statement of op.sql?.statements ?? []) {
        const fact = ddlFactOf(statement.kind, statement.parsed.node);
        const span = keywordSpan(migration.source, statement, /^\w+\s+\w+/);
        if (fact.kind === 'create-index') indexed.push({ table: qualifiedName(fact.table), columns: fact.columns });
        if (fact.kind === 'create-table') {
          const key = qualifiedName(fact.table);
          for (const column of fact.columns) {
            for (const c of column.constraints) {
              if (c.type === 'FOREIGN') foreignKeys.push({ table: key, columns: [column.name], span });
              if (c.type === 'PRIMARY' || c.type === 'UNIQUE') indexed.push({ table: key, columns: [column.name] });
            }
            if (column.primaryKey) indexed.push({ table: key, columns: [column.name] });
          }
          for (const c of fact.constraints) {
            if (c.type === 'FOREIGN') foreignKeys.push({ table: key, columns: c.columns, span });
            if (c.type === 'PRIMARY' || c.type === 'UNIQUE') indexed.push({ table: key, columns: c.columns });
          }
        }
        if (fact.kind === 'alter-table') {
          const key = qualifiedName(fact.table);
          for (const command of fact.commands) {
            const constraints =
              command.subtype === 'AddConstraint'
                ? command.constraint
                  ? [command.constraint]
                  : []
                : command.subtype === 'AddColumn'
                  ? (command.newColumn?.constraints ?? [])
                  : [];
            for (const c of constraints) {
              const columns = c.columns.length ? c.columns : command.newColumn ? [command.newColumn.name] : [];
              if (c.type === 'FOREIGN') foreignKeys.push({ table: key, columns, span });
              if (c.type === 'PRIMARY' || c.type === 'UNIQUE') indexed.push({ table: key, columns });
            }
          }
        }
      }
    }
    // The schema after the revision is read only for the tables a new foreign key is on: every
    // table of a long history, for every revision, made this rule quadratic in the history.
    if (foreignKeys.length === 0) return;
    const replaced = replacedForeignKeys(migration, tables.schema.before);
    const fkTables = new Set(foreignKeys.map((fk) => tableKey(fk.table)));
    for (const index of indexesOn(after, fkTables)) indexed.push({ table: index.table, columns: index.columns });
    for (const key of fkTables) {
      const table = after.tables.get(key);
      if (!table) continue;
      for (const c of table.constraints)
        if (c.kind === 'primary' || c.kind === 'unique') indexed.push({ table: table.key, columns: c.columns });
      const primary = [...table.columns.values()].filter((c) => c.primaryKey).map((c) => c.name);
      if (primary.length) indexed.push({ table: table.key, columns: primary });
      // `sa.Column(..., index=True)` / `unique=True` in an earlier create_table or add_column.
      for (const column of table.columns.values())
        if (column.def && (keywordTrue(column.def, 'index') || keywordTrue(column.def, 'unique')))
          indexed.push({ table: table.key, columns: [column.name] });
    }
    for (const fk of foreignKeys) {
      if (fk.columns.length === 0 || covered(indexed, fk) || replaced(fk)) continue;
      const columns = fk.columns.join(', ');
      const existing = tables.isExisting(fk.table);
      report({
        message:
          `Foreign key on "${fk.table}" (${columns}) has no index on those columns, so every delete ` +
          `or key update of a referenced row scans "${fk.table}".`,
        help: `Create an index on ${fk.table} (${columns})${existing ? ', concurrently in an autocommit_block()' : ''} in this revision.`,
        span: fk.span,
      });
    }
  },
});

function collectFromOperation(
  op: Parameters<typeof operationTable>[0],
  table: string,
  foreignKeys: NewForeignKey[],
  indexed: Array<{ table: string; columns: string[] }>,
): void {
  const columnsOf = (value: PyValue | undefined): string[] =>
    value?.kind === 'sequence'
      ? value.items.map(stringValue).filter((s): s is string => s !== undefined)
      : value?.kind === 'string'
        ? [value.value]
        : [];
  switch (op.name) {
    case 'create_table':
    case 'add_column':
      for (const column of op.columns) {
        if (!column.name) continue;
        for (const fk of column.foreignKeys) foreignKeys.push({ table, columns: [column.name], span: fk.span });
        if (column.primaryKey || keywordTrue(column, 'index') || keywordTrue(column, 'unique'))
          indexed.push({ table, columns: [column.name] });
      }
      for (const c of op.constraints) {
        if (c.kind === 'ForeignKeyConstraint') foreignKeys.push({ table, columns: c.columns, span: c.span });
        if (c.kind === 'PrimaryKeyConstraint' || c.kind === 'UniqueConstraint')
          indexed.push({ table, columns: c.columns });
        if (c.kind === 'Index') indexed.push({ table, columns: c.columns.slice(1) });
      }
      return;
    case 'create_foreign_key':
      foreignKeys.push({ table, columns: columnsOf(op.args.local_cols), span: op.call.calleeSpan });
      return;
    case 'create_index':
    case 'create_unique_constraint':
    case 'create_primary_key':
      indexed.push({ table, columns: columnsOf(op.args.columns) });
      return;
  }
}

/** An index whose leading columns are exactly the key's columns, in any order. */
/** The index's table, as a schema keys its tables. */
const tableOfIndex = (index: IndexModel): string => tableKey(index.table);

/** The schema's indexes on these tables: looked up by table, not by reading every index of the history. */
function indexesOn(schema: Schema, tables: ReadonlySet<string>): IndexModel[] {
  const { indexes } = schema;
  if (indexes instanceof ChunkedMap) return [...tables].flatMap((table) => indexes.valuesIn(table, tableOfIndex));
  return [...indexes.values()].filter((index) => tables.has(tableOfIndex(index)));
}

function covered(indexed: ReadonlyArray<{ table: string; columns: string[] }>, fk: NewForeignKey): boolean {
  const wanted = new Set(fk.columns);
  return indexed.some(
    (index) =>
      tableKey(index.table) === tableKey(fk.table) &&
      index.columns.length >= wanted.size &&
      index.columns.slice(0, wanted.size).every((c) => wanted.has(c)),
  );
}

function keywordTrue(column: ColumnDef, keyword: string): boolean {
  return boolValue(callKeyword(column.call, keyword)) === true;
}

/**
 * A foreign key that replaces one the table had (to change its name, its ON DELETE, its target):
 * the history already had a foreign key on these columns, or the revision drops a foreign key of
 * the table before adding this one. Its index, or the lack of one, is not this revision's news.
 */
function replacedForeignKeys(migration: MigrationModel, before: Schema): (fk: NewForeignKey) => boolean {
  const droppedOn = new Set<string>();
  for (const op of upgradeOperations(migration)) {
    const table = operationTable(op);
    if (op.isAlembicOp && op.name === 'drop_constraint' && table) {
      const name = stringValue(op.args.constraint_name);
      const type = stringValue(op.args.type_);
      if (type === 'foreignkey' || isForeignKeyOf(before, table, name)) droppedOn.add(table);
    }
    for (const statement of op.sql?.statements ?? []) {
      const fact = ddlFactOf(statement.kind, statement.parsed.node);
      if (fact.kind !== 'alter-table') continue;
      const key = qualifiedName(fact.table);
      if (fact.commands.some((c) => c.subtype === 'DropConstraint' && isForeignKeyOf(before, key, c.name)))
        droppedOn.add(key);
    }
  }
  return (fk) =>
    droppedOn.has(fk.table) ||
    (before.tables.get(fk.table)?.constraints ?? []).some(
      (c) =>
        c.kind === 'foreign' &&
        c.columns.length === fk.columns.length &&
        c.columns.every((col) => fk.columns.includes(col)),
    );
}

/** Whether the named constraint of a table is a foreign key: by the history, else by its name. */
function isForeignKeyOf(before: Schema, table: string, name: string | undefined): boolean {
  if (!name) return false;
  const known = before.tables.get(table)?.constraints.find((c) => c.name === name);
  return known ? known.kind === 'foreign' : /(^fk_|_fkey$|_fk$)/i.test(name);
}

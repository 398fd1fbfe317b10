import { sectionEffects, type ObjectEffect } from '../fixes/objectEffects';
import { defineRule } from './types';

export default defineRule({
  meta: {
    id: 'SW102',
    name: 'complete-downgrade',
    severity: 'warning',
    scope: 'revision',
    policySection: 'Migration Rules',
    policyClause: 'Every schema change requires an Alembic revision with clear upgrade and downgrade paths; manual database edits are prohibited.',
    docs: {
      summary: 'The downgrade must reverse every object the upgrade creates, drops or renames.',
      whatItDoes: 'Compares what `upgrade()` and `downgrade()` do to schema objects, by kind, table and name: tables, columns, indexes, named constraints, PostgreSQL types (`sa.Enum(..., name=…)` in `create_table`, `.create(bind)`, SQL `CREATE TYPE`), views and sequences, from Alembic operations and from the SQL in `op.execute` (CREATE/DROP INDEX, TABLE, TYPE, VIEW, ALTER TABLE ADD/DROP COLUMN and CONSTRAINT, RENAME). It reports the upgrade operation whose effect the downgrade never undoes: created and never dropped, dropped and never re-created, renamed and never renamed back. Objects that go with a table (its columns, indexes, constraints) are reversed by dropping or re-creating the table.',
      whyBad: 'A partial downgrade leaves objects behind (the next upgrade then fails with "already exists") or does not bring back what the upgrade removed, so a rollback does not return the database to the previous revision. A common case: `op.drop_table` does not drop the enum type that `op.create_table` created.',
      bad: 'def upgrade():\n    op.create_table("ticket", sa.Column("status", sa.Enum("open", "closed", name="ticket_status")))\n    op.create_index("ix_account_email", "account", ["email"])\n\n\ndef downgrade():\n    op.drop_table("ticket")',
      good: 'def upgrade():\n    op.create_table("ticket", sa.Column("status", sa.Enum("open", "closed", name="ticket_status")))\n    op.create_index("ix_account_email", "account", ["email"])\n\n\ndef downgrade():\n    op.drop_index("ix_account_email", table_name="account")\n    op.drop_table("ticket")\n    sa.Enum(name="ticket_status").drop(op.get_bind())',
      howToFix: 'Add the missing inverse to `downgrade()`, in reverse order of the upgrade.',
      fixSafety: 'none',
      notes: 'Quiet when `downgrade()` is missing or empty (SW101 reports that), and when the downgrade does something that cannot be read (SQL built at run time, plugin operations, imported helper functions): the comparison would guess. Objects without a literal name (an index or constraint named at run time, or `None`) cannot be compared and are skipped.',
    },
  },
  check({ migration, report }) {
    const downgrade = migration.downgrade;
    if (!migration.isRevision || !downgrade || downgrade.isEmpty || !migration.upgrade || migration.upgrade.isEmpty) return;
    const down = sectionEffects(migration, 'downgrade');
    if (down.opaque) return;
    const up = netEffects(sectionEffects(migration, 'upgrade').effects);
    const sameTable = tableEquivalence([...up, ...down.effects]);
    for (const effect of up) {
      if (isReversed(effect, down.effects, up, sameTable)) continue;
      report({ message: describe(effect), span: effect.span });
    }
  },
});

/** Drops a create followed by a drop of the same object (a temporary), and a drop followed by a re-create (a replacement). */
function netEffects(effects: readonly ObjectEffect[]): ObjectEffect[] {
  const key = (e: ObjectEffect): string => `${e.kind}:${e.kind === 'column' ? `${e.table}.` : ''}${e.name}`;
  const cancelled = new Set<ObjectEffect>();
  effects.forEach((effect, i) => {
    if (effect.action === 'rename') return;
    const later = effects.slice(i + 1).find((e) => e.action !== 'rename' && e.action !== effect.action && key(e) === key(effect) && !cancelled.has(e));
    if (later && !cancelled.has(effect)) { cancelled.add(effect); cancelled.add(later); }
  });
  return effects.filter((e) => !cancelled.has(e));
}

/** Table names linked by a rename in either section are the same table for this comparison. */
function tableEquivalence(effects: readonly ObjectEffect[]): (a: string | undefined, b: string | undefined) => boolean {
  const parent = new Map<string, string>();
  const find = (x: string): string => { let r = x; while (parent.has(r) && parent.get(r) !== r) r = parent.get(r) as string; return r; };
  for (const e of effects) if (e.action === 'rename' && e.kind === 'table' && e.from) parent.set(find(e.from), find(e.name));
  return (a, b) => a === undefined || b === undefined || find(a) === find(b);
}

function isReversed(effect: ObjectEffect, down: readonly ObjectEffect[], up: readonly ObjectEffect[], sameTable: (a?: string, b?: string) => boolean): boolean {
  const matches = (d: ObjectEffect, action: ObjectEffect['action']): boolean =>
    d.action === action && d.kind === effect.kind && d.name === effect.name && (effect.kind !== 'column' || sameTable(d.table, effect.table));
  const tableOf = effect.kind === 'table' ? undefined : effect.table;
  // Columns, indexes and constraints go with their table.
  const tableCreatedInUpgrade = tableOf !== undefined && up.some((u) => u.action === 'create' && u.kind === 'table' && sameTable(u.name, tableOf));
  const tableDroppedInDowngrade = tableOf !== undefined && down.some((d) => d.action === 'drop' && d.kind === 'table' && sameTable(d.name, tableOf));
  const recreatedTable = tableOf !== undefined ? down.find((d) => d.action === 'create' && d.kind === 'table' && sameTable(d.name, tableOf)) : undefined;
  switch (effect.action) {
    case 'create':
      if (down.some((d) => matches(d, 'drop'))) return true;
      if (effect.kind === 'view' && effect.orReplace) return down.some((d) => d.kind === 'view' && d.name === effect.name);
      return effect.kind !== 'type' && (tableCreatedInUpgrade || tableDroppedInDowngrade);
    case 'drop':
      if (down.some((d) => matches(d, 'create'))) return true;
      if (effect.kind === 'column' && recreatedTable) return recreatedTable.columns === undefined || recreatedTable.columns.includes(effect.name);
      return effect.kind !== 'type' && recreatedTable !== undefined;
    case 'rename':
      if (effect.kind === 'column' && tableCreatedInUpgrade) return true;
      if (effect.kind === 'table' && up.some((u) => u.action === 'create' && u.kind === 'table' && u.name === effect.from)) return true;
      return down.some((d) => d.action === 'rename' && d.kind === effect.kind && d.from === effect.name && d.name === effect.from);
  }
}

function describe(effect: ObjectEffect): string {
  const what = `${effect.kind} "${effect.name}"${effect.table && effect.kind !== 'table' ? ` on "${effect.table}"` : ''}`;
  switch (effect.action) {
    case 'create':
      return `${capitalize(effect.by)} creates ${what}, but downgrade() never drops it: add ${suggestDrop(effect)} to downgrade().`;
    case 'drop':
      return `${capitalize(effect.by)} drops ${what}, but downgrade() never re-creates it: re-create it in downgrade() from its previous definition.`;
    case 'rename':
      return `${capitalize(effect.by)} renames ${effect.kind} "${effect.from}" to "${effect.name}", but downgrade() never renames it back: add ${effect.kind === 'table' ? `\`op.rename_table("${effect.name}", "${effect.from}")\`` : `\`op.alter_column("${effect.table}", "${effect.name}", new_column_name="${effect.from}")\``} to downgrade().`;
  }
}

function suggestDrop(effect: ObjectEffect): string {
  switch (effect.kind) {
    case 'table': return `\`op.drop_table("${effect.name}")\``;
    case 'column': return `\`op.drop_column("${effect.table}", "${effect.name}")\``;
    case 'index': return `\`op.drop_index("${effect.name}"${effect.table ? `, table_name="${effect.table}"` : ''})\``;
    case 'constraint': return `\`op.drop_constraint("${effect.name}"${effect.table ? `, "${effect.table}"` : ''})\``;
    case 'type': return effect.isSql ? `\`op.execute("DROP TYPE ${effect.name}")\`` : `\`sa.Enum(name="${effect.name}").drop(op.get_bind())\``;
    case 'view': return `\`op.execute("DROP VIEW ${effect.name}")\``;
    default: return `\`op.execute("DROP ${effect.kind.toUpperCase()} ${effect.name}")\``;
  }
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

import { sectionEffects, type ObjectEffect } from '../fixes/objectEffects';
import { defineRule } from './types';

export default defineRule({
  meta: {
    id: 'SW102',
    name: 'complete-downgrade',
    severity: 'warning',
    scope: 'revision',
    policySection: 'Migration Rules',
    policyClause:
      'Every schema change requires an Alembic revision with clear upgrade and downgrade paths; manual database edits are prohibited.',
    docs: {
      summary: 'The downgrade must reverse every object the upgrade creates, drops or renames.',
      whatItDoes:
        'Compares what `upgrade()` and `downgrade()` do to schema objects, by kind, table and name: tables, columns, indexes, named constraints, PostgreSQL types (`sa.Enum(..., name=…)` in `create_table`, `.create(bind)`, SQL `CREATE TYPE`), views and sequences, from Alembic operations and from the SQL in `op.execute` (CREATE/DROP INDEX, TABLE, TYPE, VIEW, ALTER TABLE ADD/DROP COLUMN and CONSTRAINT, RENAME). It reports the upgrade operation whose effect the downgrade never undoes: created and never dropped, dropped and never re-created, renamed and never renamed back. Objects that go with a table (its columns, indexes, constraints) are reversed by dropping or re-creating the table.',
      whyBad:
        'A partial downgrade leaves objects behind (the next upgrade then fails with "already exists") or does not bring back what the upgrade removed, so a rollback does not return the database to the previous revision. A common case: `op.drop_table` does not drop the enum type that `op.create_table` created.',
      bad: 'def upgrade():\n    op.create_table("ticket", sa.Column("status", sa.Enum("open", "closed", name="ticket_status")))\n    op.create_index("ix_account_email", "account", ["email"])\n\n\ndef downgrade():\n    op.drop_table("ticket")',
      good: 'def upgrade():\n    op.create_table("ticket", sa.Column("status", sa.Enum("open", "closed", name="ticket_status")))\n    op.create_index("ix_account_email", "account", ["email"])\n\n\ndef downgrade():\n    op.drop_index("ix_account_email", table_name="account")\n    op.drop_table("ticket")\n    sa.Enum(name="ticket_status").drop(op.get_bind())',
      howToFix: 'Add the missing inverse to `downgrade()`, in reverse order of the upgrade.',
      fixSafety: 'none',
      notes:
        'Quiet when `downgrade()` is missing or empty (SW101 reports that), and when the downgrade does something that cannot be read (SQL built at run time, plugin operations, imported helper functions): the comparison would guess. Objects without a literal name (an index or constraint named at run time, or `None`) cannot be compared and are skipped.',
    },
  },
  check({ migration, report }) {
    const downgrade = migration.downgrade;
    if (!migration.isRevision || !downgrade || downgrade.isEmpty || !migration.upgrade || migration.upgrade.isEmpty)
      return;
    const down = sectionEffects(migration, 'downgrade');
    if (down.opaque) return;
    const up = netEffects(sectionEffects(migration, 'upgrade').effects);
    const reversal = indexReversals(up, down.effects);
    for (const effect of up) {
      if (isReversed(effect, reversal)) continue;
      report({ ...describe(effect), span: effect.span });
    }
  },
});

/**
 * Drops a create followed by a drop of the same object (a temporary), and a drop followed by a
 * re-create (a replacement): each effect pairs with the first later, still unpaired, opposite
 * effect on the same object. Queues per object and action keep it linear on 5,000-line files.
 */
function netEffects(effects: readonly ObjectEffect[]): ObjectEffect[] {
  const key = (e: ObjectEffect): string => `${e.kind}:${e.kind === 'column' ? `${e.table}.` : ''}${e.name}`;
  const order = new Map<ObjectEffect, number>();
  const queues = new Map<string, { create: ObjectEffect[]; drop: ObjectEffect[] }>();
  effects.forEach((effect, i) => {
    order.set(effect, i);
    if (effect.action === 'rename') return;
    let queue = queues.get(key(effect));
    if (!queue) {
      queue = { create: [], drop: [] };
      queues.set(key(effect), queue);
    }
    queue[effect.action].push(effect);
  });
  const cancelled = new Set<ObjectEffect>();
  const cursor = new Map<ObjectEffect[], number>();
  effects.forEach((effect, i) => {
    if (effect.action === 'rename' || cancelled.has(effect)) return;
    const partners = (queues.get(key(effect)) as { create: ObjectEffect[]; drop: ObjectEffect[] })[
      effect.action === 'create' ? 'drop' : 'create'
    ];
    // Partners before this effect, or already paired, can never pair with a later effect either.
    let at = cursor.get(partners) ?? 0;
    while (at < partners.length && ((order.get(partners[at]) as number) < i || cancelled.has(partners[at]))) at++;
    cursor.set(partners, at);
    if (at < partners.length) {
      cancelled.add(effect);
      cancelled.add(partners[at]);
    }
  });
  return effects.filter((e) => !cancelled.has(e));
}

/** What the downgrade (and the upgrade) do, indexed by object, so that each upgrade effect is checked in O(1). */
interface ReversalIndex {
  /** Table names linked by a rename in either section are the same table for this comparison. */
  sameTable(a: string | undefined, b: string | undefined): boolean;
  root(table: string): string;
  /** `action:kind:name` → downgrade effects */
  down: Map<string, ObjectEffect[]>;
  upCreatedTables: Set<string>;
  upCreatedTableRoots: Set<string>;
  downDroppedTableRoots: Set<string>;
  /** The first table the downgrade creates, by rename root. */
  downCreatedTable: Map<string, ObjectEffect>;
  downViews: Set<string>;
  /** `kind\0from\0to` of the downgrade's renames */
  downRenames: Set<string>;
}

function indexReversals(up: readonly ObjectEffect[], down: readonly ObjectEffect[]): ReversalIndex {
  const parent = new Map<string, string>();
  const root = (x: string): string => {
    let r = x;
    while (parent.has(r) && parent.get(r) !== r) r = parent.get(r) as string;
    return r;
  };
  for (const e of [...up, ...down])
    if (e.action === 'rename' && e.kind === 'table' && e.from) parent.set(root(e.from), root(e.name));
  const index: ReversalIndex = {
    sameTable: (a, b) => a === undefined || b === undefined || root(a) === root(b),
    root,
    down: new Map(),
    upCreatedTables: new Set(),
    upCreatedTableRoots: new Set(),
    downDroppedTableRoots: new Set(),
    downCreatedTable: new Map(),
    downViews: new Set(),
    downRenames: new Set(),
  };
  for (const u of up) {
    if (u.action === 'create' && u.kind === 'table') {
      index.upCreatedTables.add(u.name);
      index.upCreatedTableRoots.add(root(u.name));
    }
  }
  for (const d of down) {
    const key = `${d.action}:${d.kind}:${d.name}`;
    const list = index.down.get(key);
    if (list) list.push(d);
    else index.down.set(key, [d]);
    if (d.kind === 'table' && d.action === 'drop') index.downDroppedTableRoots.add(root(d.name));
    if (d.kind === 'table' && d.action === 'create' && !index.downCreatedTable.has(root(d.name)))
      index.downCreatedTable.set(root(d.name), d);
    if (d.kind === 'view') index.downViews.add(d.name);
    if (d.action === 'rename' && d.from !== undefined) index.downRenames.add(`${d.kind}\0${d.from}\0${d.name}`);
  }
  return index;
}

function isReversed(effect: ObjectEffect, index: ReversalIndex): boolean {
  const matches = (action: ObjectEffect['action']): boolean =>
    (index.down.get(`${action}:${effect.kind}:${effect.name}`) ?? []).some(
      (d) => effect.kind !== 'column' || index.sameTable(d.table, effect.table),
    );
  const tableOf = effect.kind === 'table' ? undefined : effect.table;
  const tableRoot = tableOf !== undefined ? index.root(tableOf) : undefined;
  const tableCreatedInUpgrade = tableRoot !== undefined && index.upCreatedTableRoots.has(tableRoot);
  const tableDroppedInDowngrade = tableRoot !== undefined && index.downDroppedTableRoots.has(tableRoot);
  const recreatedTable = tableRoot !== undefined ? index.downCreatedTable.get(tableRoot) : undefined;
  switch (effect.action) {
    case 'create':
      if (matches('drop')) return true;
      if (effect.kind === 'view' && effect.orReplace) return index.downViews.has(effect.name);
      return effect.kind !== 'type' && (tableCreatedInUpgrade || tableDroppedInDowngrade);
    case 'drop':
      if (matches('create')) return true;
      if (effect.kind === 'column' && recreatedTable)
        return recreatedTable.columns === undefined || recreatedTable.columns.includes(effect.name);
      return effect.kind !== 'type' && recreatedTable !== undefined;
    case 'rename':
      if (effect.kind === 'column' && tableCreatedInUpgrade) return true;
      if (effect.kind === 'table' && effect.from !== undefined && index.upCreatedTables.has(effect.from)) return true;
      return effect.from !== undefined && index.downRenames.has(`${effect.kind}\0${effect.name}\0${effect.from}`);
  }
}

function describe(effect: ObjectEffect): { message: string; help: string } {
  const what = `${effect.kind} "${effect.name}"${effect.table && effect.kind !== 'table' ? ` on "${effect.table}"` : ''}`;
  switch (effect.action) {
    case 'create':
      return {
        message: `${capitalize(effect.by)} creates ${what}, but downgrade() never drops it, so a rollback leaves it behind.`,
        help: `Add ${suggestDrop(effect)} to downgrade().`,
      };
    case 'drop':
      return {
        message: `${capitalize(effect.by)} drops ${what}, but downgrade() never re-creates it, so a rollback does not restore it.`,
        help: 'Re-create it in downgrade() from its previous definition.',
      };
    case 'rename':
      return {
        message: `${capitalize(effect.by)} renames ${effect.kind} "${effect.from}" to "${effect.name}", but downgrade() never renames it back.`,
        help: `Add ${effect.kind === 'table' ? `op.rename_table("${effect.name}", "${effect.from}")` : `op.alter_column("${effect.table}", "${effect.name}", new_column_name="${effect.from}")`} to downgrade().`,
      };
  }
}

function suggestDrop(effect: ObjectEffect): string {
  switch (effect.kind) {
    case 'table':
      return `\`op.drop_table("${effect.name}")\``;
    case 'column':
      return `\`op.drop_column("${effect.table}", "${effect.name}")\``;
    case 'index':
      return `\`op.drop_index("${effect.name}"${effect.table ? `, table_name="${effect.table}"` : ''})\``;
    case 'constraint':
      return `\`op.drop_constraint("${effect.name}"${effect.table ? `, "${effect.table}"` : ''})\``;
    case 'type':
      return effect.isSql
        ? `\`op.execute("DROP TYPE ${effect.name}")\``
        : `\`sa.Enum(name="${effect.name}").drop(op.get_bind())\``;
    case 'view':
      return `\`op.execute("DROP VIEW ${effect.name}")\``;
    default:
      return `\`op.execute("DROP ${effect.kind.toUpperCase()} ${effect.name}")\``;
  }
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

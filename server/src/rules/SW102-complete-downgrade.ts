import { unreversedEffects } from '../analysis/downgradeReplay';
import { sectionEffects, type ObjectEffect } from '../analysis/objectEffects';
import { conventionInText, declaredNamingConvention } from '../model/namingConvention';
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
        'Compares what `upgrade()` and `downgrade()` do to schema objects, by kind, table and name: ' +
        'tables, columns, indexes, named constraints, PostgreSQL types (`sa.Enum(..., name=…)` in ' +
        '`create_table`, `.create(bind)`, SQL `CREATE TYPE`), views and sequences, from Alembic ' +
        'operations and from the SQL in `op.execute` (CREATE/DROP INDEX, TABLE, TYPE, VIEW, ALTER ' +
        'TABLE ADD/DROP COLUMN and CONSTRAINT, RENAME). Both bodies are replayed, upgrade then ' +
        'downgrade, onto the objects they touch, as PostgreSQL applies them, and what the downgrade ' +
        'leaves is compared with what stood before: dropping a table drops its columns, indexes and ' +
        'constraints; dropping a column drops every index and constraint that involves it (an index ' +
        'on an expression of it, `sa.text("lower(email)")` or SQL `(lower(email))`, or with a ' +
        'predicate on it, included); a constraint added `USING INDEX ix` takes the index, and ' +
        'dropping it drops both; `DROP INDEX IF EXISTS x` just before `CREATE INDEX IF NOT EXISTS ' +
        'x` (clearing an invalid leftover) creates x, and so does a drop of x run only when the ' +
        'catalogue lists it (`if … in inspector.get_indexes(…)`) followed by a build of x; a temporary ' +
        'table (`CREATE TEMP TABLE`) and what is built on it outlive no migration and are not ' +
        'compared; a drop finds its object under the name a ' +
        'naming convention (the one declared on the application’s metadata, ' +
        '`MetaData(naming_convention=…)` or `metadata.naming_convention = …`, read statically from ' +
        'the project root, and the common forms) or PostgreSQL gives it (`ck_ticket_valid_state` ' +
        'for a CHECK "valid_state" on "ticket", `ticket_account_id_fkey` for an unnamed foreign ' +
        'key; `op.f()` names are final); a convention token the project computes (a callable such ' +
        'as `%(unique_index)s`) stands for any text; a swap (add the new column, drop the old, ' +
        'rename, and back) restores the column. It reports the upgrade operation whose object ends ' +
        'up otherwise than it started: created and never dropped, dropped and never re-created, ' +
        'renamed and never renamed back. Code in a branch for another database is not compared.',
      whyBad:
        'A partial downgrade leaves objects behind (the next upgrade then fails with "already ' +
        'exists") or does not bring back what the upgrade removed, so a rollback does not return ' +
        'the database to the previous revision. A common case: `op.drop_table` does not drop the ' +
        'enum type that `op.create_table` created.',
      bad:
        'def upgrade():\n    op.create_table("ticket", sa.Column("status", sa.Enum("open", ' +
        '"closed", name="ticket_status")))\n    op.create_index("ix_account_email", "account", ' +
        '["email"])\n\n\ndef downgrade():\n    op.drop_table("ticket")',
      good:
        'def upgrade():\n    op.create_table("ticket", sa.Column("status", sa.Enum("open", ' +
        '"closed", name="ticket_status")))\n    op.create_index("ix_account_email", "account", ' +
        '["email"])\n\n\ndef downgrade():\n    op.drop_index("ix_account_email", ' +
        'table_name="account")\n    op.drop_table("ticket")\n    sa.Enum(name="ticket_status").drop(op.get_bind())',
      howToFix: 'Add the missing inverse to `downgrade()`, in reverse order of the upgrade.',
      fixSafety: 'none',
      notes:
        'Quiet when `downgrade()` is missing or empty (SW101 reports that), and when the downgrade ' +
        'does something that cannot be read (SQL built at run time, plugin operations, imported ' +
        'helper functions): the comparison would guess. Objects named at run time cannot be ' +
        'compared and are skipped; one created with a `None` name is matched by its conventional ' +
        'names and never reported itself.',
    },
  },
  check({ migration, project, report }) {
    const downgrade = migration.downgrade;
    if (!migration.isRevision || !downgrade || downgrade.isEmpty || !migration.upgrade || migration.upgrade.isEmpty)
      return;
    const down = sectionEffects(migration, 'downgrade');
    if (down.opaque) return;
    const up = sectionEffects(migration, 'upgrade').effects;
    // A revision may declare its own (for batch_alter_table(naming_convention=…)); else the models'.
    const convention = conventionInText(migration.source) ?? declaredNamingConvention(project.root);
    for (const effect of unreversedEffects(up, down.effects, convention)) {
      // An unnamed index or constraint only serves to match a drop by its conventional name.
      if (effect.unnamed) continue;
      report({ ...describe(effect), span: effect.span });
    }
  },
});

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
        help:
          `Add ${effect.kind === 'table' ? `op.rename_table("${effect.name}", "${effect.from}")` : `op.alter_column("${effect.table}", "${effect.name}", new_column_name="${effect.from}")`} ` +
          `to downgrade().`,
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

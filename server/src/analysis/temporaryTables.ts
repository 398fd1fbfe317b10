import type { MigrationModel, Section } from '../model/migration';
import { temporaryTableCreated } from '../parse/facts/idempotency';

/**
 * The temporary tables one section of a revision creates (`CREATE TEMP[ORARY] TABLE …`, also
 * `… AS`), lower case. They are work tables of the migration: dropped later in it, at commit
 * (`ON COMMIT DROP`) or at the session's end at the latest, so they are no part of the schema the
 * revision leaves — no downgrade to reverse them, no entity to name or audit.
 */
export function temporaryTablesOf(migration: MigrationModel, section: Section): Set<string> {
  const tables = new Set<string>();
  for (const op of migration.operations) {
    if (op.section !== section) continue;
    for (const statement of op.sql?.statements ?? []) {
      const table = temporaryTableCreated(statement.kind, statement.parsed.node);
      if (table) tables.add(table);
    }
  }
  return tables;
}

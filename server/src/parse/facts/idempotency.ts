import type { SqlNode } from '../sql';
import { nameParts, relationOf } from '../sqlFacts';

/**
 * DDL that Postgres lets a revision write idempotently (`IF NOT EXISTS`, `IF EXISTS`,
 * `OR REPLACE`) but that is written without the guard. Statements with no such form
 * (CREATE TYPE, ADD CONSTRAINT, CREATE TRIGGER…) are never listed.
 */
export interface MissingGuard {
  /** What the statement does, upper case: `CREATE TABLE`, `DROP INDEX`, `ADD COLUMN`. */
  action: string;
  object?: string;
  guard: 'IF NOT EXISTS' | 'IF EXISTS' | 'OR REPLACE';
  /**
   * Where the guard goes: after the last of the leading keywords of the statement (or of one
   * ALTER TABLE command) that are in `prefix`, which must end with `anchor`.
   */
  prefix: ReadonlySet<string>;
  anchor: ReadonlySet<string>;
  /** For ALTER TABLE: the 0-based index of the command within the statement. */
  command?: number;
}

const set = (...words: string[]): ReadonlySet<string> => new Set(words);
const DROP_OBJECTS: Record<string, string> = {
  OBJECT_TABLE: 'TABLE',
  OBJECT_INDEX: 'INDEX',
  OBJECT_VIEW: 'VIEW',
  OBJECT_MATVIEW: 'MATERIALIZED VIEW',
  OBJECT_SEQUENCE: 'SEQUENCE',
  OBJECT_SCHEMA: 'SCHEMA',
  OBJECT_TYPE: 'TYPE',
  OBJECT_DOMAIN: 'DOMAIN',
  OBJECT_EXTENSION: 'EXTENSION',
  OBJECT_FUNCTION: 'FUNCTION',
  OBJECT_PROCEDURE: 'PROCEDURE',
  OBJECT_TRIGGER: 'TRIGGER',
  OBJECT_POLICY: 'POLICY',
  OBJECT_RULE: 'RULE',
  OBJECT_FOREIGN_TABLE: 'FOREIGN TABLE',
};

export function missingGuards(kind: string, stmt: SqlNode): MissingGuard[] {
  switch (kind) {
    case 'CreateStmt':
      return stmt.if_not_exists
        ? []
        : [
            {
              action: 'CREATE TABLE',
              object: relationOf(stmt.relation)?.name,
              guard: 'IF NOT EXISTS',
              prefix: set('CREATE', 'GLOBAL', 'LOCAL', 'TEMP', 'TEMPORARY', 'UNLOGGED', 'TABLE'),
              anchor: set('TABLE'),
            },
          ];
    case 'IndexStmt':
      // IF NOT EXISTS needs an index name: `CREATE INDEX ON t (c)` has no idempotent form.
      return stmt.if_not_exists || !stmt.idxname
        ? []
        : [
            {
              action: 'CREATE INDEX',
              object: stmt.idxname as string,
              guard: 'IF NOT EXISTS',
              prefix: set('CREATE', 'UNIQUE', 'INDEX', 'CONCURRENTLY'),
              anchor: set('INDEX', 'CONCURRENTLY'),
            },
          ];
    case 'CreateSchemaStmt':
      return stmt.if_not_exists || !stmt.schemaname
        ? []
        : [
            {
              action: 'CREATE SCHEMA',
              object: stmt.schemaname as string,
              guard: 'IF NOT EXISTS',
              prefix: set('CREATE', 'SCHEMA'),
              anchor: set('SCHEMA'),
            },
          ];
    case 'CreateSeqStmt':
      return stmt.if_not_exists
        ? []
        : [
            {
              action: 'CREATE SEQUENCE',
              object: relationOf(stmt.sequence)?.name,
              guard: 'IF NOT EXISTS',
              prefix: set('CREATE', 'TEMP', 'TEMPORARY', 'UNLOGGED', 'SEQUENCE'),
              anchor: set('SEQUENCE'),
            },
          ];
    case 'CreateExtensionStmt':
      return stmt.if_not_exists
        ? []
        : [
            {
              action: 'CREATE EXTENSION',
              object: stmt.extname as string,
              guard: 'IF NOT EXISTS',
              prefix: set('CREATE', 'EXTENSION'),
              anchor: set('EXTENSION'),
            },
          ];
    case 'CreateTableAsStmt': {
      if (stmt.if_not_exists) return [];
      const object = relationOf((stmt.into as { rel?: unknown } | undefined)?.rel)?.name;
      return stmt.objtype === 'OBJECT_MATVIEW'
        ? [
            {
              action: 'CREATE MATERIALIZED VIEW',
              object,
              guard: 'IF NOT EXISTS',
              prefix: set('CREATE', 'MATERIALIZED', 'VIEW'),
              anchor: set('VIEW'),
            },
          ]
        : [
            {
              action: 'CREATE TABLE',
              object,
              guard: 'IF NOT EXISTS',
              prefix: set('CREATE', 'GLOBAL', 'LOCAL', 'TEMP', 'TEMPORARY', 'UNLOGGED', 'TABLE'),
              anchor: set('TABLE'),
            },
          ];
    }
    case 'ViewStmt':
      return stmt.replace
        ? []
        : [
            {
              action: 'CREATE VIEW',
              object: relationOf(stmt.view)?.name,
              guard: 'OR REPLACE',
              prefix: set('CREATE'),
              anchor: set('CREATE'),
            },
          ];
    case 'AlterEnumStmt':
      // ADD VALUE only (RENAME VALUE has no guard).
      return stmt.newVal === undefined || stmt.oldVal !== undefined || stmt.skipIfNewValExists
        ? []
        : [
            {
              action: 'ALTER TYPE … ADD VALUE',
              object: `'${String(stmt.newVal)}'`,
              guard: 'IF NOT EXISTS',
              prefix: set('ALTER', 'TYPE', 'ADD', 'VALUE'),
              anchor: set('VALUE'),
            },
          ];
    case 'DropStmt': {
      const objectWords = DROP_OBJECTS[String(stmt.removeType)];
      if (stmt.missing_ok || !objectWords) return [];
      const words = objectWords.split(' ');
      const first = ((stmt.objects as unknown[]) ?? [])[0] as { List?: { items?: unknown } } | undefined;
      const names = nameParts(first?.List?.items ?? (first ? [first] : []));
      return [
        {
          action: `DROP ${objectWords}`,
          object: names[names.length - 1],
          guard: 'IF EXISTS',
          prefix: set('DROP', 'CONCURRENTLY', ...words),
          anchor: set(words[words.length - 1], 'CONCURRENTLY'),
        },
      ];
    }
    case 'AlterTableStmt': {
      if (stmt.objtype !== undefined && stmt.objtype !== 'OBJECT_TABLE') return [];
      const out: MissingGuard[] = [];
      ((stmt.cmds as unknown[]) ?? []).forEach((item, command) => {
        const cmd = (item as { AlterTableCmd?: SqlNode }).AlterTableCmd;
        if (!cmd || cmd.missing_ok) return;
        if (cmd.subtype === 'AT_AddColumn') {
          const column = (cmd.def as { ColumnDef?: SqlNode } | undefined)?.ColumnDef?.colname as string | undefined;
          out.push({
            action: 'ADD COLUMN',
            object: column,
            guard: 'IF NOT EXISTS',
            prefix: set('ADD', 'COLUMN'),
            anchor: set('ADD', 'COLUMN'),
            command,
          });
        } else if (cmd.subtype === 'AT_DropColumn') {
          out.push({
            action: 'DROP COLUMN',
            object: cmd.name as string | undefined,
            guard: 'IF EXISTS',
            prefix: set('DROP', 'COLUMN'),
            anchor: set('DROP', 'COLUMN'),
            command,
          });
        } else if (cmd.subtype === 'AT_DropConstraint') {
          out.push({
            action: 'DROP CONSTRAINT',
            object: cmd.name as string | undefined,
            guard: 'IF EXISTS',
            prefix: set('DROP', 'CONSTRAINT'),
            anchor: set('CONSTRAINT'),
            command,
          });
        }
      });
      return out;
    }
    default:
      return [];
  }
}

/** The location of the table an ALTER TABLE statement names (to find where its commands start). */
export function alterTableRelationLocation(stmt: SqlNode): number {
  return relationOf(stmt.relation)?.location ?? -1;
}

/** The table a `CREATE TEMP[ORARY] TABLE …` (or `… AS`) statement creates, lower case; else undefined. */
export function temporaryTableCreated(kind: string, stmt: SqlNode): string | undefined {
  const rangeVar =
    kind === 'CreateStmt'
      ? stmt.relation
      : kind === 'CreateTableAsStmt' && stmt.objtype !== 'OBJECT_MATVIEW'
        ? (stmt.into as { rel?: unknown } | undefined)?.rel
        : undefined;
  const rv = rangeVar as { relpersistence?: string } | undefined;
  return rv?.relpersistence === 't' ? relationOf(rangeVar)?.name.toLowerCase() : undefined;
}

/**
 * The tables an index build or a DROP TABLE acts on (lower case), to tell statements about a
 * temporary table: it lives for the session only, so re-running the revision meets no leftover.
 */
export function guardedTables(kind: string, stmt: SqlNode): string[] {
  if (kind === 'IndexStmt') {
    const name = relationOf(stmt.relation)?.name;
    return name ? [name.toLowerCase()] : [];
  }
  if (kind === 'DropStmt' && stmt.removeType === 'OBJECT_TABLE') {
    return ((stmt.objects as unknown[]) ?? []).map((object) => {
      const names = nameParts((object as { List?: { items?: unknown } }).List?.items ?? [object]);
      return (names[names.length - 1] ?? '').toLowerCase();
    });
  }
  return [];
}

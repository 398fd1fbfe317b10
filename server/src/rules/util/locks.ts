import { boolValue, stringValue, type Operation, type SqlStatement } from '../../model/migration';
import { columnFromDef } from '../../model/schema';
import {
  defaultFromSqlFacts,
  typeFromSql,
  typeFromSqlAlchemy,
  typeLabel,
  volatilityOf,
  type ColumnType,
  type DefaultModel,
} from '../../model/schema/types';
import { ddlFactOf, type AlterCommandFact, type SqlColumnFact } from '../../parse/facts/schemaDdl';
import { pyTypeRef } from './columnTypes';
import { domainLockOf, reindexOf } from '../../parse/facts/locking';
import { ObjectMemo } from '../../model/objectMemo';

/**
 * Which lock an operation takes on PostgreSQL and whether it rewrites the table, from the
 * "Explicit Locking" and ALTER TABLE chapters of the PostgreSQL documentation. The editor's hover
 * shows it; SW601–SW604 use the same facts.
 */
export type LockLevel =
  | 'ACCESS SHARE'
  | 'ROW SHARE'
  | 'ROW EXCLUSIVE'
  | 'SHARE UPDATE EXCLUSIVE'
  | 'SHARE'
  | 'SHARE ROW EXCLUSIVE'
  | 'EXCLUSIVE'
  | 'ACCESS EXCLUSIVE';

const STRENGTH: readonly LockLevel[] = [
  'ACCESS SHARE',
  'ROW SHARE',
  'ROW EXCLUSIVE',
  'SHARE UPDATE EXCLUSIVE',
  'SHARE',
  'SHARE ROW EXCLUSIVE',
  'EXCLUSIVE',
  'ACCESS EXCLUSIVE',
];

export interface LockInfo {
  /** The strongest lock taken on an existing table (undefined: none worth showing). */
  lock?: LockLevel;
  /** The whole table (and its indexes) is rewritten while the lock is held. */
  rewrites: boolean;
  /** One or two sentences for a person: what it blocks, and why. */
  note: string;
}

export interface LockContext {
  /** The column's current type, from the replayed schema, when `existing_type=` is not given. */
  columnType?(table: string, column: string): ColumnType | undefined;
}

const BLOCKS: Record<LockLevel, string> = {
  'ACCESS SHARE': 'conflicts only with ACCESS EXCLUSIVE',
  'ROW SHARE': 'blocks EXCLUSIVE and ACCESS EXCLUSIVE locks',
  'ROW EXCLUSIVE': 'blocks SHARE and stronger locks (e.g. CREATE INDEX) but not reads or writes',
  'SHARE UPDATE EXCLUSIVE': 'blocks other schema changes and VACUUM, but not reads or writes',
  SHARE: 'blocks writes (INSERT, UPDATE, DELETE), not reads',
  'SHARE ROW EXCLUSIVE': 'blocks writes, not reads',
  EXCLUSIVE: 'blocks writes and locking reads; plain SELECTs still run',
  'ACCESS EXCLUSIVE': 'blocks every read and write of the table',
};

function info(lock: LockLevel | undefined, rewrites: boolean, what: string): LockInfo {
  const blocks = lock ? ` — takes ${lock} (${BLOCKS[lock]})` : '';
  return {
    lock,
    rewrites,
    note: `${what}${blocks}${rewrites ? '; rewrites the whole table and its indexes while holding it' : ''}.`,
  };
}

function strongest(infos: LockInfo[]): LockInfo | undefined {
  if (infos.length === 0) return undefined;
  if (infos.length === 1) return infos[0];
  const lock = infos.reduce<LockLevel | undefined>(
    (acc, i) => (i.lock && (!acc || STRENGTH.indexOf(i.lock) > STRENGTH.indexOf(acc)) ? i.lock : acc),
    undefined,
  );
  return { lock, rewrites: infos.some((i) => i.rewrites), note: infos.map((i) => i.note).join(' ') };
}

/** Lock and rewrite facts of one Alembic operation or one SQL statement. */
export function lockInfo(
  target: Operation | SqlStatement,
  pgVersion: number,
  context: LockContext = {},
): LockInfo | undefined {
  if ('parsed' in target) return statementLockInfo(target, pgVersion, context);
  // Only a type change asks the context (the column's current type): the rest is the op's own.
  if (target.name === 'alter_column' || target.name === 'execute') return operationLockInfo(target, pgVersion, context);
  // Memoized by op: the language server reuses the operations an edit did not touch (model/nodeMemo.ts).
  let byVersion = opLockInfos.get(target);
  if (!byVersion) opLockInfos.set(target, (byVersion = new Map()));
  if (!byVersion.has(pgVersion)) byVersion.set(pgVersion, operationLockInfo(target, pgVersion, context));
  return byVersion.get(pgVersion);
}

const opLockInfos = new ObjectMemo<Operation, Map<number, LockInfo | undefined>>('opLockInfos');

function operationLockInfo(op: Operation, pgVersion: number, context: LockContext): LockInfo | undefined {
  const concurrently = boolValue(op.args.postgresql_concurrently) === true;
  const notValid = boolValue(op.args.postgresql_not_valid) === true;
  switch (op.name) {
    case 'create_table':
      return info(
        undefined,
        false,
        'Creates a new table (foreign keys in it take SHARE ROW EXCLUSIVE on the referenced tables)',
      );
    case 'drop_table':
      return info('ACCESS EXCLUSIVE', false, 'DROP TABLE');
    case 'rename_table':
      return info('ACCESS EXCLUSIVE', false, 'ALTER TABLE … RENAME (brief)');
    case 'add_column': {
      const column = op.columns[0] ? columnFromDef(op.columns[0], () => ({ path: '', span: op.span })) : undefined;
      const reason = column
        ? addColumnRewriteReason(column.default, column.generated, column.type, pgVersion)
        : undefined;
      return info(
        'ACCESS EXCLUSIVE',
        reason !== undefined,
        `ADD COLUMN${reason ? ` with ${reason}` : ' (brief: no rewrite)'}`,
      );
    }
    case 'drop_column':
      return info('ACCESS EXCLUSIVE', false, 'DROP COLUMN (brief: the column is only marked dropped)');
    case 'alter_column': {
      const parts: LockInfo[] = [];
      const to = pyTypeRef(op.args.type_);
      if (to) {
        const fromRef = pyTypeRef(op.args.existing_type);
        const column = stringValue(op.args.column_name);
        const from = fromRef
          ? typeFromSqlAlchemy(fromRef)
          : op.table && column
            ? context.columnType?.(op.table, column)
            : undefined;
        const reason = from ? typeChangeRewriteReason(from, typeFromSqlAlchemy(to), pgVersion) : undefined;
        parts.push(
          info(
            'ACCESS EXCLUSIVE',
            reason !== undefined,
            from
              ? `ALTER COLUMN TYPE ${typeLabel(from)} → ${typeLabel(typeFromSqlAlchemy(to))}${reason ? ` (${reason})` : ' (binary-coercible: no rewrite)'}`
              : 'ALTER COLUMN TYPE (the current type is unknown)',
          ),
        );
      }
      if (boolValue(op.args.nullable) === false)
        parts.push(
          info(
            'ACCESS EXCLUSIVE',
            false,
            'SET NOT NULL scans the whole table unless a validated CHECK (col IS NOT NULL) exists',
          ),
        );
      if (parts.length === 0) parts.push(info('ACCESS EXCLUSIVE', false, 'ALTER COLUMN (brief)'));
      return strongest(parts);
    }
    case 'create_index':
      return concurrently
        ? info('SHARE UPDATE EXCLUSIVE', false, 'CREATE INDEX CONCURRENTLY')
        : info('SHARE', false, 'CREATE INDEX builds the index while holding the lock');
    case 'drop_index':
      return concurrently
        ? info('SHARE UPDATE EXCLUSIVE', false, 'DROP INDEX CONCURRENTLY')
        : info('ACCESS EXCLUSIVE', false, 'DROP INDEX');
    case 'create_foreign_key':
      return info(
        'SHARE ROW EXCLUSIVE',
        false,
        notValid
          ? 'ADD FOREIGN KEY … NOT VALID (on both tables, brief)'
          : 'ADD FOREIGN KEY (on both tables) scans the table to validate every row',
      );
    case 'create_check_constraint':
      return info(
        'ACCESS EXCLUSIVE',
        false,
        notValid ? 'ADD CHECK … NOT VALID (brief)' : 'ADD CHECK scans the table to validate every row',
      );
    case 'create_unique_constraint':
    case 'create_primary_key':
      return info('ACCESS EXCLUSIVE', false, 'ADD UNIQUE/PRIMARY KEY builds an index while holding the lock');
    case 'create_exclude_constraint':
      return info('ACCESS EXCLUSIVE', false, 'ADD EXCLUDE builds an index while holding the lock');
    case 'drop_constraint':
      return info('ACCESS EXCLUSIVE', false, 'DROP CONSTRAINT (brief)');
    case 'create_table_comment':
    case 'drop_table_comment':
      return info('SHARE UPDATE EXCLUSIVE', false, 'COMMENT ON');
    case 'execute':
      return strongest(
        (op.sql?.statements ?? [])
          .map((s) => statementLockInfo(s, pgVersion, context))
          .filter((i): i is LockInfo => i !== undefined),
      );
    default:
      return undefined;
  }
}

function statementLockInfo(statement: SqlStatement, pgVersion: number, context: LockContext): LockInfo | undefined {
  const { kind, node } = statement.parsed;
  const fact = ddlFactOf(kind, node);
  switch (fact.kind) {
    case 'alter-table': {
      const table =
        fact.table.schema && fact.table.schema !== 'public'
          ? `${fact.table.schema}.${fact.table.name}`
          : fact.table.name;
      return strongest(fact.commands.map((c) => alterCommandLockInfo(c, table, pgVersion, context)));
    }
    case 'create-index':
      return fact.concurrent
        ? info('SHARE UPDATE EXCLUSIVE', false, 'CREATE INDEX CONCURRENTLY')
        : info('SHARE', false, 'CREATE INDEX builds the index while holding the lock');
    case 'drop':
      if (fact.objectType === 'INDEX')
        return fact.concurrent
          ? info('SHARE UPDATE EXCLUSIVE', false, 'DROP INDEX CONCURRENTLY')
          : info('ACCESS EXCLUSIVE', false, 'DROP INDEX');
      if (['TABLE', 'VIEW', 'MATVIEW'].includes(fact.objectType))
        return info(
          'ACCESS EXCLUSIVE',
          false,
          `DROP ${fact.objectType === 'MATVIEW' ? 'MATERIALIZED VIEW' : fact.objectType}`,
        );
      return undefined;
    case 'rename':
      return fact.objectType === 'INDEX' && pgVersion >= 12
        ? info('SHARE UPDATE EXCLUSIVE', false, 'ALTER INDEX … RENAME')
        : info('ACCESS EXCLUSIVE', false, 'RENAME (brief)');
    case 'truncate':
      return info('ACCESS EXCLUSIVE', false, 'TRUNCATE');
    case 'create-table':
      return fact.partitionOf
        ? info('ACCESS EXCLUSIVE', false, 'CREATE TABLE … PARTITION OF locks the parent table')
        : info(undefined, false, 'Creates a new table');
    default:
      break;
  }
  switch (kind) {
    case 'RefreshMatViewStmt':
      return node.concurrent === true
        ? info('EXCLUSIVE', false, 'REFRESH MATERIALIZED VIEW CONCURRENTLY')
        : info('ACCESS EXCLUSIVE', false, 'REFRESH MATERIALIZED VIEW blocks readers of the view until it finishes');
    case 'CreateTrigStmt':
      return info('SHARE ROW EXCLUSIVE', false, 'CREATE TRIGGER');
    case 'CommentStmt':
      return info('SHARE UPDATE EXCLUSIVE', false, 'COMMENT ON');
    case 'ClusterStmt':
      return info('ACCESS EXCLUSIVE', true, 'CLUSTER');
    case 'ReindexStmt':
      return reindexOf(kind, node)?.concurrent
        ? info('SHARE UPDATE EXCLUSIVE', false, 'REINDEX CONCURRENTLY')
        : info(
            'SHARE',
            false,
            'REINDEX rebuilds each index while holding the lock (ACCESS EXCLUSIVE on the index itself)',
          );
    case 'AlterDomainStmt':
      return domainLockOf(kind, node)
        ? info('SHARE', false, 'ALTER DOMAIN checks every column using the domain, on each of their tables')
        : undefined;
    case 'VacuumStmt': {
      const full = JSON.stringify(node.options ?? []).includes('"full"');
      return full ? info('ACCESS EXCLUSIVE', true, 'VACUUM FULL') : info('SHARE UPDATE EXCLUSIVE', false, 'VACUUM');
    }
    case 'InsertStmt':
    case 'UpdateStmt':
    case 'DeleteStmt':
      return info('ROW EXCLUSIVE', false, 'Data change');
    default:
      return undefined;
  }
}

function alterCommandLockInfo(
  command: AlterCommandFact,
  table: string,
  pgVersion: number,
  context: LockContext,
): LockInfo {
  switch (command.subtype) {
    case 'AddColumn': {
      const column = command.newColumn;
      const reason = column
        ? addColumnRewriteReason(
            column.default ? defaultFromSqlFacts(column.default) : serialDefault(column),
            column.generated,
            column.type ? typeFromSql(column.type) : undefined,
            pgVersion,
          )
        : undefined;
      return info(
        'ACCESS EXCLUSIVE',
        reason !== undefined,
        `ADD COLUMN${reason ? ` with ${reason}` : ' (brief: no rewrite)'}`,
      );
    }
    case 'AlterColumnType': {
      const to = command.type ? typeFromSql(command.type) : undefined;
      const from = command.column ? context.columnType?.(table, command.column) : undefined;
      const reason = to && from ? typeChangeRewriteReason(from, to, pgVersion) : undefined;
      if (to && from)
        return info(
          'ACCESS EXCLUSIVE',
          reason !== undefined || command.using,
          `ALTER COLUMN TYPE ${typeLabel(from)} → ${typeLabel(to)}${reason ? ` (${reason})` : command.using ? ' with USING' : ' (binary-coercible: no rewrite)'}`,
        );
      return info('ACCESS EXCLUSIVE', false, 'ALTER COLUMN TYPE (the current type is unknown)');
    }
    case 'SetNotNull':
      return info(
        'ACCESS EXCLUSIVE',
        false,
        'SET NOT NULL scans the whole table unless a validated CHECK (col IS NOT NULL) exists',
      );
    case 'AddConstraint': {
      const c = command.constraint;
      if (c?.type === 'FOREIGN')
        return info(
          'SHARE ROW EXCLUSIVE',
          false,
          c.notValid
            ? 'ADD FOREIGN KEY … NOT VALID (on both tables, brief)'
            : 'ADD FOREIGN KEY (on both tables) scans the table to validate every row',
        );
      if (c?.type === 'CHECK')
        return info(
          'ACCESS EXCLUSIVE',
          false,
          c.notValid ? 'ADD CHECK … NOT VALID (brief)' : 'ADD CHECK scans the table to validate every row',
        );
      return info('ACCESS EXCLUSIVE', false, 'ADD CONSTRAINT builds an index or validates rows while holding the lock');
    }
    case 'ValidateConstraint':
      return info('SHARE UPDATE EXCLUSIVE', false, 'VALIDATE CONSTRAINT');
    case 'SetLogged':
    case 'SetUnLogged':
      return info('ACCESS EXCLUSIVE', true, `SET ${command.subtype === 'SetLogged' ? 'LOGGED' : 'UNLOGGED'}`);
    case 'SetTableSpace':
      return info('ACCESS EXCLUSIVE', true, 'SET TABLESPACE copies the table');
    case 'SetStatistics':
    case 'SetRelOptions':
    case 'ResetRelOptions':
    case 'ClusterOn':
    case 'DropCluster':
      return info('SHARE UPDATE EXCLUSIVE', false, `ALTER TABLE ${command.subtype}`);
    case 'AttachPartition':
      return info(
        pgVersion >= 12 ? 'SHARE UPDATE EXCLUSIVE' : 'ACCESS EXCLUSIVE',
        false,
        'ATTACH PARTITION (on the parent)',
      );
    case 'EnableTrig':
    case 'DisableTrig':
    case 'EnableTrigAll':
    case 'DisableTrigAll':
      return info('SHARE ROW EXCLUSIVE', false, 'ENABLE/DISABLE TRIGGER');
    default:
      return info('ACCESS EXCLUSIVE', false, `ALTER TABLE ${command.subtype}`);
  }
}

function serialDefault(column: SqlColumnFact): DefaultModel | undefined {
  return column.type && /^(small|big)?serial[248]?$/.test(column.type.name)
    ? {
        text: 'nextval()',
        functions: ['nextval'],
        literal: false,
        quotedString: false,
        convertsTimeZone: false,
        opaque: false,
      }
    : undefined;
}

/**
 * Why ADD COLUMN rewrites the table, or undefined when it does not. Since PostgreSQL 11 a
 * non-volatile default is stored once in the catalog; a volatile one (random(), gen_random_uuid(),
 * clock_timestamp(), nextval() of serial/identity) must be computed for every existing row.
 */
export function addColumnRewriteReason(
  value: DefaultModel | undefined,
  generated: 'identity' | 'stored' | undefined,
  type: ColumnType | undefined,
  pgVersion: number,
): string | undefined {
  if (generated === 'identity') return 'an identity column (every row gets a sequence value)';
  if (generated === 'stored') return 'a stored generated column (computed for every row)';
  if (type && /^(small|big)?serial[248]?$/.test(type.text)) return 'a serial column (every row gets a sequence value)';
  if (!value || (value.literal && value.text.toLowerCase() === 'null')) return undefined;
  if (pgVersion < 11) return `a default (${value.text}): before PostgreSQL 11 any non-null default rewrites the table`;
  if (volatilityOf(value) === 'volatile') return `a volatile default (${value.text}), computed for every existing row`;
  return undefined;
}

/**
 * Why changing a column's type rewrites the table, or undefined when the change is binary-coercible
 * (PostgreSQL then only updates the catalog): widening or removing a varchar length, varchar ↔ text,
 * widening numeric precision at the same scale, cidr → inet.
 */
export function typeChangeRewriteReason(from: ColumnType, to: ColumnType, pgVersion: number): string | undefined {
  if (typeLabel(from) === typeLabel(to)) return undefined;
  if (from.isArray !== to.isArray) return `${typeLabel(from)} → ${typeLabel(to)} is not binary-coercible`;
  // varchar, text and citext are binary-coercible into each other (citext declares its casts WITHOUT FUNCTION).
  const textual = (t: ColumnType): boolean => t.name === 'varchar' || t.name === 'text' || t.name === 'citext';
  if (textual(from) && textual(to)) {
    if (to.name === 'text' || to.name === 'citext' || to.modifiers.length === 0) return undefined;
    if (from.name === 'varchar' && from.modifiers.length && to.modifiers[0] >= from.modifiers[0]) return undefined;
    return `${typeLabel(from)} → ${typeLabel(to)} shortens or adds a length limit, so every row is checked and rewritten`;
  }
  if (from.name === 'numeric' && to.name === 'numeric') {
    if (to.modifiers.length === 0) return undefined;
    if (
      from.modifiers.length &&
      to.modifiers[0] >= from.modifiers[0] &&
      (to.modifiers[1] ?? 0) === (from.modifiers[1] ?? 0)
    )
      return undefined;
    return `${typeLabel(from)} → ${typeLabel(to)} changes numeric scale or shrinks precision`;
  }
  if (from.name === 'cidr' && to.name === 'inet') return undefined;
  if (from.name === 'timestamp' && to.name === 'timestamptz') {
    return pgVersion >= 12
      ? 'timestamp → timestamptz rewrites unless the session TimeZone is UTC'
      : 'timestamp → timestamptz is not binary-coercible';
  }
  return `${typeLabel(from)} → ${typeLabel(to)} is not binary-coercible`;
}

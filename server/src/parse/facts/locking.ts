import type { SqlNode } from '../sql';
import { constantString, nameParts, walkSql } from '../sqlFacts';

/**
 * Session settings that bound how long DDL waits for locks: `SET [LOCAL] lock_timeout = …`,
 * `SET [LOCAL] statement_timeout`, and `SELECT set_config('lock_timeout', …)`.
 */
export interface TimeoutSettingFact {
  setting: 'lock_timeout' | 'statement_timeout';
  value?: string;
  local: boolean;
  location: number;
}

export function timeoutSettingOf(kind: string, node: SqlNode): TimeoutSettingFact | undefined {
  if (kind === 'VariableSetStmt') {
    const name = String(node.name ?? '').toLowerCase();
    if (name !== 'lock_timeout' && name !== 'statement_timeout') return undefined;
    const args = (node.args as unknown[] | undefined) ?? [];
    const first = args[0] as { A_Const?: { ival?: { ival?: number }; sval?: { sval?: string } } } | undefined;
    const value =
      first?.A_Const?.sval?.sval ?? (first?.A_Const?.ival ? String(first.A_Const.ival.ival ?? 0) : undefined);
    return {
      setting: name,
      value,
      local: node.is_local === true,
      location: (node.location as number | undefined) ?? -1,
    };
  }
  if (kind === 'SelectStmt') {
    let found: TimeoutSettingFact | undefined;
    walkSql(node, (type, value) => {
      if (found || type !== 'FuncCall') return;
      const fn = nameParts(value.funcname).pop()?.toLowerCase();
      const args = (value.args as unknown[] | undefined) ?? [];
      const setting = constantString(args[0])?.toLowerCase();
      if (fn === 'set_config' && (setting === 'lock_timeout' || setting === 'statement_timeout')) {
        found = {
          setting,
          value: constantString(args[1]),
          local: JSON.stringify(args[2] ?? '').includes('true'),
          location: (value.location as number | undefined) ?? -1,
        };
      }
    });
    return found;
  }
  return undefined;
}

/** `BEGIN`, `COMMIT`, `ROLLBACK`, … written as SQL: they end (or nest) the transaction Alembic runs in. */
export interface TransactionControlFact {
  /** BEGIN, START TRANSACTION, COMMIT, ROLLBACK, END, SAVEPOINT, RELEASE, PREPARE TRANSACTION, … */
  verb: string;
  /** True when the statement ends the transaction the migration runs in. */
  endsTransaction: boolean;
}

const TRANSACTION_VERBS: Record<string, string> = {
  TRANS_STMT_BEGIN: 'BEGIN',
  TRANS_STMT_START: 'START TRANSACTION',
  TRANS_STMT_COMMIT: 'COMMIT',
  TRANS_STMT_ROLLBACK: 'ROLLBACK',
  TRANS_STMT_SAVEPOINT: 'SAVEPOINT',
  TRANS_STMT_RELEASE: 'RELEASE SAVEPOINT',
  TRANS_STMT_ROLLBACK_TO: 'ROLLBACK TO SAVEPOINT',
  TRANS_STMT_PREPARE: 'PREPARE TRANSACTION',
  TRANS_STMT_COMMIT_PREPARED: 'COMMIT PREPARED',
  TRANS_STMT_ROLLBACK_PREPARED: 'ROLLBACK PREPARED',
};

export function transactionControlOf(kind: string, node: SqlNode): TransactionControlFact | undefined {
  if (kind !== 'TransactionStmt') return undefined;
  const raw = String(node.kind ?? '');
  const verb = TRANSACTION_VERBS[raw] ?? raw.replace(/^TRANS_STMT_/, '');
  return { verb, endsTransaction: ['COMMIT', 'ROLLBACK', 'PREPARE TRANSACTION'].includes(verb) };
}

/** `REINDEX [ (options) ] INDEX|TABLE|SCHEMA|DATABASE|SYSTEM [CONCURRENTLY] name`. */
export interface ReindexFact {
  target: 'INDEX' | 'TABLE' | 'SCHEMA' | 'DATABASE' | 'SYSTEM';
  name?: string;
  concurrent: boolean;
}

export function reindexOf(kind: string, node: SqlNode): ReindexFact | undefined {
  if (kind !== 'ReindexStmt') return undefined;
  const target = String(node.kind ?? '').replace(/^REINDEX_OBJECT_/, '') as ReindexFact['target'];
  const relation = node.relation as { relname?: string; schemaname?: string } | undefined;
  const name = relation?.relname
    ? `${relation.schemaname ? `${relation.schemaname}.` : ''}${relation.relname}`
    : (node.name as string | undefined);
  const params = (node.params as Array<{ DefElem?: { defname?: string; arg?: unknown } }> | undefined) ?? [];
  const concurrent = params.some(
    (p) => p.DefElem?.defname === 'concurrently' && JSON.stringify(p.DefElem.arg ?? '') !== '{"Boolean":{}}',
  );
  return { target, name, concurrent };
}

/** `ALTER DOMAIN d ADD CONSTRAINT … [NOT VALID]`: the new constraint is checked on every column of the domain. */
export interface DomainConstraintFact {
  domain: string;
  constraint?: string;
  notValid: boolean;
}

export function domainConstraintOf(kind: string, node: SqlNode): DomainConstraintFact | undefined {
  if (kind !== 'AlterDomainStmt' || node.subtype !== 'C') return undefined;
  const domain = nameParts(node.typeName).join('.');
  const constraint = (node.def as { Constraint?: { conname?: string; skip_validation?: boolean } } | undefined)
    ?.Constraint;
  return { domain, constraint: constraint?.conname, notValid: constraint?.skip_validation === true };
}

/**
 * The ALTER DOMAIN forms that lock the tables using the domain: a constraint added without NOT
 * VALID, SET NOT NULL and VALIDATE CONSTRAINT each take SHARE on every such table and read all of
 * it. The other forms (DROP CONSTRAINT, SET DEFAULT, RENAME, …) change only the catalog.
 */
export function domainLockOf(kind: string, node: SqlNode): string | undefined {
  if (kind !== 'AlterDomainStmt') return undefined;
  const added = domainConstraintOf(kind, node);
  if (added) return added.notValid ? undefined : added.domain;
  return node.subtype === 'O' || node.subtype === 'V' ? nameParts(node.typeName).join('.') : undefined;
}

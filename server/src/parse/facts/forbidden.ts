import type { SqlNode } from '../sql';
import { columnFacts, nameParts, relationOf, tableConstraintFacts, walkSql, type ReferentialAction } from '../sqlFacts';

/**
 * Facts about database objects the policy forbids ("Database-level business logic such as
 * triggers, stored procedures …, or cascading actions …", unmanaged extensions), read from
 * libpg-query trees so that the rules never look at the parser's JSON.
 */

export interface TriggerFact {
  /** As the user would write it: `CREATE TRIGGER`, `CREATE CONSTRAINT TRIGGER`, `CREATE EVENT TRIGGER`, `CREATE RULE`. */
  what: string;
  name?: string;
  table?: string;
}

export function triggerFact(kind: string, node: SqlNode): TriggerFact | undefined {
  switch (kind) {
    case 'CreateTrigStmt':
      return {
        what: node.isconstraint
          ? 'CREATE CONSTRAINT TRIGGER'
          : node.replace
            ? 'CREATE OR REPLACE TRIGGER'
            : 'CREATE TRIGGER',
        name: node.trigname as string | undefined,
        table: relationOf(node.relation)?.name,
      };
    case 'CreateEventTrigStmt':
      return { what: 'CREATE EVENT TRIGGER', name: node.trigname as string | undefined };
    case 'RuleStmt':
      return { what: 'CREATE RULE', name: node.rulename as string | undefined, table: relationOf(node.relation)?.name };
    default:
      return undefined;
  }
}

export interface StoredLogicFact {
  what: 'CREATE FUNCTION' | 'CREATE PROCEDURE' | 'DO';
  replace: boolean;
  name?: string;
  language?: string;
}

export function storedLogicFact(kind: string, node: SqlNode): StoredLogicFact | undefined {
  const language = (options: unknown): string | undefined => {
    for (const option of Array.isArray(options) ? options : []) {
      const def = (option as { DefElem?: { defname?: string; arg?: { String?: { sval?: string } } } }).DefElem;
      if (def?.defname === 'language') return def.arg?.String?.sval;
    }
    return undefined;
  };
  if (kind === 'CreateFunctionStmt') {
    const parts = nameParts(node.funcname);
    return {
      what: node.is_procedure ? 'CREATE PROCEDURE' : 'CREATE FUNCTION',
      replace: node.replace === true,
      name: parts.join('.'),
      language: language(node.options),
    };
  }
  if (kind === 'DoStmt') return { what: 'DO', replace: false, language: language(node.args) ?? 'plpgsql' };
  return undefined;
}

export function extensionFact(kind: string, node: SqlNode): { name: string } | undefined {
  return kind === 'CreateExtensionStmt' && typeof node.extname === 'string' ? { name: node.extname } : undefined;
}

/** pg_cron's job functions: each stores a job that runs SQL on a timer, invisible to migrations. */
const CRON_FUNCTIONS = new Set(['schedule', 'schedule_in_database', 'alter_job']);

export function cronCalls(node: SqlNode): Array<{ name: string; location: number }> {
  const calls: Array<{ name: string; location: number }> = [];
  walkSql(node, (type, value) => {
    if (type !== 'FuncCall') return;
    const parts = nameParts(value.funcname).map((p) => p.toLowerCase());
    if (parts.length === 2 && parts[0] === 'cron' && CRON_FUNCTIONS.has(parts[1]))
      calls.push({ name: parts.join('.'), location: (value.location as number | undefined) ?? -1 });
  });
  return calls;
}

export type CascadingAction = Exclude<ReferentialAction, 'NO ACTION' | 'RESTRICT'>;

export interface CascadeFact {
  via: 'foreign-key' | 'truncate' | 'drop';
  /** For foreign keys: `ON DELETE` or `ON UPDATE`. */
  event?: 'DELETE' | 'UPDATE';
  action: CascadingAction | 'CASCADE';
  /** The foreign key's or statement's location (libpg-query bytes; -1: the statement). */
  location: number;
  /** The referenced table, for foreign keys. */
  references?: string;
  /** What a DROP … CASCADE drops, e.g. `TABLE`, `COLUMN`, `CONSTRAINT`. */
  object?: string;
}

const isCascading = (action: ReferentialAction): action is CascadingAction =>
  action === 'CASCADE' || action === 'SET NULL' || action === 'SET DEFAULT';

export function cascadeFacts(kind: string, node: SqlNode): CascadeFact[] {
  const facts: CascadeFact[] = [];
  const constraints = [...columnFacts(kind, node).flatMap((c) => c.constraints), ...tableConstraintFacts(kind, node)];
  for (const constraint of constraints) {
    const refs = constraint.references;
    if (!refs) continue;
    for (const [event, action] of [
      ['DELETE', refs.onDelete],
      ['UPDATE', refs.onUpdate],
    ] as const) {
      if (isCascading(action))
        facts.push({ via: 'foreign-key', event, action, location: constraint.location, references: refs.table.name });
    }
  }
  if (kind === 'TruncateStmt' && node.behavior === 'DROP_CASCADE')
    facts.push({ via: 'truncate', action: 'CASCADE', location: -1 });
  if (kind === 'DropStmt' && node.behavior === 'DROP_CASCADE') {
    facts.push({
      via: 'drop',
      action: 'CASCADE',
      location: -1,
      object: String(node.removeType ?? '')
        .replace(/^OBJECT_/, '')
        .replace(/_/g, ' '),
    });
  }
  if (kind === 'AlterTableStmt') {
    for (const item of (node.cmds as unknown[]) ?? []) {
      const cmd = (item as { AlterTableCmd?: SqlNode }).AlterTableCmd;
      if (cmd?.behavior === 'DROP_CASCADE' && /^AT_Drop/.test(String(cmd.subtype))) {
        facts.push({
          via: 'drop',
          action: 'CASCADE',
          location: -1,
          object: cmd.subtype === 'AT_DropColumn' ? 'COLUMN' : 'CONSTRAINT',
        });
      }
    }
  }
  return facts;
}

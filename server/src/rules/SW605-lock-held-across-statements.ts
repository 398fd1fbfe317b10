import { boolValue } from '../model/migration';
import { dataChangeOf } from '../parse/facts/dataChanges';
import { ddlFactOf } from '../parse/facts/schemaDdl';
import { lockInfo } from './util/locks';
import { operationTable, revisionTables, statementTables } from './util/revisionTables';
import { upgradeTransactions, type UpgradeStatement } from './util/transactions';
import { defineRule } from './types';

export default defineRule({
  meta: {
    id: 'SW605',
    name: 'lock-held-across-statements',
    severity: 'warning',
    scope: 'revision',
    policySection: 'Migration Rules',
    policyClause:
      'Production migrations must be backwards compatible with the running application until ' +
      'deployment is complete; breaking changes require staged rollouts and documented decisions.',
    docs: {
      summary: 'Slow work does not run after an ACCESS EXCLUSIVE lock in the same transaction.',
      whatItDoes:
        'Follows the upgrade statement by statement, in the transactions PostgreSQL runs it in (an ' +
        '`autocommit_block()` or a COMMIT inside `op.execute` starts a new one). After a statement ' +
        'that takes ACCESS EXCLUSIVE on a table the revision did not create, it reports each later ' +
        'statement of the same transaction that changes rows of an existing table or validates a ' +
        'constraint added earlier. Index builds, table rewrites and constraints added without NOT ' +
        'VALID are reported by SW601, SW604 and SW602, whose fixes also end the long lock.',
      whyBad:
        'A lock is held until the transaction commits, not until the statement that took it ends. A ' +
        'brief `ALTER TABLE … ADD COLUMN` followed by a backfill `UPDATE` keeps every read and ' +
        'write of the table waiting for the whole backfill; followed by a lock on a second table it ' +
        'can wait behind that table’s traffic while the first stays blocked.',
      bad:
        'def upgrade():\n    op.add_column("account", sa.Column("tier", sa.Text(), nullable=True, ' +
        'comment="pricing tier"))\n    op.execute("UPDATE account SET tier = \'free\'")',
      good:
        'def upgrade():\n    op.add_column("account", sa.Column("tier", sa.Text(), nullable=True, ' +
        'comment="pricing tier"))\n    with op.get_context().autocommit_block():  # commits the ADD ' +
        'COLUMN first\n        op.execute("UPDATE account SET tier = \'free\'")',
      howToFix:
        'Split the revision so the slow work commits on its own (a later revision, or an ' +
        '`autocommit_block()` between the two), or do the slow work before the statement that takes ' +
        'the lock.',
      fixSafety: 'none',
      notes:
        'Work on tables created by the same revision is not reported (nobody else uses them yet), ' +
        'nor brief schema changes to the locked table or to other tables: the wait for another ' +
        'table’s lock is what `lock_timeout` bounds (SW603). With `transaction_per_migration = ' +
        'False` (Alembic’s default) the lock is even held until the last revision of the run ' +
        'commits.',
    },
  },
  check({ migration, project, config, report }) {
    const tables = revisionTables(project, migration);
    const statements = upgradeTransactions(migration);
    let held: { table: string; what: string; line: number; transaction: number } | undefined;
    let addedNotValid = new Set<string>();
    let transaction = -1;
    for (const step of statements) {
      if (step.transaction !== transaction) {
        transaction = step.transaction;
        held = undefined;
        addedNotValid = new Set();
      }
      const effect = effectOf(step, config.postgresVersion, tables.isExisting);
      for (const name of effect.addedNotValid) addedNotValid.add(name);
      if (held) {
        const why = slowReason(effect, addedNotValid);
        if (why) {
          report({
            message:
              `This statement ${why} while the transaction still holds ACCESS EXCLUSIVE on "` +
              `${held.table}" (taken by ${held.what} on line ${held.line}), so every query on "` +
              `${held.table}" waits until the revision commits.`,
            help: `Split the revision, or do this work before the lock is taken.`,
            span: step.span,
          });
        }
        continue;
      }
      const locked = effect.tables.find(tables.isExisting);
      if (effect.lock === 'ACCESS EXCLUSIVE' && locked && !effect.drops) {
        held = {
          table: locked,
          what: effect.what,
          line: migration.lines.positionAt(step.span.start).line + 1,
          transaction: step.transaction,
        };
      }
    }
  },
});

interface StatementEffect {
  tables: string[];
  lock?: string;
  what: string;
  /** Drops the table it locks: nobody can wait for a table that is gone. */
  drops: boolean;
  /** Rows of an existing table (or of a table not named) are changed. */
  dataChange?: { table?: string };
  /** Constraints validated (VALIDATE CONSTRAINT) by name. */
  validated: string[];
  /** Constraints added NOT VALID by name: their validation in the same transaction is SW611's. */
  addedNotValid: string[];
}

function effectOf(step: UpgradeStatement, pgVersion: number, isExisting: (t: string) => boolean): StatementEffect {
  const { op, statement } = step;
  const info = lockInfo(statement ?? op, pgVersion);
  if (!statement) {
    const table = operationTable(op);
    const name = op.args.constraint_name;
    return {
      tables: table ? [table] : [],
      lock: info?.lock,
      what: op.name,
      drops: op.name === 'drop_table',
      dataChange: op.name === 'bulk_insert' && table && isExisting(table) ? { table } : undefined,
      validated: [],
      addedNotValid: boolValue(op.args.postgresql_not_valid) === true && name?.kind === 'string' ? [name.value] : [],
    };
  }
  const { kind, node } = statement.parsed;
  const fact = ddlFactOf(kind, node);
  const change = dataChangeOf(kind, node);
  const commands = fact.kind === 'alter-table' ? fact.commands : [];
  return {
    tables: change?.table ? [change.table] : statementTables(statement),
    lock: info?.lock,
    what: statement.text.split(/\s+/).slice(0, 2).join(' ').toUpperCase(),
    drops: fact.kind === 'drop' && fact.objectType === 'TABLE',
    dataChange: change && (!change.table || isExisting(change.table)) ? { table: change.table } : undefined,
    validated: commands.flatMap((c) => (c.subtype === 'ValidateConstraint' && c.name ? [c.name] : [])),
    addedNotValid: commands.flatMap((c) =>
      c.subtype === 'AddConstraint' && c.constraint?.notValid && c.constraint.name ? [c.constraint.name] : [],
    ),
  };
}

/**
 * Why a statement after the lock prolongs it, or undefined. What another rule already owns is left
 * to it: index builds (SW601), table rewrites (SW604), constraints added without NOT VALID (SW602),
 * validation of a constraint added NOT VALID in the same transaction (SW611). A brief lock of a
 * second table is not reported: the wait for it is what `lock_timeout` bounds (SW603), and real
 * revisions change several tables in one transaction as a matter of course.
 */
function slowReason(effect: StatementEffect, addedNotValidHere: ReadonlySet<string>): string | undefined {
  if (effect.dataChange) return `changes rows${effect.dataChange.table ? ` of "${effect.dataChange.table}"` : ''}`;
  const validated = effect.validated.find((name) => !addedNotValidHere.has(name));
  if (validated) return `validates constraint "${validated}" (a scan of the whole table)`;
  return undefined;
}

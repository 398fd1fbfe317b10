import { reindexOf } from '../parse/facts/locking';
import { ddlFactOf } from '../parse/facts/schemaDdl';
import { qualifiedName } from '../parse/facts/views';
import { findInStatement } from '../analysis/statements';
import { keywordSpan } from './util/sqlNames';
import { revisionTables } from './util/revisionTables';
import { upgradeTransactions } from './util/transactions';
import { defineRule } from './types';

export default defineRule({
  meta: {
    id: 'SW613',
    name: 'non-concurrent-reindex-or-detach',
    severity: 'warning',
    scope: 'revision',
    policySection: 'Migration Rules',
    policyClause:
      'Production migrations must be backwards compatible with the running application until ' +
      'deployment is complete; breaking changes require staged rollouts and documented decisions.',
    docs: {
      summary: 'REINDEX and DETACH PARTITION on live tables run CONCURRENTLY.',
      whatItDoes:
        'Reports `REINDEX INDEX|TABLE|SCHEMA|DATABASE` without `CONCURRENTLY` (PostgreSQL 12+), and ' +
        '`ALTER TABLE … DETACH PARTITION` without `CONCURRENTLY` (PostgreSQL 14+) on a table the ' +
        'revision did not create, in the upgrade.',
      whyBad:
        'A plain REINDEX rebuilds each index while blocking writes to its table, and takes ACCESS ' +
        'EXCLUSIVE on the index, so queries that would use it wait too. A plain DETACH PARTITION ' +
        'takes ACCESS EXCLUSIVE on the parent table: every query on the whole partitioned table ' +
        'waits.',
      bad: 'def upgrade():\n    op.execute("REINDEX INDEX ix_invoice_customer_id")',
      good: 'def upgrade():\n    with op.get_context().autocommit_block():\n        op.execute("REINDEX INDEX CONCURRENTLY ix_invoice_customer_id")',
      howToFix:
        'Write `REINDEX … CONCURRENTLY` / `DETACH PARTITION … CONCURRENTLY` and run it in `with ' +
        'op.get_context().autocommit_block():` (neither can run inside a transaction block).',
      fixSafety: 'none',
      notes:
        'The CONCURRENTLY forms need PostgreSQL 12 (REINDEX) and 14 (DETACH PARTITION); with an ' +
        'older `postgres-version` there is nothing better to suggest and the rule stays quiet. A ' +
        'concurrent reindex that fails leaves an invalid `_ccnew` index to drop.',
    },
  },
  check({ migration, project, config, report }) {
    const tables = revisionTables(project, migration);
    for (const { statement } of upgradeTransactions(migration)) {
      if (!statement) continue;
      const reindex = reindexOf(statement.kind, statement.parsed.node);
      if (reindex && !reindex.concurrent && reindex.target !== 'SYSTEM' && config.postgresVersion >= 12) {
        report({
          message:
            `REINDEX ${reindex.target}${reindex.name ? ` ${reindex.name}` : ''} without CONCURRENTLY ` +
            `blocks writes to the table, and queries that use the index, until the rebuild ends.`,
          help: `Use REINDEX … CONCURRENTLY in an autocommit_block().`,
          span: keywordSpan(migration.source, statement, /^\w+\s+\w+/),
        });
        continue;
      }
      const fact = ddlFactOf(statement.kind, statement.parsed.node);
      if (fact.kind !== 'alter-table' || config.postgresVersion < 14) continue;
      const parent = qualifiedName(fact.table);
      if (!tables.isExisting(parent)) continue;
      if (fact.commands.some((c) => c.subtype === 'DetachPartition' && !c.concurrent))
        report({
          message: `DETACH PARTITION without CONCURRENTLY takes ACCESS EXCLUSIVE on "${parent}", so every query on the partitioned table waits.`,
          help: `Use DETACH PARTITION … CONCURRENTLY in an autocommit_block().`,
          span: findInStatement(migration, statement, /DETACH\s+PARTITION/i) ?? statement.span,
        });
    }
  },
});

import { hasLabel } from './util/docstring';
import { viewsDefinedIn } from './util/viewDefinitions';
import { defineRule } from './types';

export default defineRule({
  meta: {
    id: 'SW403',
    name: 'matview-refresh-strategy',
    severity: 'error',
    scope: 'revision',
    policySection: 'Tables vs Views Policy',
    policyClause:
      'Database views are allowed only as read-only projections for reporting or API ' +
      'optimization; materialized views require refresh strategies documented with performance ' +
      'budgets.',
    docs: {
      summary: 'A materialized view needs a documented refresh strategy and performance budget.',
      whatItDoes:
        "Reports `CREATE MATERIALIZED VIEW` in the upgrade's SQL, and alembic_utils " +
        '`PGMaterializedView` created or replaced with `op.create_entity` / `op.replace_entity`, ' +
        "when the revision's docstring lacks a non-empty `Refresh:` line (how and when it is " +
        'refreshed: schedule or trigger, CONCURRENTLY or not) or a non-empty `Budget:` line (how ' +
        'long a refresh may take, how stale the data may be, how large it may grow).',
      whyBad:
        'A materialized view is a copy of data that goes stale until someone refreshes it, and a ' +
        'plain `REFRESH MATERIALIZED VIEW` takes an ACCESS EXCLUSIVE lock that blocks every reader ' +
        'until it finishes. Without a written strategy and budget nobody knows who refreshes it, ' +
        'how stale it may be, or when it has become too slow.',
      bad:
        'def upgrade():\n    op.execute("CREATE MATERIALIZED VIEW invoice_totals AS SELECT ' +
        'customer_id, sum(total) AS total FROM invoice GROUP BY customer_id")',
      good:
        '"""Add invoice_totals for the billing dashboard.\n\nRefresh: REFRESH MATERIALIZED VIEW ' +
        'CONCURRENTLY every 15 minutes by the billing worker (needs the unique index ' +
        'below)\nBudget: refresh under 30 s on 10M invoices; data at most 15 minutes stale\nDepends ' +
        'on: invoice\n"""\n\ndef upgrade():\n    op.execute("CREATE MATERIALIZED VIEW ' +
        'invoice_totals AS SELECT customer_id, sum(total) AS total FROM invoice GROUP BY ' +
        'customer_id")\n    op.execute("CREATE UNIQUE INDEX ix_invoice_totals_customer ON ' +
        'invoice_totals (customer_id)")',
      howToFix:
        'Add `Refresh:` and `Budget:` lines to the revision docstring. When the strategy is ' +
        'documented elsewhere, record a decision under docs/decisions/ and waive the finding with ' +
        '`# schema-warden: allow SW403 decision=NNNN`.',
      fixSafety: 'none',
      notes:
        'No quick fix: a placeholder would satisfy the check without documenting anything. `REFRESH ' +
        '… CONCURRENTLY` needs a unique index on the view and takes an EXCLUSIVE lock, which lets ' +
        'reads continue.',
    },
  },
  check({ migration, report }) {
    const refresh = hasLabel(migration, 'Refresh');
    const budget = hasLabel(migration, 'Budget');
    if (refresh && budget) return;
    const missing = [
      refresh ? undefined : 'a `Refresh:` line (how and when it is refreshed)',
      budget ? undefined : 'a `Budget:` line (refresh time, staleness, size)',
    ]
      .filter((m) => m !== undefined)
      .join(' and ');
    for (const view of viewsDefinedIn(migration)) {
      if (!view.materialized) continue;
      report({
        message: `Materialized view "${view.key}" has no documented refresh strategy and performance budget: the revision docstring lacks ${missing}.`,
        help: 'Add them to the docstring, or record a decision and waive with # schema-warden: allow SW403 decision=NNNN.',
        span: view.span,
      });
    }
  },
});

import { cronCalls, extensionFact } from '../parse/facts/forbidden';
import { entityCreations } from '../analysis/pythonHooks';
import { findInStatement, statementHead, tokenAt, upgradeStatements } from '../analysis/statements';
import { defineRule } from './types';

const CRON_EXTENSIONS = new Set(['pg_cron', 'pg_timetable', 'pgagent']);

function extensionHelp(name: string): string {
  return CRON_EXTENSIONS.has(name.toLowerCase())
    ? "Schedule jobs in the application's infrastructure instead; only an accepted decision record can allow it (# schema-warden: allow SW304 decision=NNNN)."
    : 'Write a decision record (schema-warden decision new --rule SW304), get it accepted, and cite it here with # schema-warden: allow SW304 decision=NNNN.';
}

function extensionMessage(name: string): string {
  if (CRON_EXTENSIONS.has(name.toLowerCase())) {
    return `CREATE EXTENSION ${name} installs a job scheduler: cron-based jobs are the policy's example of an unmanaged extension with hidden state.`;
  }
  return `CREATE EXTENSION ${name} needs a documented decision: extensions can bring side effects and hidden state.`;
}

export default defineRule({
  meta: {
    id: 'SW304',
    name: 'managed-extensions',
    severity: 'error',
    scope: 'revision',
    policySection: 'Forbidden Items in Phase 2',
    policyClause:
      'Unmanaged extensions that introduce side effects or hidden state (e.g., cron-based jobs) without documented decisions.',
    docs: {
      summary: 'Every `CREATE EXTENSION` needs a decision record; pg_cron jobs are hidden state.',
      whatItDoes:
        'Reports `CREATE EXTENSION` (SQL, or an alembic_utils `PGExtension` created with ' +
        '`op.create_entity`) in the upgrade unless a valid waiver citing an accepted decision ' +
        'record covers it, and always names pg_cron and `cron.schedule(...)` / ' +
        '`cron.schedule_in_database(...)` / `cron.alter_job(...)` as the forbidden hidden-state ' +
        'case. Dropping an extension is not reported.',
      whyBad:
        'An extension changes what the database does outside the schema the migrations describe: ' +
        'background workers, scheduled jobs, new functions and types. A cron job created in a ' +
        'migration runs SQL on a timer that no application code, log or test shows.',
      bad:
        'def upgrade():\n    op.execute("CREATE EXTENSION IF NOT EXISTS ' +
        "pg_cron\")\n    op.execute(\"SELECT cron.schedule('purge', '0 3 * * *', 'DELETE FROM " +
        'session WHERE expires_at < now()\')")',
      good:
        '# docs/decisions/0004-enable-citext.md (status: accepted, rules: [SW304], revisions: ' +
        '["3f2a1c"])\ndef upgrade():\n    # schema-warden: allow SW304 ' +
        'decision=0004\n    op.execute("CREATE EXTENSION IF NOT EXISTS citext")',
      howToFix:
        'Write a decision record for the extension (`schema-warden decision new --rule SW304 ' +
        '--revision <id> --title "Enable citext" --waive FILE:LINE` writes it and the waiver ' +
        'comment), fill in its impact, rollback and monitoring plans, and get it accepted. Move ' +
        'scheduled jobs out of the database.',
      fixSafety: 'none',
    },
  },
  check({ migration, report }) {
    for (const { statement } of upgradeStatements(migration)) {
      const extension = extensionFact(statement.kind, statement.parsed.node);
      if (extension) {
        const nameSpan = findInStatement(
          migration,
          statement,
          /\bCREATE\s+EXTENSION\b(\s+IF\s+NOT\s+EXISTS)?\s+("[^"]*"|[\w-]+)/i,
        );
        report({
          message: extensionMessage(extension.name),
          help: extensionHelp(extension.name),
          span: nameSpan ?? statementHead(migration, statement),
        });
      }
      for (const cron of cronCalls(statement.parsed.node)) {
        report({
          message:
            `${cron.name}(…) creates a pg_cron job: SQL that runs on a timer inside the database is the ` +
            `hidden state the policy forbids ("cron-based jobs").`,
          help: "Run scheduled work from the application's infrastructure instead.",
          span: cron.location >= 0 ? tokenAt(migration, statement, cron.location) : statementHead(migration, statement),
        });
      }
    }
    for (const creation of entityCreations(migration, new Set(['PGExtension']))) {
      report({
        message: extensionMessage(creation.signature ?? 'extension').replace('CREATE EXTENSION', 'PGExtension'),
        help: extensionHelp(creation.signature ?? 'extension'),
        span: creation.span,
      });
    }
  },
});

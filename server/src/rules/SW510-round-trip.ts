// SW510 round-trip: the verdict of the runner, not of a static check. `schema-warden verify` and
// the editor's *Verify round trips* upgrade, downgrade and re-upgrade every revision on an
// ephemeral PostgreSQL; the first failure becomes this rule's diagnostic on the failing revision's
// file. The rule's own check does nothing: no text analysis can prove a downgrade restores a schema.
import { ROUND_TRIP_RULE_ID, ROUND_TRIP_RULE_NAME } from '../runner/roundTripDiagnostics';
import { defineRule } from './types';

export { roundTripDiagnostics, roundTripMessage, type RoundTripDiagnostic } from '../runner/roundTripDiagnostics';

const ID = ROUND_TRIP_RULE_ID;
const NAME = ROUND_TRIP_RULE_NAME;

export default defineRule({
  meta: {
    id: ID,
    name: NAME,
    severity: 'error',
    scope: 'project',
    readsSql: false,
    policySection: 'Testing Strategy Boundaries',
    policyClause:
      'Migration tests must run against ephemeral PostgreSQL instances and validate both upgrade and downgrade paths.',
    docs: {
      summary:
        "Every revision must upgrade, downgrade back to exactly its parent's schema, and upgrade again, on a real PostgreSQL.",
      whatItDoes:
        "Reported by the runner (`schema-warden verify`, or *Verify round trips* in the editor's " +
        'Schema Warden sidebar), not while you type. For each revision in graph order, on an ' +
        'ephemeral PostgreSQL (a Docker container or a cluster from local binaries), the runner ' +
        'upgrades to it and snapshots the schema from the catalogs; downgrades to its parent and ' +
        "compares with the parent's snapshot; upgrades again and compares with its own. The first " +
        'step that fails — an error from Alembic or Postgres, or a schema that differs — is ' +
        "reported on that revision's `def upgrade` / `def downgrade` line (or the line that " +
        'raised), with the failing SQL or the exact difference, e.g. "index ix_account_email is ' +
        'left behind by the downgrade".',
      whyBad:
        'A downgrade that leaves an index, a column or a type behind passes code review and static ' +
        'checks, and only fails on the day it is needed: the rollback of a bad deploy. Re-applying ' +
        'the revision then fails on the leftover object, so the database is stuck between versions.',
      bad:
        'def upgrade():\n    op.create_index("ix_account_email", "account", ["email"], ' +
        'unique=True)\n    op.add_column("account", sa.Column("note", sa.Text(), ' +
        'nullable=True))\n\n\ndef downgrade():\n    # forgets the index: the round trip finds it ' +
        'left behind\n    op.drop_column("account", "note")',
      good:
        'def upgrade():\n    op.create_index("ix_account_email", "account", ["email"], ' +
        'unique=True)\n    op.add_column("account", sa.Column("note", sa.Text(), ' +
        'nullable=True))\n\n\ndef downgrade():\n    op.drop_column("account", ' +
        '"note")\n    op.drop_index("ix_account_email", table_name="account")',
      howToFix:
        'Read the difference in the message: an object listed as left behind must be dropped by ' +
        '`downgrade()`; an object listed as missing must be re-created by it; an error names the ' +
        'statement that failed. Make `downgrade()` the exact inverse of `upgrade()`, in reverse ' +
        'order, then run the verification again (from this revision: *Verify round trip from ' +
        'here*); the diagnostic disappears when the run passes.',
      fixSafety: 'none',
      notes:
        'Verification stops at the first failure (the database cannot be trusted past it, so later ' +
        "revisions are reported as not run), unless `--keep-going` is given (the sidebar's " +
        "default): the database is then rebuilt at the next revision's parent and every failing " +
        'revision is reported. Branches and merges are verified too: before each revision the ' +
        "database is brought to exactly that revision's ancestors. Any `env.py` runs unchanged: " +
        'every SQLAlchemy engine it creates is pointed at the throwaway database, whatever URL it ' +
        "computed; a Flask-Migrate `env.py` runs inside the application's context; `--env builtin` " +
        "runs the revisions with Schema Warden's own `env.py` instead.",
    },
  },
  // Findings come from the runner (runner/roundTripDiagnostics.ts), never from the text.
  checkProject() {},
});

// SW510 is reported by the runner, not by the text: the rule's check stays quiet on any source
// (even the leaky downgrade it exists for), and roundTripDiagnostics turns a VerifyResult into
// the diagnostic the editor and `schema-warden verify --format json` publish.
import * as assert from 'node:assert/strict';
import { allRules } from '../../server/src/rules';
import rule, { roundTripDiagnostics } from '../../server/src/rules/SW510-round-trip';
import { POLICY } from '../../server/src/rules/policy';
import type { RevisionVerifyResult, VerifyResult, VerifyStepResult } from '../../server/src/runner/verify';
import { ruleTester } from './ruleTester';

ruleTester(rule, {
  valid: [
    {
      name: 'a downgrade that forgets the index is not found statically (only a round trip proves it)',
      code: `
      revision = "0002"
      down_revision = "0001"

      def upgrade():
          op.create_index("ix_account_email", "account", ["email"], unique=True)
          op.add_column("account", sa.Column("note", sa.Text(), nullable=True))

      def downgrade():
          op.drop_column("account", "note")
      `,
    },
    { name: 'a complete downgrade', code: rule.meta.docs.good },
  ],
  invalid: [],
});

const passed = (step: VerifyStepResult['step'], command: string): VerifyStepResult => ({
  step,
  status: 'passed',
  command,
  durationMs: 12,
});

function revision(
  id: string,
  parents: string[],
  status: RevisionVerifyResult['status'],
  steps: VerifyStepResult[],
): RevisionVerifyResult {
  return { revision: id, parents, doc: `revision ${id}`, path: `/project/alembic/versions/${id}.py`, status, steps };
}

/** The shape verifyRoundTrips returns for the demo's 0002, whose downgrade leaves its index behind. */
function leakyDowngrade(): VerifyResult {
  const downgrade: VerifyStepResult = {
    step: 'downgrade',
    status: 'failed',
    command: 'downgrade 0001',
    durationMs: 30,
    differences: [
      {
        change: 'extra',
        objectType: 'index',
        name: 'public.ix_account_email',
        message: 'index public.ix_account_email is left behind by the downgrade',
      },
    ],
    message:
      'downgrade of 0002 does not restore the schema of 0001: index public.ix_account_email is left behind by the downgrade',
  };
  return {
    ok: false,
    revisions: [
      revision('0001', [], 'passed', [
        passed('upgrade', 'upgrade 0001'),
        passed('downgrade', 'downgrade base'),
        passed('upgrade again', 'upgrade 0001'),
      ]),
      revision('0002', ['0001'], 'failed', [passed('upgrade', 'upgrade 0002'), downgrade]),
      revision('0003', ['0002'], 'not run', []),
    ],
    failure: {
      revision: '0002',
      step: 'downgrade',
      message: downgrade.message as string,
      path: '/project/alembic/versions/0002.py',
      line: 22,
    },
    durationMs: 900,
  };
}

describe('SW510 round-trip: metadata', () => {
  it('is a registered project-scope error quoting the testing clause word for word', () => {
    assert.ok(allRules.includes(rule));
    assert.equal(rule.meta.id, 'SW510');
    assert.equal(rule.meta.name, 'round-trip');
    assert.equal(rule.meta.scope, 'project');
    assert.equal(rule.meta.severity, 'error');
    const clause = POLICY.find((c) => c.text === rule.meta.policyClause);
    assert.ok(clause);
    assert.equal(
      clause.text,
      'Migration tests must run against ephemeral PostgreSQL instances and validate both upgrade and downgrade paths.',
    );
    assert.equal(clause.section, rule.meta.policySection);
    // The clause's home is now this rule, so it no longer says where else it is checked.
    assert.equal(clause.checkedElsewhere, undefined);
  });
});

describe('SW510 round-trip: VerifyResult → diagnostics', () => {
  it('gives nothing for a run that passed (which clears the earlier diagnostics)', () => {
    const ok: VerifyResult = {
      ok: true,
      revisions: [revision('0001', [], 'passed', [passed('upgrade', 'upgrade 0001')])],
      durationMs: 10,
    };
    assert.deepEqual(roundTripDiagnostics(ok), []);
  });

  it("puts a leaky downgrade on the failing revision's file and line, with the exact difference", () => {
    const [d, ...rest] = roundTripDiagnostics(leakyDowngrade());
    assert.equal(rest.length, 0);
    assert.ok(d);
    assert.equal(d.ruleId, 'SW510');
    assert.equal(d.source, 'schema-warden');
    assert.equal(d.severity, 'error');
    assert.equal(d.path, '/project/alembic/versions/0002.py');
    assert.equal(d.line, 22);
    assert.equal(d.revision, '0002');
    assert.equal(d.step, 'downgrade');
    assert.match(d.docsUrl, /docs\/rules\/SW510-round-trip\.md$/);
    assert.equal(
      d.message,
      [
        'Round trip of revision 0002 failed at the "downgrade" step (alembic downgrade 0001), back to 0001.',
        '• index public.ix_account_email is left behind by the downgrade',
        'Make downgrade() undo everything upgrade() does, in reverse order.',
      ].join('\n'),
    );
  });

  it("quotes Postgres' error and the failing SQL when a step raised", () => {
    const result = leakyDowngrade();
    const failed = result.revisions[1] as RevisionVerifyResult;
    failed.steps = [
      {
        step: 'upgrade',
        status: 'failed',
        command: 'upgrade 0002',
        durationMs: 5,
        error: {
          type: 'ProgrammingError',
          message: 'column "emial" does not exist',
          sql: 'CREATE UNIQUE INDEX ix_account_email\n    ON account (emial)',
          pgcode: '42703',
          file: failed.path as string,
          line: 19,
        },
        message: 'upgrade to 0002 failed',
      },
    ];
    result.failure = {
      revision: '0002',
      step: 'upgrade',
      message: 'upgrade to 0002 failed',
      path: failed.path,
      line: 19,
    };
    const [d] = roundTripDiagnostics(result);
    assert.ok(d);
    assert.equal(d.line, 19);
    assert.equal(
      d.message,
      [
        'Round trip of revision 0002 failed at the "upgrade" step (alembic upgrade 0002).',
        'ProgrammingError: column "emial" does not exist',
        'SQL: CREATE UNIQUE INDEX ix_account_email ON account (emial)',
        "Fix upgrade() so that it runs on its parent's schema.",
      ].join('\n'),
    );
  });

  it('falls back to line 1 without a line, and to no diagnostic without a file', () => {
    const noLine = leakyDowngrade();
    delete noLine.failure?.line;
    assert.equal(roundTripDiagnostics(noLine)[0]?.line, 1);
    const noFile = leakyDowngrade();
    if (noFile.failure) noFile.failure.path = null;
    assert.deepEqual(roundTripDiagnostics(noFile), []);
  });

  it('says which second upgrade failed and why, when the revision does not re-apply', () => {
    const result = leakyDowngrade();
    const failed = result.revisions[1] as RevisionVerifyResult;
    failed.steps = [
      passed('upgrade', 'upgrade 0002'),
      passed('downgrade', 'downgrade 0001'),
      {
        step: 'upgrade again',
        status: 'failed',
        command: 'upgrade 0002',
        durationMs: 4,
        error: {
          type: 'ProgrammingError',
          message: 'relation "ix_account_email" already exists',
          sql: 'CREATE UNIQUE INDEX ix_account_email ON account (email)',
        },
      },
    ];
    result.failure = {
      revision: '0002',
      step: 'upgrade again',
      message: 'failed the second time',
      path: failed.path,
      line: 18,
    };
    const [d] = roundTripDiagnostics(result);
    assert.match(
      d?.message ?? '',
      /^Round trip of revision 0002 failed at the "upgrade again" step \(alembic upgrade 0002\)\.\nProgrammingError: relation "ix_account_email" already exists\n/,
    );
    assert.match(d?.message ?? '', /restore exactly the parent's schema/);
  });
});

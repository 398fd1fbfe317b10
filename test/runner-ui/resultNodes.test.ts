// The Results view: revisions × steps with ✓/✗, the failure's differences as children, later
// revisions "not run"; and the code lens positions in a revision file.
import * as assert from 'node:assert/strict';
import { findRevisionFunctions } from '../../client/src/runner/revisionFile';
import { buildResultNodes, summarizeResult } from '../../client/src/runner/resultNodes';
import type { VerifyResult } from '../../server/src/runner/verify';
import { DEFAULT_RUNNER_SETTINGS, normalizeRunnerSettings } from '../../server/src/shared/settings';

const result: VerifyResult = {
  ok: false,
  durationMs: 1234,
  revisions: [
    {
      revision: '0001',
      parents: [],
      doc: 'create account',
      path: '/p/0001.py',
      status: 'passed',
      steps: [
        { step: 'upgrade', status: 'passed', command: 'upgrade 0001', durationMs: 40 },
        { step: 'downgrade', status: 'passed', command: 'downgrade base', durationMs: 20 },
        { step: 'upgrade again', status: 'passed', command: 'upgrade 0001', durationMs: 1500 },
      ],
    },
    {
      revision: '0002',
      parents: ['0001'],
      doc: 'index e-mail',
      path: '/p/0002.py',
      status: 'failed',
      steps: [
        { step: 'upgrade', status: 'passed', command: 'upgrade 0002', durationMs: 30 },
        {
          step: 'downgrade',
          status: 'failed',
          command: 'downgrade 0001',
          durationMs: 25,
          message: 'downgrade of 0002 does not restore…',
          differences: [
            {
              change: 'extra',
              objectType: 'index',
              name: 'public.ix_account_email',
              actual: 'CREATE UNIQUE INDEX …',
              message: 'index public.ix_account_email is left behind by the downgrade',
            },
          ],
        },
      ],
    },
    { revision: '0003', parents: ['0002'], doc: 'orders', path: '/p/0003.py', status: 'not run', steps: [] },
  ],
  failure: {
    revision: '0002',
    step: 'downgrade',
    message: 'downgrade of 0002 does not restore…',
    path: '/p/0002.py',
    line: 22,
  },
};

describe('Results view nodes', () => {
  const nodes = buildResultNodes(result);

  it('one node per revision, marked ✓ ✗ ·, with timing or "not run"', () => {
    assert.deepEqual(
      nodes.map((n) => n.label),
      ['✓ 0001', '✗ 0002', '· 0003'],
    );
    assert.equal(nodes[0]?.description, 'create account · 1.56 s');
    assert.equal(nodes[2]?.description, 'orders · not run');
    assert.equal(nodes[1]?.path, '/p/0002.py');
    assert.equal(nodes[1]?.line, 22);
    assert.equal(nodes[0]?.line, undefined);
  });

  it('three steps under every revision; a failed step holds the schema difference', () => {
    const steps = nodes[1]?.children ?? [];
    assert.deepEqual(
      steps.map((s) => s.label),
      ['✓ upgrade', '✗ downgrade', '· upgrade again'],
    );
    assert.equal(steps[1]?.description, 'downgrade 0001 · 25 ms');
    // the row fits the sidebar's default width; the tooltip and the detail panel hold all of it
    assert.deepEqual(
      steps[1]?.children.map((c) => [c.label, c.tooltip, c.detail]),
      [
        [
          'index public.ix_account_email is left behin…',
          'index public.ix_account_email is left behind by the downgrade\n\nactual: CREATE UNIQUE INDEX …',
          {
            title: `${nodes[1]?.id.slice(4)} · downgrade`,
            text: 'index public.ix_account_email is left behind by the downgrade\n\nactual: CREATE UNIQUE INDEX …',
          },
        ],
      ],
    );
    assert.equal(steps[2]?.description, 'not run');
    assert.deepEqual(
      nodes[2]?.children.map((s) => s.status),
      ['not run', 'not run', 'not run'],
    );
  });

  it('a failed step with an error shows the error and the SQL', () => {
    const raised: VerifyResult = {
      ...result,
      revisions: [
        {
          ...result.revisions[1]!,
          steps: [
            {
              step: 'upgrade',
              status: 'failed',
              command: 'upgrade 0002',
              durationMs: 3,
              error: { type: 'ProgrammingError', message: 'column "x" does not exist', sql: 'SELECT\n  x' },
            },
          ],
        },
      ],
    };
    const [step] = buildResultNodes(raised)[0]?.children ?? [];
    assert.deepEqual(
      step?.children.map((c) => c.label),
      ['ProgrammingError: column "x" does not exist', 'SQL: SELECT x'],
    );
  });

  it('ids are unique in the tree', () => {
    const ids: string[] = [];
    const walk = (list: typeof nodes) =>
      list.forEach((n) => {
        ids.push(n.id);
        walk(n.children);
      });
    walk(nodes);
    assert.equal(new Set(ids).size, ids.length);
  });

  it('a "Locks" child under a traced revision: the strongest lock per existing table, new tables apart', () => {
    const traced: VerifyResult = {
      ...result,
      revisions: [
        {
          ...result.revisions[0]!,
          locks: [
            {
              table: 'ledger',
              mode: 'AccessExclusiveLock',
              statement: 'CREATE TABLE ledger (…)',
              line: 12,
              heldMs: 40,
              new: true,
            },
            {
              table: 'account',
              mode: 'ShareLock',
              statement: 'CREATE INDEX ix ON account (email)',
              line: 13,
              heldMs: 1300,
            },
            {
              table: 'account',
              mode: 'AccessExclusiveLock',
              statement: 'ALTER TABLE account ALTER COLUMN balance TYPE BIGINT',
              line: 14,
              heldMs: 1210,
            },
            {
              table: 'account',
              index: 'ix',
              mode: 'AccessExclusiveLock',
              statement: 'CREATE INDEX ix ON account (email)',
              line: 13,
              heldMs: 1300,
              new: true,
            },
          ],
          rewrites: ['account'],
        },
        result.revisions[1]!,
      ],
    };
    const [first, second] = buildResultNodes(traced);
    const locks = first?.children.at(-1);
    assert.equal(locks?.label, 'Locks');
    assert.equal(locks?.description, '1 existing table(s) · strongest AccessExclusiveLock on account');
    assert.deepEqual(
      locks?.children.map((c) => [c.label, c.description, c.line]),
      [
        ['account: AccessExclusiveLock', 'held 1.21 s · line 14 · rewritten', 14],
        ['new: ledger', undefined, undefined],
      ],
    );
    assert.equal(locks?.children[0]?.path, '/p/0001.py');
    assert.ok(!second?.children.some((c) => c.label === 'Locks'), 'no Locks child where nothing was traced');
  });

  it('summarises a failure and a success in one line', () => {
    assert.equal(summarizeResult(result), '✗ 1 of 3 revision(s) passed: 0002 failed at downgrade (1.2 s)');
    assert.equal(
      summarizeResult({ ok: true, durationMs: 2000, revisions: [result.revisions[0]!] }),
      '✓ 1 of 1 revision(s) round-tripped cleanly in 2.0 s',
    );
  });
});

describe('revision file code lens positions', () => {
  it('finds the id and the module-level upgrade/downgrade lines', () => {
    const text =
      '"""doc"""\nrevision: str = "0002"\ndown_revision = "0001"\n\n\ndef upgrade() -> ' +
      'None:\n    pass\n\n\ndef downgrade():\n    def upgrade():\n        pass\n';
    assert.deepEqual(findRevisionFunctions(text), { revision: '0002', upgradeLine: 5, downgradeLine: 9 });
  });

  it('gives no id for a file that is not a revision, and ignores nested definitions', () => {
    assert.deepEqual(findRevisionFunctions('def helper():\n    def upgrade():\n        pass\n'), {});
    assert.deepEqual(findRevisionFunctions("revision = '3f2a'\r\nasync def upgrade():\r\n    pass\r\n"), {
      revision: '3f2a',
      upgradeLine: 1,
    });
  });
});

describe('runner settings (schemaWarden.runner.*)', () => {
  it('keeps valid values and turns wrong ones into the defaults', () => {
    assert.deepEqual(normalizeRunnerSettings(undefined), DEFAULT_RUNNER_SETTINGS);
    assert.deepEqual(
      normalizeRunnerSettings({
        target: 'local',
        url: ' postgresql://app@localhost/app ',
        allowRemoteHosts: true,
        dockerImage: 'pg:15-test',
        databaseUrlEnv: 'APP_DB_URL',
        metadata: ' app.models:Base.metadata ',
      }),
      {
        target: 'local',
        url: 'postgresql://app@localhost/app',
        allowRemoteHosts: true,
        dockerImage: 'pg:15-test',
        databaseUrlEnv: 'APP_DB_URL',
        metadata: 'app.models:Base.metadata',
        env: 'project',
        flaskApp: null,
        keepGoing: true,
      },
    );
    assert.deepEqual(
      normalizeRunnerSettings({
        target: 'cloud',
        url: '',
        allowRemoteHosts: 'yes',
        databaseUrlEnv: 'NOT A NAME; rm -rf',
      }),
      DEFAULT_RUNNER_SETTINGS,
    );
  });
});

// Runner feedback in the Results view (issue 14, point 5): every failing revision of a keep-going
// run with its step and cause, a cancelled run's partial result marked cancelled, a result of an
// earlier window session marked as such, and the "running: …" line while a run goes.
import * as assert from 'node:assert/strict';
import { buildResultNodes, summarizeResult } from '../../client/src/runner/resultNodes';
import { progressText, RunProgress } from '../../client/src/runner/runProgress';
import type { RevisionInfo } from '../../server/src/runner/helperProtocol';
import type { RevisionVerifyResult, VerifyResult, VerifyStepResult } from '../../server/src/runner/verify';

const passed = (step: VerifyStepResult['step'], revision: string): VerifyStepResult => ({
  step,
  status: 'passed',
  command: `${step} ${revision}`,
  durationMs: 10,
});

function revision(id: string, status: RevisionVerifyResult['status'], failedStep?: 'downgrade' | 'upgrade again') {
  const steps: VerifyStepResult[] =
    status === 'not run'
      ? []
      : failedStep === 'downgrade'
        ? [
            passed('upgrade', id),
            {
              step: 'downgrade',
              status: 'failed',
              command: `downgrade ${id}`,
              durationMs: 5,
              message: `leak in ${id}`,
            },
          ]
        : failedStep === 'upgrade again'
          ? [
              passed('upgrade', id),
              passed('downgrade', id),
              {
                step: 'upgrade again',
                status: 'failed',
                command: `upgrade ${id}`,
                durationMs: 5,
                message: `dup in ${id}`,
              },
            ]
          : [passed('upgrade', id), passed('downgrade', id), passed('upgrade again', id)];
  return { revision: id, parents: [], doc: `doc ${id}`, path: `/p/${id}.py`, status, steps };
}

const keepGoing: VerifyResult = {
  ok: false,
  durationMs: 2000,
  keepGoing: true,
  revisions: [
    revision('0001', 'passed'),
    revision('0002', 'failed', 'downgrade'),
    revision('0003', 'passed'),
    revision('0004', 'failed', 'upgrade again'),
    { ...revision('0005', 'not run'), notRunReason: 'its parent 0004 cannot be applied' },
  ],
  failure: { revision: '0002', step: 'downgrade', message: 'leak in 0002', path: '/p/0002.py', line: 12 },
  failures: [
    { revision: '0002', step: 'downgrade', message: 'leak in 0002', path: '/p/0002.py', line: 12 },
    { revision: '0004', step: 'upgrade again', message: 'dup in 0004', path: '/p/0004.py', line: 30 },
  ],
};

const info = (id: string): RevisionInfo => ({
  revision: id,
  downRevisions: [],
  dependencies: [],
  branchLabels: [],
  path: `/p/${id}.py`,
  doc: `doc ${id}`,
  isHead: false,
  isBase: false,
  isMerge: false,
  isBranchPoint: false,
});

describe('Results view: runner feedback (issue 14, point 5)', () => {
  it("a failing row's cause leaves out what the row already says (revision, step); the tooltip keeps it all", () => {
    const leaky = revision('0002', 'failed', 'downgrade');
    const step = leaky.steps[1]!;
    step.message = 'downgrade of 0002 does not restore the schema of 0001: index ix_email is left behind';
    step.differences = [
      {
        change: 'extra',
        objectType: 'index',
        name: 'ix_email',
        message: 'index ix_email is left behind',
      },
    ];
    const broken = revision('0003', 'failed', 'downgrade');
    const result: VerifyResult = {
      ok: false,
      durationMs: 100,
      keepGoing: true,
      revisions: [leaky, broken],
      failures: [
        { revision: '0002', step: 'downgrade', message: step.message, path: null },
        { revision: '0003', step: 'downgrade', message: 'downgrade of 0003 failed: NotImplementedError', path: null },
      ],
    };
    const rows = buildResultNodes(result);
    assert.deepEqual(
      rows.map((r) => r.description?.split(' · ')[0]),
      ['downgrade: index ix_email is left behind', 'downgrade: NotImplementedError'],
    );
    assert.match(rows[0]?.tooltip ?? '', /does not restore the schema of 0001: index ix_email is left behind/);
  });

  it('shows every failing revision of a keep-going run with its step and cause, each opening its own line', () => {
    const nodes = buildResultNodes(keepGoing);
    assert.deepEqual(
      nodes.map((n) => n.label),
      ['✓ 0001', '✗ 0002', '✓ 0003', '✗ 0004', '· 0005'],
    );
    const failed = nodes.filter((n) => n.status === 'failed');
    assert.deepEqual(
      failed.map((n) => n.description?.split(' · ')[0]),
      ['downgrade: leak in 0002', 'upgrade again: dup in 0004'],
    );
    assert.deepEqual(
      failed.map((n) => n.line),
      [12, 30],
    );
    assert.match(nodes[4]?.tooltip ?? '', /its parent 0004 cannot be applied/);
    assert.doesNotMatch(nodes[4]?.tooltip ?? '', /stops at the first failure/);
    assert.equal(
      summarizeResult(keepGoing),
      '✗ 2 of 5 revision(s) passed: 2 failed: 0002 (downgrade), 0004 (upgrade again) (2.0 s)',
    );
  });

  it('marks a cancelled run and a result from the previous session', () => {
    const partial: VerifyResult = {
      ...keepGoing,
      revisions: keepGoing.revisions.slice(0, 2).concat(revision('0003', 'not run')),
    };
    partial.failures = keepGoing.failures?.slice(0, 1);
    assert.equal(
      summarizeResult(partial, { cancelled: true }),
      'Cancelled: 1 revision(s) passed before the run was stopped; failed: 0002 (downgrade) (2.0 s)',
    );
    const nodes = buildResultNodes(partial, { cancelled: true });
    assert.equal(nodes[2]?.description, 'doc 0003 · not run (cancelled)');
    assert.match(nodes[2]?.tooltip ?? '', /cancelled/);
    assert.match(summarizeResult(keepGoing, { previousSession: true }), /^\(previous session\) ✗ 2 of 5/);
  });

  it('accumulates the reported steps into a partial result and says what runs next', () => {
    const progress = new RunProgress(true);
    assert.equal(progress.text, 'running: starting');
    progress.step(info('0001'), passed('upgrade', '0001'), 0, 3);
    assert.equal(progress.text, 'running: downgrade 0001 (1/3)');
    assert.deepEqual(
      progress.result().revisions.map((r) => r.status),
      ['not run'],
      'a revision under way is not passed yet',
    );
    progress.step(info('0001'), passed('downgrade', '0001'), 0, 3);
    progress.step(info('0001'), passed('upgrade again', '0001'), 0, 3);
    assert.equal(progress.text, 'running: revision 2/3 (after 0001 ✓)');
    progress.step(info('0002'), passed('upgrade', '0002'), 1, 3);
    progress.step(
      info('0002'),
      { step: 'downgrade', status: 'failed', command: 'downgrade 0001', durationMs: 3, message: 'leak' },
      1,
      3,
    );
    assert.equal(progress.text, 'running: revision 3/3 (after 0002 ✗)');
    const result = progress.result();
    assert.deepEqual(
      result.revisions.map((r) => [r.revision, r.status, r.steps.length]),
      [
        ['0001', 'passed', 3],
        ['0002', 'failed', 2],
      ],
    );
    assert.deepEqual(
      result.failures?.map((f) => `${f.revision} ${f.step} ${f.message}`),
      ['0002 downgrade leak'],
    );
    assert.deepEqual(
      buildResultNodes(result).map((n) => n.label),
      ['✓ 0001', '✗ 0002'],
    );
    assert.equal(progressText('0009', passed('upgrade again', '0009'), 8, 9), 'finishing (9/9)');
  });
});

// A verification as it goes: the steps the service reported so far, as a partial VerifyResult (what
// the Results view shows while a run goes, and what is kept when it is cancelled), and the line
// "running: downgrade 0003 (3/6)" for the view's description. No vscode import (tested with mocha).
import type { RevisionInfo } from '../../../server/src/runner/helperProtocol';
import type {
  RevisionVerifyResult,
  VerifyFailure,
  VerifyResult,
  VerifyStepResult,
} from '../../../server/src/runner/verify';
import { VERIFY_STEPS } from '../../../server/src/runner/verify';

export class RunProgress {
  private readonly revisions = new Map<string, RevisionVerifyResult>();
  private readonly failures: VerifyFailure[] = [];
  private readonly began = Date.now();
  /** "running: downgrade 0003 (3/6)", updated at every step. */
  text = 'running: starting';

  constructor(private readonly keepGoing: boolean) {}

  /** Records one step the service reported (its onStep) and says what runs next. */
  step(revision: RevisionInfo, step: VerifyStepResult, index: number, total: number): void {
    let row = this.revisions.get(revision.revision);
    if (!row) {
      row = {
        revision: revision.revision,
        parents: revision.downRevisions,
        doc: revision.doc,
        path: revision.path,
        // Passed only once its last step passed: a revision the run is still in (or was cancelled in) is not.
        status: 'not run',
        steps: [],
      };
      this.revisions.set(revision.revision, row);
    }
    row.steps.push(step);
    if (step.status === 'passed' && row.status === 'not run' && step.step === VERIFY_STEPS[VERIFY_STEPS.length - 1])
      row.status = 'passed';
    if (step.status === 'failed') {
      row.status = 'failed';
      this.failures.push({
        revision: revision.revision,
        step: step.step,
        message: step.message ?? step.error?.message ?? `${step.step} failed`,
        path: revision.path,
      });
    }
    this.text = progressText(revision.revision, step, index, total);
  }

  /** What ran so far, in the shape of a finished run (revisions not reached are simply absent). */
  result(): VerifyResult {
    const failures = [...this.failures];
    return {
      ok: false,
      revisions: [...this.revisions.values()].map((r) => ({ ...r, steps: [...r.steps] })),
      ...(failures[0] ? { failure: failures[0] } : {}),
      failures,
      keepGoing: this.keepGoing,
      durationMs: Date.now() - this.began,
    };
  }
}

/** The step that runs after `step` of revision `revision` (index of total), in the view's words. */
export function progressText(revision: string, step: VerifyStepResult, index: number, total: number): string {
  const next = VERIFY_STEPS[VERIFY_STEPS.indexOf(step.step) + 1];
  if (step.status === 'passed' && next) return `running: ${next} ${revision} (${index + 1}/${total})`;
  if (index + 1 >= total) return `finishing (${total}/${total})`;
  return `running: revision ${index + 2}/${total} (after ${revision} ${step.status === 'passed' ? '✓' : '✗'})`;
}

// SW510's findings, made from a verification result by the runner's callers: the editor (in the
// extension host, where the runner runs) and `schema-warden verify --format json`. Here, beside the
// runner, so that the client reads them without importing the rules; the rule module
// (rules/SW510-round-trip.ts) declares the rule's metadata and re-exports these.
import { ruleDocUrl } from '../shared/docsUrl';
import type { Severity } from '../shared/severity';
import type { RevisionVerifyResult, VerifyResult, VerifyStepName, VerifyStepResult } from './verify';

export const ROUND_TRIP_RULE_ID = 'SW510';
export const ROUND_TRIP_RULE_NAME = 'round-trip';
const ID = ROUND_TRIP_RULE_ID;
const NAME = ROUND_TRIP_RULE_NAME;

/** One SW510 finding, as the editor and `schema-warden verify --format json` report it. */
export interface RoundTripDiagnostic {
  ruleId: typeof ID;
  ruleName: typeof NAME;
  severity: Severity;
  source: 'schema-warden';
  docsUrl: string;
  /** The failing revision's file. */
  path: string;
  /** 1-based line: the line that raised, else the `def upgrade` / `def downgrade` line, else 1. */
  line: number;
  revision: string;
  step: VerifyStepName;
  message: string;
}

const FIX_HINTS: Record<VerifyStepName, string> = {
  upgrade: "Fix upgrade() so that it runs on its parent's schema.",
  downgrade: 'Make downgrade() undo everything upgrade() does, in reverse order.',
  'upgrade again':
    "Make downgrade() restore exactly the parent's schema, so that upgrade() runs again and gives the same result.",
};

/** The diagnostics a verification result stands for: none when it passed, one per failure otherwise. */
export function roundTripDiagnostics(result: VerifyResult): RoundTripDiagnostic[] {
  const failures = result.failures ?? (result.failure ? [result.failure] : []);
  return failures.flatMap((failure) => {
    if (!failure.path) return [];
    const revision = result.revisions.find((r) => r.revision === failure.revision);
    const step = revision?.steps.find((s) => s.status === 'failed' && s.step === failure.step);
    return [
      {
        ruleId: ID,
        ruleName: NAME,
        severity: 'error' as const,
        source: 'schema-warden' as const,
        docsUrl: ruleDocUrl(ID, NAME),
        path: failure.path,
        line: failure.line !== undefined && failure.line > 0 ? failure.line : 1,
        revision: failure.revision,
        step: failure.step,
        message: roundTripMessage(failure.revision, failure.step, failure.message, step, revision),
      },
    ];
  });
}

/** Says which step failed, then the exact differences (one a line) or Postgres' error and SQL, then what to do. */
export function roundTripMessage(
  revisionId: string,
  stepName: VerifyStepName,
  summary: string,
  step?: VerifyStepResult,
  revision?: RevisionVerifyResult,
): string {
  const parents = revision?.parents.length ? revision.parents.join(', ') : 'the base';
  const lines = [
    `Round trip of revision ${revisionId} failed at the "${stepName}" step${step ? ` (alembic ${step.command})` : ''}` +
      `${stepName === 'downgrade' ? `, back to ${parents}` : ''}.`,
  ];
  if (step?.differences?.length) {
    for (const difference of step.differences) lines.push(`• ${difference.message}`);
  } else if (step?.error) {
    lines.push(`${step.error.type}: ${step.error.message}`);
    if (step.error.detail) lines.push(step.error.detail);
    if (step.error.sql) lines.push(`SQL: ${oneLine(step.error.sql)}`);
  } else {
    lines.push(summary);
  }
  lines.push(FIX_HINTS[stepName]);
  return lines.join('\n');
}

function oneLine(sql: string): string {
  const flat = sql.replace(/\s+/g, ' ').trim();
  return flat.length > 300 ? `${flat.slice(0, 297)}…` : flat;
}

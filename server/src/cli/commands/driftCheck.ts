// `schema-warden verify --drift DEV_URL [--metadata module:attribute]`: the drift check from the
// command line. The developer's database is only read; the fresh reference database is made on
// the chosen target (docker, local binaries or --url) and dropped afterwards.
import type { EnvMode } from '../../runner/alembicHelper';
import { checkDrift, type AutogenerateOutcome, type DriftResult } from '../../runner/drift';
import { formatMs, type RunnerLog } from '../../runner/log';
import type { PythonChoice } from '../../runner/pythonDiscovery';
import { withRunSession } from '../../runner/runSession';
import { redactUrl, type Target } from '../../runner/targets/target';
import { EXIT_FAILURE_FOUND, EXIT_OK, EXIT_SETUP_PROBLEM, withInterruptAbort, type CommandIo } from './runnerOptions';
import { definedOnly } from '../../shared/definedOnly';

export interface DriftCheckCommand {
  io: CommandIo;
  projectDir: string;
  format: 'text' | 'json';
  target: Target;
  python: PythonChoice;
  configFile: string;
  /** The named section of the config file (`alembic -n`). */
  iniSection?: string;
  urlEnvVar?: string;
  envMode?: EnvMode;
  flaskApp?: string;
  developerUrl: string;
  metadata?: string;
  controller: AbortController;
  log?: RunnerLog;
}

/** Runs the drift check; throws setup problems for the caller to report (exit 2). */
export async function runDriftCheck(command: DriftCheckCommand): Promise<number> {
  const { io, format, log } = command;
  const began = performance.now();
  const outcome = await withInterruptAbort(command.controller, () =>
    withRunSession(
      {
        projectDir: command.projectDir,
        target: command.target,
        python: command.python,
        configFile: command.configFile,
        signal: command.controller.signal,
        ...definedOnly({
          log,
          urlEnvVar: command.urlEnvVar || undefined,
          envMode: command.envMode || undefined,
          iniSection: command.iniSection || undefined,
          flaskApp: command.flaskApp || undefined,
        }),
      },
      async (session) => {
        if (format === 'text') {
          io.stdout(`Schema Warden drift check — ${command.projectDir}\n`);
          io.stdout(`Database: ${redactUrl(command.developerUrl)}\n`);
          io.stdout(`Reference: ${session.target.describe()} (${session.target.reason})\n`);
          io.stdout(
            `Alembic ${session.helper.hello.alembic} / SQLAlchemy ${session.helper.hello.sqlalchemy} ` +
              `with ${session.python.python} (${session.python.source})\n\n`,
          );
        }
        const result = await checkDrift({
          helper: session.helper,
          developerUrl: command.developerUrl,
          referenceServerUrl: session.target.url(),
          ...definedOnly({ metadata: command.metadata || undefined, log }),
        });
        return {
          result,
          target: { kind: session.target.kind, description: session.target.describe(), reason: session.target.reason },
          alembic: session.helper.hello.alembic,
          sqlalchemy: session.helper.hello.sqlalchemy,
          python: session.python,
        };
      },
    ),
  );
  const totalMs = performance.now() - began;
  if (format === 'json') {
    io.stdout(
      `${JSON.stringify({ projectDir: command.projectDir, database: redactUrl(command.developerUrl), ...outcome, totalMs: Math.round(totalMs) }, null, 2)}\n`,
    );
  } else {
    io.stdout(renderDriftText(outcome.result, totalMs));
  }
  return driftExitCode(outcome.result);
}

/** 1 when drift or a models/migrations difference was found; 2 when named models could not be loaded; else 0. */
export function driftExitCode(result: DriftResult): number {
  if (!result.ok || (result.autogenerate.status === 'compared' && result.autogenerate.findings.length > 0))
    return EXIT_FAILURE_FOUND;
  if (result.autogenerate.status === 'failed') return EXIT_SETUP_PROBLEM;
  return EXIT_OK;
}

export function renderDriftText(result: DriftResult, totalMs: number): string {
  const at = result.revisions.join(', ') || 'base';
  const lines = [`Database vs. a fresh database migrated to ${at}:`];
  if (result.differences.length === 0) lines.push('  ✓ no drift');
  else {
    lines.push(
      `  ✗ ${result.differences.length} change(s) made outside Alembic (the policy forbids it: write a revision for them):`,
    );
    for (const d of result.differences) lines.push(`      ${d.message}`);
  }
  lines.push('', ...renderAutogenerate(result.autogenerate, at), '');
  const modelsDiffer = result.autogenerate.status === 'compared' && result.autogenerate.findings.length > 0;
  const verdict = !result.ok || modelsDiffer ? 'FAILED' : result.autogenerate.status === 'failed' ? 'INCOMPLETE' : 'OK';
  lines.push(`Drift check ${verdict} at ${at} (${formatMs(totalMs)})`);
  return `${lines.join('\n')}\n`;
}

function renderAutogenerate(outcome: AutogenerateOutcome, at: string): string[] {
  switch (outcome.status) {
    case 'skipped':
      return ['Models vs. migrations (Alembic autogenerate): skipped — ' + outcome.reason];
    case 'failed':
      return [
        `Models vs. migrations (Alembic autogenerate, ${outcome.metadata}): could not compare: ${outcome.error.type}: ${outcome.error.message}`,
      ];
    case 'compared': {
      const head = `Models vs. migrations (Alembic autogenerate, ${outcome.metadata}, ${outcome.tables} table(s)) at ${at}:`;
      if (outcome.findings.length === 0) return [head, '  ✓ the models match the migrations'];
      return [
        head,
        `  ✗ ${outcome.findings.length} difference(s) no revision covers (alembic revision --autogenerate would write them):`,
        ...outcome.findings.map((f) => `      ${f.message}`),
      ];
    }
  }
}

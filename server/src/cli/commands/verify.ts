// `schema-warden verify`: round-trips every revision of an Alembic project on a throwaway
// PostgreSQL and reports the first migration that does not come back down cleanly (every one with
// --keep-going).
// Exit codes: 0 all good, 1 a failure found, 2 a setup problem (the message says what to install).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseCommandArgs } from '../args';
import { ENV_MODES, type EnvMode } from '../../runner/alembicHelper';
import type { HelperEnvironment } from '../../runner/helperProtocol';
import { alembicRunLocation } from '../../model/discovery';
import { discoverPython, projectVenv } from '../../runner/pythonDiscovery';
import { formatMs } from '../../runner/log';
import { describeTableLock, summarizeLocks } from '../../runner/lockSummary';
import { runDriftCheck } from './driftCheck';
import { withRunSession } from '../../runner/runSession';
import { selectTarget } from '../../runner/targets/select';
import type { TargetKind } from '../../runner/targets/target';
import {
  describeError,
  functionLine,
  verifyRoundTrips,
  type RevisionVerifyResult,
  type VerifyResult,
} from '../../runner/verify';
import { roundTripDiagnostics } from '../../runner/roundTripDiagnostics';
import { ConfigError, loadConfig } from '../../config/config';
import {
  EXIT_FAILURE_FOUND,
  EXIT_OK,
  EXIT_SETUP_PROBLEM,
  reportSetupProblem,
  withInterruptAbort,
  type CommandIo,
} from './runnerOptions';
import { definedOnly } from '../../shared/definedOnly';

export const VERIFY_USAGE = `Usage: schema-warden verify [options] [PROJECT_DIR]

Round-trips every revision (upgrade, downgrade, upgrade again) on a throwaway PostgreSQL and
compares schema snapshots after each step; with \`baseline\` configured, only the revisions after it
(--all: every one). PROJECT_DIR is the project's root (default: .), where
alembic.ini is (or migrations/alembic.ini, Flask-Migrate's layout); Alembic runs there as it would
for you. Every SQLAlchemy engine env.py creates is pointed at the throwaway database, whatever URL
it computed; env.py never reaches another database.

Options:
  --target docker|local|url   where to run (default: Docker if an engine answers, else local binaries)
  --url URL                   database server for --target url (loopback only unless --allow-remote-hosts);
                              a scratch database is created there and dropped afterwards
  --from REV                  first revision to verify (its ancestors are applied unchecked)
  --all                       also round-trip the accepted history (by default the revisions up to
                              \`baseline\` in [tool.schema-warden] are applied unchecked)
  --to REV                    last revision (default: all heads)
  --format text|json          output format (default: text)
  --keep-going                after a failing revision, rebuild the database at the next revision's
                              parent and go on: every failing revision is reported
  --python PATH               Python with Alembic and the project's dependencies (default:
                              PROJECT_DIR/.venv or venv, else python3)
  --env project|builtin       which env.py runs the revisions: the project's (default), or Schema
                              Warden's own (script location, throwaway database, no app import) for
                              an env.py that needs production secrets or services
  --flask-app APP             the Flask application a Flask-Migrate env.py runs in, as FLASK_APP
                              (default: FLASK_APP, else wsgi.py or app.py in PROJECT_DIR)
  --config FILE               Alembic config file, relative to PROJECT_DIR (default: alembic.ini,
                              else migrations/alembic.ini)
  -n, --name SECTION          the section of the config file to run, as \`alembic -n SECTION\` (for an
                              alembic.ini keeping its histories in named sections such as [core] and
                              [tenant]; default: the only one, else each in turn, one scratch
                              database each, reported together)
  --url-env NAME              environment variable set to the throwaway database's URL for env.py
                              (default: DATABASE_URL)
  --pg-version N              PostgreSQL major version (default: 15)
  --image IMAGE               Docker image (default: postgres:<pg-version>)
  --allow-remote-hosts        allow a non-loopback --url
  --drift DEV_URL             instead of round trips: check the database at DEV_URL (only read) for
                              drift against a fresh database on the target migrated to its revision
  --metadata MODULE:ATTR      with --drift: also run Alembic's autogenerate comparison of the models
                              (e.g. myapp.models:Base.metadata, imported from PROJECT_DIR)
  --verbose                   log every command and its timing to stderr
  -h, --help                  this help

Exit codes: 0 every round trip passed (no drift), 1 a migration failed (drift or models that no
revision covers), 2 setup problem (also: the --metadata models could not be loaded).`;

const TARGET_KINDS = ['docker', 'local', 'url'] as const;

export async function runVerifyCommand(argv: string[], io: CommandIo): Promise<number> {
  const parsed = parseCommandArgs('verify', VERIFY_USAGE, argv, io, {
    target: { type: 'string' },
    url: { type: 'string' },
    from: { type: 'string' },
    all: { type: 'boolean', default: false },
    to: { type: 'string' },
    format: { type: 'string', default: 'text' },
    python: { type: 'string' },
    'keep-going': { type: 'boolean', default: false },
    env: { type: 'string' },
    'flask-app': { type: 'string' },
    config: { type: 'string' },
    name: { type: 'string', short: 'n' },
    'url-env': { type: 'string' },
    'pg-version': { type: 'string' },
    image: { type: 'string' },
    'allow-remote-hosts': { type: 'boolean', default: false },
    drift: { type: 'string' },
    metadata: { type: 'string' },
    verbose: { type: 'boolean', short: 'v', default: false },
  });
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const format = values.format;
  if (format !== 'text' && format !== 'json') return usageError(io, `--format must be text or json, not "${format}"`);
  if (values.target !== undefined && !(TARGET_KINDS as readonly string[]).includes(values.target))
    return usageError(io, `--target must be docker, local or url, not "${values.target}"`);
  if (positionals.length > 1) return usageError(io, `one PROJECT_DIR at most (got ${positionals.join(', ')})`);
  const major = values['pg-version'] !== undefined ? Number(values['pg-version']) : undefined;
  if (major !== undefined && !Number.isInteger(major))
    return usageError(io, `--pg-version must be a major version number such as 15`);
  if (values.metadata !== undefined && values.drift === undefined)
    return usageError(
      io,
      '--metadata goes with --drift DEV_URL (the models are compared with the migrations during a drift check)',
    );
  if (values.drift !== undefined && (values.from !== undefined || values.to !== undefined))
    return usageError(io, '--from/--to choose round trips; --drift checks the database at the revision it is at');

  if (values.env !== undefined && !(ENV_MODES as readonly string[]).includes(values.env))
    return usageError(io, `--env must be project or builtin, not "${values.env}"`);
  const envMode = (values.env ?? 'project') as EnvMode;

  const projectDir = path.resolve(io.cwd, positionals[0] ?? '.');
  const configFile = values.config ?? defaultConfigFile(projectDir);
  if (!fs.existsSync(path.join(projectDir, configFile))) {
    io.stderr(
      `schema-warden verify: no ${configFile} in ${projectDir}` +
        `${values.config ? '' : ' (nor migrations/alembic.ini)'}.\nRun it in (or pass) your ` +
        `project's root, where Alembic's ${configFile} is.\n`,
    );
    return EXIT_SETUP_PROBLEM;
  }
  // alembic.ini keeping its histories in named sections ([core], [tenant]; `alembic -n core`).
  const location = alembicRunLocation(path.join(projectDir, configFile));
  const named = location.sections ?? (location.section ? [location.section] : []);
  if (values.name !== undefined && named.length > 0 && !named.includes(values.name))
    return usageError(
      io,
      `${configFile} has no history in a section [${values.name}]: its sections are ${named.map((n) => `[${n}]`).join(', ')}`,
    );
  const sections: (string | undefined)[] =
    values.name !== undefined ? [values.name] : named.length ? named : [undefined];
  if (values.drift !== undefined && sections.length > 1)
    return usageError(
      io,
      `${configFile} keeps ${sections.length} histories (${named.join(', ')}): name the one the database at --drift follows with --name`,
    );
  // The accepted history (`baseline`) is applied unchecked, as --from does, unless --all or --from says otherwise.
  let after: readonly string[] = [];
  try {
    if (!values.all && values.from === undefined) after = loadConfig(projectDir).baseline;
  } catch (error) {
    if (error instanceof ConfigError) return usageError(io, `configuration error: ${error.message}`);
    throw error;
  }
  const python = discoverPython({
    // A path is the user's, relative to where they typed it (Alembic runs in PROJECT_DIR); a bare
    // name (python3.12) is looked up on PATH.
    configured: values.python?.includes(path.sep) ? path.resolve(io.cwd, values.python) : values.python,
    configuredSource: '--python',
    workspaceDir: projectVenv(projectDir) ? projectDir : io.cwd,
  });
  const log = values.verbose ? (message: string) => io.stderr(`[verify] ${message}\n`) : undefined;
  const controller = new AbortController();

  try {
    // A stopped target does not start again: each history verified in turn gets its own.
    const chooseTarget = () =>
      selectTarget({
        kind: (values.target as TargetKind | undefined) ?? 'auto',
        allowRemoteHosts: values['allow-remote-hosts'],
        ...definedOnly({ url: values.url || undefined, postgresMajor: major, image: values.image || undefined, log }),
      });
    const target = await chooseTarget();
    if (values.drift !== undefined) {
      return await runDriftCheck({
        io,
        projectDir,
        format,
        target,
        python,
        configFile,
        developerUrl: values.drift,
        ...definedOnly({ iniSection: sections[0] }),
        controller,
        envMode,
        ...definedOnly({
          flaskApp: values['flask-app'] || undefined,
          metadata: values.metadata || undefined,
          urlEnvVar: values['url-env'] || undefined,
          log,
        }),
      });
    }
    const began = performance.now();
    const verifySection = async (section: string | undefined) => {
      const sectionTarget = section === sections[0] ? target : await chooseTarget();
      return withInterruptAbort(controller, () =>
        withRunSession(
          {
            projectDir,
            target: sectionTarget,
            python,
            configFile,
            signal: controller.signal,
            envMode,
            ...definedOnly({
              log,
              iniSection: section,
              urlEnvVar: values['url-env'] || undefined,
              flaskApp: values['flask-app'] || undefined,
            }),
          },
          async (session) => {
            if (format === 'text') {
              if (section === sections[0]) {
                io.stdout(`Schema Warden verify — ${projectDir}\n`);
                if (after.length)
                  io.stdout(
                    `Baseline ${after.join(', ')}: the accepted history is applied unchecked (--all round-trips it too)\n`,
                  );
                io.stdout(`Target: ${session.target.describe()} (${session.target.reason})\n`);
                io.stdout(
                  `Alembic ${session.helper.hello.alembic} / SQLAlchemy ${session.helper.hello.sqlalchemy} ` +
                    `with ${session.helper.hello.python} (${session.python.source})\n\n`,
                );
              }
              if (section !== undefined) io.stdout(`${sectionHeading(section, configFile, sections.length)}\n`);
            }
            const result = await verifyRoundTrips({
              helper: session.helper,
              databaseUrl: session.database.url,
              keepGoing: values['keep-going'],
              rebuildDatabase: () => session.database.recreate(),
              signal: controller.signal,
              ...definedOnly({
                from: values.from || undefined,
                to: values.to || undefined,
                after: after.length ? after : undefined,
                log,
              }),
            });
            return {
              ...definedOnly({ section }),
              result,
              target: {
                kind: session.target.kind,
                description: session.target.describe(),
                reason: session.target.reason,
              },
              alembic: session.helper.hello.alembic,
              sqlalchemy: session.helper.hello.sqlalchemy,
              python: { ...session.python, python: session.helper.hello.python },
              environment: describeEnvironment(session.helper.environment, envMode, projectDir),
            };
          },
        ),
      );
    };
    // Several histories: each in turn, on its own scratch database, reported together.
    const outcomes: Awaited<ReturnType<typeof verifySection>>[] = [];
    for (const section of sections) {
      const sectionBegan = performance.now();
      try {
        const outcome = await verifySection(section);
        outcomes.push(outcome);
        if (format === 'text' && sections.length > 1)
          io.stdout(
            `${renderText(outcome.result, projectDir, performance.now() - sectionBegan, outcome.environment)}\n`,
          );
      } catch (error) {
        // Which history could not be set up, when there are several.
        if (section !== undefined && sections.length > 1 && !controller.signal.aborted)
          io.stderr(`schema-warden verify: in section [${section}] of ${configFile}:\n`);
        throw error;
      }
    }
    const totalMs = performance.now() - began;
    const ok = outcomes.every((o) => o.result.ok);
    const [only] = outcomes;
    if (format === 'json') {
      // `diagnostics`: the SW510 findings, placed as the editor places them (file, line, message).
      const withDiagnostics = (o: (typeof outcomes)[number]) => ({ ...o, diagnostics: roundTripDiagnostics(o.result) });
      const report =
        outcomes.length === 1 && only
          ? { projectDir, ...withDiagnostics(only), totalMs: Math.round(totalMs) }
          : { projectDir, ok, sections: outcomes.map(withDiagnostics), totalMs: Math.round(totalMs) };
      io.stdout(`${JSON.stringify(report, null, 2)}\n`);
    } else if (outcomes.length === 1 && only) {
      io.stdout(renderText(only.result, projectDir, totalMs, only.environment));
    } else {
      io.stdout(
        `Sections ${ok ? 'OK' : 'FAILED'}: ${outcomes.map((o) => `[${o.section}] ${o.result.ok ? 'ok' : 'failed'}`).join(', ')} ` +
          `(${formatMs(totalMs)})\n`,
      );
    }
    return ok ? EXIT_OK : EXIT_FAILURE_FOUND;
  } catch (error) {
    if (error instanceof Error && /^(no revision|revision ".*" is ambiguous)/.test(error.message))
      return usageError(
        io,
        after.length && values.to === undefined
          ? `configuration error: \`baseline\` (${after.join(', ')}): ${error.message}; \`schema-warden baseline --write\` records the current heads`
          : error.message,
      );
    return reportSetupProblem('verify', error, io);
  }
}

/** Which history of the config file is verified, e.g. "Section [core] of alembic.ini (alembic -n core):". */
function sectionHeading(section: string, configFile: string, count: number): string {
  const inTurn = count > 1 ? `, one of ${count} verified in turn, each on its own scratch database` : '';
  return `Section [${section}] of ${configFile} (alembic -n ${section})${inTurn}:`;
}

function usageError(io: CommandIo, message: string): number {
  io.stderr(`schema-warden verify: ${message}\n\n${VERIFY_USAGE}\n`);
  return EXIT_SETUP_PROBLEM;
}

/** A plain Alembic project has alembic.ini at the root; Flask-Migrate keeps it in migrations/. */
function defaultConfigFile(projectDir: string): string {
  if (fs.existsSync(path.join(projectDir, 'alembic.ini'))) return 'alembic.ini';
  const flaskMigrate = path.join(projectDir, 'migrations', 'alembic.ini');
  if (fs.existsSync(flaskMigrate)) {
    const location = alembicRunLocation(flaskMigrate);
    if (location.projectDir === projectDir) return location.configFile;
  }
  return 'alembic.ini';
}

/** What ran the revisions, for the output: which env.py, which Flask app, which URLs were redirected. */
export interface EnvironmentReport {
  mode: EnvMode;
  envFile: string | null;
  flaskApp: string | null;
  redirectedFrom: string[];
  /** One sentence saying all of it. */
  summary: string;
}

function describeEnvironment(
  reported: HelperEnvironment | undefined,
  mode: EnvMode,
  projectDir: string,
): EnvironmentReport {
  const envFile = reported?.envFile ?? null;
  const flaskApp = reported?.flaskApp ?? null;
  const redirectedFrom = reported?.redirectedFrom ?? [];
  const parts: string[] = [];
  if (mode === 'builtin')
    parts.push("Schema Warden's built-in env.py (--env builtin: the project's env.py and application were not run)");
  else
    parts.push(
      `the project's ${envFile ? path.relative(projectDir, envFile) : 'env.py'}${flaskApp ? `, inside the Flask application ${flaskApp}` : ''}`,
    );
  parts.push(
    redirectedFrom.length
      ? `every SQLAlchemy engine it created was pointed at the throwaway database instead of ${redirectedFrom.join(', ')}`
      : 'every SQLAlchemy engine it created was pointed at the throwaway database',
  );
  return { mode, envFile, flaskApp, redirectedFrom, summary: `Environment: ${parts.join('; ')}.` };
}

function renderText(result: VerifyResult, projectDir: string, totalMs: number, environment: EnvironmentReport): string {
  const lines: string[] = [];
  const docWidth = Math.min(40, Math.max(0, ...result.revisions.map((r) => r.doc.split('\n')[0]?.length ?? 0)));
  for (const revision of result.revisions) lines.push(...renderRevision(revision, projectDir, docWidth));
  const passed = result.revisions.filter((r) => r.status === 'passed').length;
  const failed = result.revisions.filter((r) => r.status === 'failed').length;
  const notRun = result.revisions.length - passed - failed;
  lines.push('');
  lines.push(environment.summary);
  const failures = result.failures ?? [];
  if (result.keepGoing && failures.length > 0) {
    lines.push(`Failing revisions (${failures.length}):`);
    for (const f of failures) {
      const where = f.path ? ` (${path.relative(projectDir, f.path)}${f.line !== undefined ? `:${f.line}` : ''})` : '';
      lines.push(`  ${f.revision} ${f.step}${where}: ${f.message}`);
    }
  } else if (result.failure) lines.push(`First failure: ${result.failure.message}`);
  const notRunWhy = result.keepGoing ? 'not run (an ancestor could not be applied)' : 'not run after the failure';
  // Worded so that CI's "N passed, N failed" line detection does not mistake it for a test count.
  lines.push(
    `Round trips ${result.ok ? 'OK' : 'FAILED'}: ${passed} of ${result.revisions.length} ` +
      `revision(s) came back down cleanly${failed ? `; ${failed} did not` : ''}${notRun ? `; ${notRun} ${notRunWhy}` : ''} ` +
      `(${formatMs(totalMs)})`,
  );
  return `${lines.join('\n')}\n`;
}

function renderRevision(revision: RevisionVerifyResult, projectDir: string, docWidth: number): string[] {
  const doc = (revision.doc.split('\n')[0] ?? '').slice(0, docWidth).padEnd(docWidth);
  const mark = revision.status === 'passed' ? '✓' : revision.status === 'failed' ? '✗' : '·';
  const timings = revision.steps.map((s) => `${s.step} ${formatMs(s.durationMs)}`).join(' · ');
  if (revision.status !== 'failed')
    return [
      `  ${mark} ${revision.revision}  ${doc}  ${revision.status === 'passed' ? timings : `not run${revision.notRunReason ? `: ${revision.notRunReason}` : ''}`}`,
      ...renderLocks(revision),
    ];
  const failed = revision.steps.find((s) => s.status === 'failed');
  const lines = [`  ${mark} ${revision.revision}  ${doc}  ${failed?.step ?? ''} failed`];
  if (failed?.differences?.length) for (const d of failed.differences) lines.push(`      ${d.message}`);
  else if (failed?.error) lines.push(`      ${describeError(failed.error)}`);
  if (revision.path) {
    const line =
      failed?.error?.file === revision.path && failed.error.line !== undefined
        ? failed.error.line
        : failed
          ? functionLine(revision.path, failed.step)
          : undefined;
    lines.push(`      at ${path.relative(projectDir, revision.path)}${line !== undefined ? `:${line}` : ''}`);
  }
  // After the failure: what the (passed) upgrade locked, when it was traced.
  lines.push(...renderLocks(revision));
  return lines;
}

/** One line per table that existed before the upgrade, with the strongest lock the trace saw on it. */
function renderLocks(revision: RevisionVerifyResult): string[] {
  return summarizeLocks(revision.locks ?? [], revision.rewrites).map(
    (summary) => `      lock ${describeTableLock(summary)}`,
  );
}

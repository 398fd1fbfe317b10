// `schema-warden db start|stop|status`: a local PostgreSQL cluster (from the machine's binaries)
// that outlives the command, for developing against. Its whereabouts go into a small state file so
// that `stop` and `status` find it later.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseCommandArgs } from '../args';
import { LocalClusterTarget, type LocalClusterState } from '../../runner/targets/localCluster';
import { waitForPostgres } from '../../runner/targets/waitForPostgres';
import { EXIT_FAILURE_FOUND, EXIT_OK, EXIT_SETUP_PROBLEM, reportSetupProblem, type CommandIo } from './runnerOptions';
import { definedOnly } from '../../shared/definedOnly';

export const DB_USAGE = `Usage: schema-warden db start|stop|status [options]

  start    start a local PostgreSQL cluster (kept until "db stop") and print its URL
  stop     stop it and delete its data
  status   say whether it runs (exit 0) or not (exit 1)

Options:
  --port N            port on 127.0.0.1 (default: a free one)
  --pg-version N      PostgreSQL major version (default: 15)
  --state-file FILE   where the cluster's whereabouts are kept
                      (default: $SCHEMA_WARDEN_DB_STATE or <tmp>/schema-warden-db.json)
  --format text|json  output format (default: text)
  -h, --help          this help`;

export function defaultStateFile(): string {
  return process.env.SCHEMA_WARDEN_DB_STATE ?? path.join(os.tmpdir(), 'schema-warden-db.json');
}

export async function runDbCommand(argv: string[], io: CommandIo): Promise<number> {
  const parsed = parseCommandArgs('db', DB_USAGE, argv, io, {
    port: { type: 'string' },
    'pg-version': { type: 'string' },
    'state-file': { type: 'string' },
    format: { type: 'string', default: 'text' },
  });
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const action = positionals[0];
  const stateFile = path.resolve(io.cwd, values['state-file'] ?? defaultStateFile());
  const json = values.format === 'json';
  try {
    switch (action) {
      case 'start':
        return await start(io, stateFile, json, values.port, values['pg-version']);
      case 'stop':
        return await stop(io, stateFile, json);
      case 'status':
        return await status(io, stateFile, json);
      default:
        io.stderr(
          `schema-warden db: expected start, stop or status${action ? `, not "${action}"` : ''}\n\n${DB_USAGE}\n`,
        );
        return EXIT_SETUP_PROBLEM;
    }
  } catch (error) {
    return reportSetupProblem(`db ${action}`, error, io);
  }
}

async function start(
  io: CommandIo,
  stateFile: string,
  json: boolean,
  port: string | undefined,
  pgVersion: string | undefined,
): Promise<number> {
  const existing = readState(stateFile);
  if (existing && (await isRunning(existing))) {
    print(
      io,
      json,
      { running: true, alreadyRunning: true, ...existing },
      `A local PostgreSQL is already running: ${existing.url}\n`,
    );
    return EXIT_OK;
  }
  if (existing)
    await LocalClusterTarget.fromState(existing)
      .stop()
      .catch(() => undefined);
  const cluster = new LocalClusterTarget({
    persistent: true,
    ...definedOnly({
      port: port !== undefined ? Number(port) : undefined,
      postgresMajor: pgVersion !== undefined ? Number(pgVersion) : undefined,
    }),
  });
  await cluster.start();
  const state = cluster.state();
  fs.mkdirSync(path.dirname(stateFile), { recursive: true });
  fs.writeFileSync(stateFile, `${JSON.stringify(state, null, 2)}\n`);
  print(
    io,
    json,
    { running: true, startMs: Math.round(cluster.timings.totalStartMs ?? 0), stateFile, ...state },
    `Started ${cluster.describe()} in ${Math.round(cluster.timings.totalStartMs ?? 0)} ms.\n` +
      `${state.url}\n\nexport DATABASE_URL=${state.url}\n\nStop it with: schema-warden db stop\n`,
  );
  return EXIT_OK;
}

async function stop(io: CommandIo, stateFile: string, json: boolean): Promise<number> {
  const state = readState(stateFile);
  if (!state) {
    print(
      io,
      json,
      { running: false, stopped: false },
      'No local PostgreSQL started by "schema-warden db start" (nothing to stop).\n',
    );
    return EXIT_OK;
  }
  await LocalClusterTarget.fromState(state).stop();
  fs.rmSync(stateFile, { force: true });
  print(
    io,
    json,
    { running: false, stopped: true, url: state.url },
    `Stopped the local PostgreSQL at ${state.url} and deleted its data.\n`,
  );
  return EXIT_OK;
}

async function status(io: CommandIo, stateFile: string, json: boolean): Promise<number> {
  const state = readState(stateFile);
  if (!state) {
    print(io, json, { running: false }, 'Not running (no local PostgreSQL started by "schema-warden db start").\n');
    return EXIT_FAILURE_FOUND;
  }
  const version = await serverVersion(state);
  if (!version) {
    print(
      io,
      json,
      { running: false, ...state },
      `Not running: the cluster in ${state.dir} does not answer on port ${state.port}. "schema-warden db stop" cleans it up.\n`,
    );
    return EXIT_FAILURE_FOUND;
  }
  print(
    io,
    json,
    { running: true, serverVersion: version, ...state },
    `Running: PostgreSQL ${version} at ${state.url} (data in ${state.dir}).\n`,
  );
  return EXIT_OK;
}

function readState(file: string): LocalClusterState | undefined {
  try {
    const state = JSON.parse(fs.readFileSync(file, 'utf8')) as LocalClusterState;
    return state.kind === 'local' && typeof state.port === 'number' && typeof state.dir === 'string'
      ? state
      : undefined;
  } catch {
    return undefined;
  }
}

async function serverVersion(state: LocalClusterState): Promise<string | undefined> {
  return waitForPostgres(state.url, { timeoutMs: 1_000, intervalMs: 200 }).catch(() => undefined);
}

async function isRunning(state: LocalClusterState): Promise<boolean> {
  return (await serverVersion(state)) !== undefined;
}

function print(io: CommandIo, json: boolean, data: object, text: string): void {
  io.stdout(json ? `${JSON.stringify(data, null, 2)}\n` : text);
}

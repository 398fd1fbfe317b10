/**
 * The personal settings the editor sends for a resource (`schemaWarden.*` in VS Code; any LSP
 * client answers `workspace/configuration` with section "schemaWarden"). Typed once here: the
 * server reads them, the client's package.json declares them, and test/lsp checks both agree.
 *
 * Precedence (docs/editor.md): the team's `[tool.schema-warden]` defines which rules run and where
 * files are; these settings only add personal severity overrides, and fill paths/versions that the
 * team file leaves at their defaults.
 */
import { isSeverityLevel, type SeverityLevel } from './severity';

/** A personal override of a rule's severity (`schemaWarden.severity`). */
export type SeverityOverride = SeverityLevel;

export interface SchemaWardenSettings {
  /** Turns the extension's diagnostics off for this resource. */
  enable: boolean;
  /** Personal severity overrides by rule id, e.g. `{ "SW206": "info" }`. */
  severity: Record<string, SeverityOverride>;
  /** PostgreSQL major version, when the team file does not set `postgres-version`. */
  postgresVersion: number | null;
  /** Folder of decision records, when the team file does not set `decisions-dir`. */
  decisionsDir: string | null;
  /** Extra globs of revision files, used when the team file sets no `revision-globs`. */
  revisionGlobs: string[];
  /** Folder of the analysis cache, when the team file does not set `cache-dir`. */
  cacheDir: string | null;
  /** The Python interpreter that runs Alembic (client side only; never used by the server). */
  python: string | null;
}

export const SETTINGS_SECTION = 'schemaWarden';

export const DEFAULT_SETTINGS: SchemaWardenSettings = {
  enable: true,
  severity: {},
  postgresVersion: null,
  decisionsDir: null,
  revisionGlobs: [],
  cacheDir: null,
  python: null,
};

/** Accepts whatever a client sent (possibly null, partial or wrong) and returns valid settings. */
export function normalizeSettings(raw: unknown): SchemaWardenSettings {
  const input = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  const severity: Record<string, SeverityOverride> = {};
  if (input.severity && typeof input.severity === 'object' && !Array.isArray(input.severity)) {
    for (const [id, level] of Object.entries(input.severity as Record<string, unknown>)) {
      if (/^SW\d{3}$/.test(id) && isSeverityLevel(level)) severity[id] = level;
    }
  }
  const version =
    typeof input.postgresVersion === 'number' &&
    Number.isInteger(input.postgresVersion) &&
    input.postgresVersion >= 10 &&
    input.postgresVersion <= 30
      ? input.postgresVersion
      : null;
  const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);
  return {
    enable: input.enable !== false,
    severity,
    postgresVersion: version,
    decisionsDir: text(input.decisionsDir),
    revisionGlobs: Array.isArray(input.revisionGlobs)
      ? input.revisionGlobs.filter((g): g is string => typeof g === 'string' && g !== '')
      : [],
    cacheDir: text(input.cacheDir),
    python: text(input.python),
  };
}

/**
 * The migration runner's settings (`schemaWarden.runner.*`), read by the VS Code client only: the
 * language server never starts databases. The URL holds no password; the editor asks for it once
 * and keeps it in its SecretStorage.
 */
export type RunnerTargetSetting = 'auto' | 'docker' | 'local' | 'url';

export interface RunnerSettings {
  /** Where migrations run: auto (Docker when an engine answers, else local binaries), or forced. */
  target: RunnerTargetSetting;
  /** The database server for target `url`, without its password. */
  url: string | null;
  /** Accept a non-loopback host in `url` (the runner downgrades and drops things). */
  allowRemoteHosts: boolean;
  /** Docker image; default `postgres:<postgresVersion>`. */
  dockerImage: string | null;
  /** The environment variable the project's env.py reads the database URL from. */
  databaseUrlEnv: string;
  /** The project's SQLAlchemy MetaData as `module:attribute`, for Alembic's autogenerate comparison in the drift check. */
  metadata: string | null;
  /** Which env.py runs the revisions: the project's own, or Schema Warden's built-in one. */
  env: RunnerEnvSetting;
  /** The Flask application a Flask-Migrate env.py runs in, in FLASK_APP's syntax (null: as `flask` finds it). */
  flaskApp: string | null;
  /** Verification goes on after a failing revision and reports every failure (the sidebar's default). */
  keepGoing: boolean;
}

export type RunnerEnvSetting = 'project' | 'builtin';

export const RUNNER_SETTINGS_SECTION = `${SETTINGS_SECTION}.runner`;

export const DEFAULT_RUNNER_SETTINGS: RunnerSettings = {
  target: 'auto',
  url: null,
  allowRemoteHosts: false,
  dockerImage: null,
  databaseUrlEnv: 'DATABASE_URL',
  metadata: null,
  env: 'project',
  flaskApp: null,
  keepGoing: true,
};

const RUNNER_TARGETS = new Set<string>(['auto', 'docker', 'local', 'url']);

/** Accepts what `getConfiguration('schemaWarden.runner')` gave (possibly wrong) and returns valid settings. */
export function normalizeRunnerSettings(raw: unknown): RunnerSettings {
  const input = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);
  const envName = text(input.databaseUrlEnv);
  return {
    target:
      typeof input.target === 'string' && RUNNER_TARGETS.has(input.target)
        ? (input.target as RunnerTargetSetting)
        : 'auto',
    url: text(input.url),
    allowRemoteHosts: input.allowRemoteHosts === true,
    dockerImage: text(input.dockerImage),
    databaseUrlEnv:
      envName && /^[A-Za-z_][A-Za-z0-9_]*$/.test(envName) ? envName : DEFAULT_RUNNER_SETTINGS.databaseUrlEnv,
    metadata: text(input.metadata),
    env: input.env === 'builtin' ? 'builtin' : 'project',
    flaskApp: text(input.flaskApp),
    keepGoing: input.keepGoing !== false,
  };
}

/**
 * What the client sends in `initialize`'s `initializationOptions`. VS Code's client sends whether
 * the workspace is trusted (and restarts the server when trust is granted); other editors send
 * nothing, which means trusted — they have no workspace trust.
 */
export interface InitializationOptions {
  /** False: the workspace is not trusted, the server starts no program in it (SW108 asks no git). */
  workspaceTrusted?: boolean;
}

/** Whether the server may start programs (git) in the workspace: only an explicit `false` says no. */
export function workspaceTrustedFrom(raw: unknown): boolean {
  return !(raw !== null && typeof raw === 'object' && (raw as InitializationOptions).workspaceTrusted === false);
}

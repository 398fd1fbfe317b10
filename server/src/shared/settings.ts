/**
 * The personal settings the editor sends for a resource (`schemaWarden.*` in VS Code; any LSP
 * client answers `workspace/configuration` with section "schemaWarden"). Typed once here: the
 * server reads them, the client's package.json declares them, and test/lsp checks both agree.
 *
 * Precedence (docs/editor.md): the team's `[tool.schema-warden]` defines which rules run and where
 * files are; these settings only add personal severity overrides, and fill paths/versions that the
 * team file leaves at their defaults.
 */
export type SeverityOverride = 'error' | 'warning' | 'info' | 'off';

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
  python: null,
};

const SEVERITIES = new Set<string>(['error', 'warning', 'info', 'off']);

/** Accepts whatever a client sent (possibly null, partial or wrong) and returns valid settings. */
export function normalizeSettings(raw: unknown): SchemaWardenSettings {
  const input = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  const severity: Record<string, SeverityOverride> = {};
  if (input.severity && typeof input.severity === 'object' && !Array.isArray(input.severity)) {
    for (const [id, level] of Object.entries(input.severity as Record<string, unknown>)) {
      if (/^SW\d{3}$/.test(id) && typeof level === 'string' && SEVERITIES.has(level)) severity[id] = level as SeverityOverride;
    }
  }
  const version = typeof input.postgresVersion === 'number' && Number.isInteger(input.postgresVersion) && input.postgresVersion >= 10 && input.postgresVersion <= 30 ? input.postgresVersion : null;
  const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);
  return {
    enable: input.enable !== false,
    severity,
    postgresVersion: version,
    decisionsDir: text(input.decisionsDir),
    revisionGlobs: Array.isArray(input.revisionGlobs) ? input.revisionGlobs.filter((g): g is string => typeof g === 'string' && g !== '') : [],
    python: text(input.python),
  };
}

import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseToml } from './toml';
import { isSeverityLevel, type Severity, type SeverityLevel } from '../shared/severity';

/**
 * Team-wide configuration: `[tool.schema-warden]` in pyproject.toml, or a `schema-warden.toml`.
 * Keys are kebab-case like ruff's. Personal settings (VS Code) are layered on top by the editor.
 */
export interface SchemaWardenConfig {
  select?: string[];
  ignore?: string[];
  severity?: Record<string, SeverityLevel>;
  'postgres-version'?: number;
  'decisions-dir'?: string;
  'revision-globs'?: string[];
  'application-globs'?: string[];
  'application-exclude'?: string[];
  'fixture-globs'?: string[];
  /** Where the analysis cache lives (default `.schema-warden-cache` at the project root). */
  'cache-dir'?: string;
  /** The accepted history: these revisions and their ancestors are not reported (one id per head). */
  baseline?: string | string[];
}

export interface ResolvedConfig {
  /** The folder the configuration was found in (paths in it are relative to this). */
  root: string;
  /** The file it came from, when there was one. */
  source?: string;
  select?: ReadonlySet<string>;
  ignore: ReadonlySet<string>;
  severity: ReadonlyMap<string, SeverityLevel>;
  postgresVersion: number;
  decisionsDir: string;
  revisionGlobs: readonly string[];
  applicationGlobs: readonly string[];
  applicationExclude: readonly string[];
  fixtureGlobs: readonly string[];
  /**
   * `baseline`: the revisions (one per head) that close the accepted history; they and their
   * ancestors are not reported. Checked against the revision graph by engine/baseline.ts.
   */
  baseline: readonly string[];
  /** `cache-dir`, absolute; undefined: `.schema-warden-cache` at the project root (engine/cache/). */
  cacheDir?: string;
}

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly key: string,
    detail: string,
  ) {
    super(`${file}: ${key ? `\`${key}\` ` : ''}${detail}`);
    this.name = 'ConfigError';
  }
}

const RULE_ID = /^SW\d{3}$/;

export function defaultConfig(root: string): ResolvedConfig {
  return {
    root,
    ignore: new Set(),
    severity: new Map(),
    postgresVersion: 15,
    decisionsDir: path.join(root, 'docs', 'decisions'),
    revisionGlobs: [],
    applicationGlobs: ['**/*.py'],
    applicationExclude: [
      '**/tests/**',
      '**/test_*.py',
      '**/*_test.py',
      '**/migrations/**',
      '**/alembic/**',
      '**/versions/**',
      '**/.venv/**',
      '**/venv/**',
      '**/node_modules/**',
    ],
    fixtureGlobs: ['**/fixtures/**/*.sql', '**/fixtures/**/*.json'],
    baseline: [],
  };
}

/**
 * Finds and reads the configuration for a folder: its own files, then its parents'. Paths in it
 * (`decisions-dir`, globs) are relative to `projectRoot` when given (the project root, see
 * `projectRootOf`), else to the folder the file is in.
 */
export function loadConfig(startDir: string, projectRoot?: string): ResolvedConfig {
  for (let dir = path.resolve(startDir); ; dir = path.dirname(dir)) {
    const dedicated = path.join(dir, 'schema-warden.toml');
    if (fs.existsSync(dedicated)) return resolveConfig(projectRoot ?? dir, dedicated, readToml(dedicated));
    const pyproject = path.join(dir, 'pyproject.toml');
    if (fs.existsSync(pyproject)) {
      const table = (readToml(pyproject).tool as Record<string, unknown> | undefined)?.['schema-warden'];
      if (table !== undefined) return resolveConfig(projectRoot ?? dir, pyproject, table, 'tool.schema-warden.');
    }
    if (fs.existsSync(path.join(dir, '.git')) || path.dirname(dir) === dir)
      return defaultConfig(projectRoot ?? path.resolve(startDir));
  }
}

function readToml(file: string): Record<string, unknown> {
  try {
    return parseToml(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    const e = err as { line?: number; column?: number; message?: string };
    const where = e.line ? ` (line ${e.line}, column ${e.column ?? 1})` : '';
    throw new ConfigError(file, '', `is not valid TOML${where}: ${(e.message ?? String(err)).split('\n')[0]}`);
  }
}

/** Validates a raw table and fills in defaults. Every problem names its key. */
export function resolveConfig(root: string, file: string, raw: unknown, keyPrefix = ''): ResolvedConfig {
  const config = defaultConfig(root);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new ConfigError(file, keyPrefix.replace(/\.$/, ''), 'must be a table');
  const table = raw as Record<string, unknown>;
  const key = (k: string): string => keyPrefix + k;
  const stringList = (k: string): string[] | undefined => {
    const v = table[k];
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
      throw new ConfigError(file, key(k), 'must be a list of strings');
    return v as string[];
  };
  const ruleList = (k: string): string[] | undefined => {
    const list = stringList(k);
    for (const id of list ?? [])
      if (!RULE_ID.test(id) && id !== 'ALL')
        throw new ConfigError(file, key(k), `has "${id}", which is not a rule id (SW followed by three digits)`);
    return list;
  };
  const known = new Set([
    'select',
    'ignore',
    'severity',
    'postgres-version',
    'decisions-dir',
    'revision-globs',
    'application-globs',
    'application-exclude',
    'fixture-globs',
    'baseline',
    'cache-dir',
  ]);
  for (const k of Object.keys(table)) {
    if (!known.has(k))
      throw new ConfigError(file, key(k), `is not a setting; known settings: ${[...known].join(', ')}`);
  }
  const select = ruleList('select');
  let resolved: ResolvedConfig = { ...config, source: file };
  if (select && !select.includes('ALL')) resolved = { ...resolved, select: new Set(select) };
  resolved = { ...resolved, ignore: new Set(ruleList('ignore') ?? []) };
  if (table.severity !== undefined) {
    const sev = table.severity;
    if (sev === null || typeof sev !== 'object' || Array.isArray(sev))
      throw new ConfigError(file, key('severity'), 'must be a table such as { SW201 = "off" }');
    const map = new Map<string, SeverityLevel>();
    for (const [id, level] of Object.entries(sev as Record<string, unknown>)) {
      if (!RULE_ID.test(id)) throw new ConfigError(file, key(`severity.${id}`), 'is not a rule id');
      if (!isSeverityLevel(level))
        throw new ConfigError(file, key(`severity.${id}`), 'must be one of "error", "warning", "info", "off"');
      map.set(id, level);
    }
    resolved = { ...resolved, severity: map };
  }
  const version = table['postgres-version'];
  if (version !== undefined) {
    const n = typeof version === 'string' ? Number(version) : version;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 10 || n > 30)
      throw new ConfigError(file, key('postgres-version'), 'must be a PostgreSQL major version such as 15');
    resolved = { ...resolved, postgresVersion: n };
  }
  const decisions = table['decisions-dir'];
  if (decisions !== undefined) {
    if (typeof decisions !== 'string' || decisions === '')
      throw new ConfigError(file, key('decisions-dir'), 'must be a folder path');
    resolved = { ...resolved, decisionsDir: path.resolve(root, decisions) };
  }
  const cacheDir = table['cache-dir'];
  if (cacheDir !== undefined) {
    if (typeof cacheDir !== 'string' || cacheDir === '')
      throw new ConfigError(file, key('cache-dir'), 'must be a folder path');
    resolved = { ...resolved, cacheDir: path.resolve(root, cacheDir) };
  }
  const baseline = table.baseline;
  if (baseline !== undefined) {
    const ids = typeof baseline === 'string' ? [baseline] : baseline;
    if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(id)))
      throw new ConfigError(
        file,
        key('baseline'),
        'must be a revision id such as "3f2a9c1b7d4e", or a list of them (one per head); `schema-warden baseline --write` records the current heads',
      );
    resolved = { ...resolved, baseline: [...new Set(ids as string[])] };
  }
  return {
    ...resolved,
    revisionGlobs: stringList('revision-globs') ?? resolved.revisionGlobs,
    applicationGlobs: stringList('application-globs') ?? resolved.applicationGlobs,
    applicationExclude: stringList('application-exclude') ?? resolved.applicationExclude,
    fixtureGlobs: stringList('fixture-globs') ?? resolved.fixtureGlobs,
  };
}

/** The severity a rule runs at, or 'off'. */
export function effectiveSeverity(config: ResolvedConfig, ruleId: string, defaultSeverity: Severity): SeverityLevel {
  if (config.ignore.has(ruleId)) return 'off';
  if (config.select && !config.select.has(ruleId)) return 'off';
  return config.severity.get(ruleId) ?? defaultSeverity;
}

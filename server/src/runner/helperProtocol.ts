// The JSON-lines protocol spoken with python/alembic_helper.py.

export type HelperCommand = 'hello' | 'configure' | 'heads' | 'history' | 'current' | 'upgrade' | 'downgrade' | 'sql' | 'exit';

export interface HelperRequest {
  id: number;
  cmd: HelperCommand;
  args?: Record<string, unknown>;
}

/** A failure as the helper reports it: Python's exception, and Postgres' error and SQL when there was one. */
export interface HelperErrorDetail {
  type: string;
  message: string;
  module?: string;
  /** The SQL statement that failed (from SQLAlchemy). */
  sql?: string;
  params?: string;
  /** SQLSTATE, e.g. 42703 undefined_column. */
  pgcode?: string;
  driverError?: string;
  detail?: string;
  /** The innermost frame of the project's own code (a migration file) and its line. */
  file?: string;
  line?: number;
  traceback?: string;
  /** For MissingDependency: which module and which interpreter. */
  python?: string;
  path?: string;
}

export interface HelperResponse {
  id: number | null;
  ok: boolean;
  result?: unknown;
  error?: HelperErrorDetail;
  elapsedMs?: number;
}

export interface HelperHello {
  protocol: number;
  python: string;
  pythonVersion: string;
  alembic: string;
  sqlalchemy: string;
  drivers: string[];
  cwd: string;
}

/** One revision of the project's history, as ScriptDirectory sees it. */
export interface RevisionInfo {
  revision: string;
  downRevisions: string[];
  dependencies: string[];
  branchLabels: string[];
  path: string | null;
  doc: string;
  isHead: boolean;
  isBase: boolean;
  isMerge: boolean;
  isBranchPoint: boolean;
}

export interface HistoryResult {
  heads: string[];
  /** Base first. */
  revisions: RevisionInfo[];
}

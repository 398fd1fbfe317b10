// A "target" is a PostgreSQL server the runner migrates: an ephemeral Docker container, an
// ephemeral cluster from local binaries, or a URL the user gives. Callers only see this interface.

export type TargetKind = 'docker' | 'local' | 'url';

export interface Target {
  readonly kind: TargetKind;
  /** True when the target's data is thrown away by stop(): downgrades need no confirmation. */
  readonly ephemeral: boolean;
  /** Why this target was chosen, for the UI and the CLI ("Docker not found — using local PostgreSQL 15 binaries"). */
  readonly reason: string;
  /** Brings the server up and waits until it accepts connections. Idempotent. */
  start(): Promise<void>;
  /** Tears the server down (for ephemeral targets, with its data). Idempotent; never throws. */
  stop(): Promise<void>;
  /** Connection URL of the default database (postgresql://user@127.0.0.1:port/db). Valid after start(). */
  url(): string;
  /** One line for logs and the UI: what it is and where. */
  describe(): string;
  /**
   * Called when a run on this target fails, before stop() throws its evidence away: an error that
   * says so when the cause is the target's own (its disk is full, its engine stopped), else
   * undefined and the run's error stands.
   */
  explainFailure?(error: unknown): Promise<Error | undefined>;
}

/** Options every target factory understands. */
export interface TargetCommonOptions {
  /** PostgreSQL major version to prefer (default 15). */
  postgresMajor?: number;
  log?: (message: string) => void;
}

export const DEFAULT_POSTGRES_MAJOR = 15;

/** Hides the password in a URL before it is logged or shown. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/:\/\/([^:@/]+):[^@/]*@/, '://$1:***@');
  }
}

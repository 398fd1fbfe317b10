import type { Connection } from 'vscode-languageserver';

/** How many distinct problems the log remembers having written (then it forgets the oldest). */
const REMEMBERED = 5_000;

/**
 * The server's log, written to the client's output channel through `window/logMessage`.
 * An error that repeats (the same handler failing on every keystroke) is written once; so is a
 * problem reported with `once` (the same malformed message on every keystroke, the same broken
 * link on every re-index).
 */
export class ServerLog {
  private readonly reported = new Set<string>();

  constructor(private readonly connection: Connection) {}

  info(message: string): void {
    this.connection.console.info(message);
  }

  warn(message: string): void {
    this.connection.console.warn(message);
  }

  error(where: string, err: unknown): void {
    const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
    const key = `${where}\n${err instanceof Error ? err.message : text}`;
    if (!this.remember(key)) return;
    this.connection.console.error(`${where}: ${text}`);
  }

  /** Writes a warning the first time `key` is reported; later reports of the same key are silent. */
  once(key: string, message: string): void {
    if (this.remember(`once\n${key}`)) this.connection.console.warn(message);
  }

  /** Runs a handler; on an exception logs it once and returns `fallback`, so no request ever kills the server. */
  guard<A extends unknown[], R>(
    where: string,
    fallback: R,
    handler: (...args: A) => R | Promise<R>,
  ): (...args: A) => Promise<R> {
    return async (...args: A): Promise<R> => {
      try {
        return await handler(...args);
      } catch (err) {
        this.error(where, err);
        return fallback;
      }
    };
  }

  /** False when `key` was reported already. */
  private remember(key: string): boolean {
    if (this.reported.has(key)) return false;
    if (this.reported.size >= REMEMBERED) this.reported.delete(this.reported.values().next().value as string);
    this.reported.add(key);
    return true;
  }
}

/**
 * What the index found wrong in the workspace (a broken or looping link, a configuration Alembic
 * cannot use), logged each once while it lasts: not again on every re-index; again if it comes back.
 */
export class WorkspaceProblems {
  private known = new Set<string>();

  constructor(private readonly log: ServerLog) {}

  /** The problems of a fresh index build: the new ones are logged, the gone ones forgotten. */
  replace(problems: readonly string[]): void {
    const now = new Set(problems);
    for (const problem of now) if (!this.known.has(problem)) this.log.warn(problem);
    this.known = now;
  }

  /** A problem found between two index builds (a watcher event): logged unless it is known already. */
  add(problem: string): void {
    if (this.known.has(problem)) return;
    this.known.add(problem);
    this.log.warn(problem);
  }
}

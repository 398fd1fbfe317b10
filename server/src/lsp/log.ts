import type { Connection } from 'vscode-languageserver';

/**
 * The server's log, written to the client's output channel through `window/logMessage`.
 * An error that repeats (the same handler failing on every keystroke) is written once.
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
    const text = err instanceof Error ? err.stack ?? err.message : String(err);
    const key = `${where}\n${err instanceof Error ? err.message : text}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.connection.console.error(`${where}: ${text}`);
  }

  /** Runs a handler; on an exception logs it once and returns `fallback`, so no request ever kills the server. */
  guard<A extends unknown[], R>(where: string, fallback: R, handler: (...args: A) => R | Promise<R>): (...args: A) => Promise<R> {
    return async (...args: A): Promise<R> => {
      try {
        return await handler(...args);
      } catch (err) {
        this.error(where, err);
        return fallback;
      }
    };
  }
}

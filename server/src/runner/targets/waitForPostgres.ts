// Readiness is decided by connecting and running a query, never by sleeping a fixed time.
import { newPgClient } from '../pgClient';

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Called between attempts; throwing aborts the wait (e.g. the server process died). */
  checkAlive?: () => void | Promise<void>;
}

/** Resolves with the server's version string once a connection succeeds. */
export async function waitForPostgres(url: string, options: WaitOptions = {}): Promise<string> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  const interval = options.intervalMs ?? 50;
  let lastError: unknown;
  for (;;) {
    const client = newPgClient({ connectionString: url, connectionTimeoutMillis: 2_000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      const result = await client.query<{ server_version: string }>('show server_version');
      return result.rows[0]?.server_version ?? 'unknown';
    } catch (error) {
      lastError = error;
    } finally {
      await client.end().catch(() => undefined);
    }
    if (options.checkAlive) await options.checkAlive();
    if (Date.now() >= deadline) {
      const reason = lastError instanceof Error ? lastError.message : String(lastError);
      throw new Error(
        `PostgreSQL did not accept connections within ${Math.round((options.timeoutMs ?? 30_000) / 1000)} s: ${reason}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

// Every command the runner issues, its target and its timing goes through one callback, so the
// editor can print to its output channel and the CLI to stderr (or nowhere).
export type RunnerLog = (message: string) => void;

export const silentLog: RunnerLog = () => undefined;

/** Runs `work`, logging `what` with its duration whether it succeeds or fails. */
export async function timed<T>(log: RunnerLog, what: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    const result = await work();
    log(`${what}: ok in ${formatMs(performance.now() - started)}`);
    return result;
  } catch (error) {
    log(`${what}: failed after ${formatMs(performance.now() - started)}: ${firstLine(error)}`);
    throw error;
  }
}

export function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

export function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}

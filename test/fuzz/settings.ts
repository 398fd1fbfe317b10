/**
 * The fuzz suites' seed: FUZZ_SEED when set, 42 in CI (reproducible runs), else random (more
 * ground covered over many local runs). Always printed, so a failure can be replayed.
 */
export function fuzzSeed(): number {
  const given = process.env.FUZZ_SEED;
  if (given !== undefined && given !== '') {
    const seed = Number(given);
    if (!Number.isInteger(seed)) throw new Error(`FUZZ_SEED must be an integer, not "${given}"`);
    return seed;
  }
  if (process.env.CI) return 42;
  return Math.floor(Math.random() * 0x7fffffff);
}

/** FUZZ_SCALE=10 runs ten times as many generated inputs (a long local session); default 1. */
export function fuzzScale(): number {
  const scale = Number(process.env.FUZZ_SCALE ?? '1');
  return Number.isFinite(scale) && scale > 0 ? scale : 1;
}

/**
 * Collects problems by their first line, keeping one input that shows each, so that a run
 * with a thousand failing inputs reports the handful of distinct bugs behind them.
 */
export class ProblemLog {
  private readonly byKey = new Map<string, { problem: string; input: string; count: number }>();

  add(problems: readonly string[], describeInput: () => string): void {
    for (const problem of problems) {
      // Offsets and quoted text vary between inputs showing the same bug.
      const key = problem
        .split('\n')[0]
        .replace(/\d+/g, 'N')
        .replace(/"[^"]*"/g, '"…"')
        .slice(0, 200);
      const entry = this.byKey.get(key);
      if (entry) entry.count++;
      else this.byKey.set(key, { problem, input: describeInput(), count: 1 });
    }
  }

  get size(): number {
    return this.byKey.size;
  }

  report(): string {
    return [...this.byKey.values()]
      .map(
        (e) =>
          `• ${e.problem.split('\n').slice(0, 6).join('\n    ')}\n    (${e.count} input(s); e.g. ${e.input.slice(0, 600)})`,
      )
      .join('\n');
  }
}

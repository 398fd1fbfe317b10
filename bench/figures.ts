/** One measured figure beside its budget, as bench/results.json stores it. */
export interface Figure {
  name: string;
  value: number;
  unit: string;
  /** The budget the figure must be at or under; null for a reference figure without budget. */
  budget: number | null;
  ok: boolean;
  /** How the figure was measured, for the report. */
  note?: string;
}

export function figure(name: string, value: number, unit: string, budget: number | null, note?: string): Figure {
  return { name, value: Math.round(value * 100) / 100, unit, budget, ok: budget === null || value <= budget, note };
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

export function median(values: number[]): number {
  return percentile(values, 50);
}

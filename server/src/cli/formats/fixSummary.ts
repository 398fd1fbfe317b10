import * as path from 'node:path';
import type { FileFixes, FixMode } from '../fix';
import type { LintReport } from '../report';

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * What `lint --fix` did, for people: each file's applied fixes by rule, the fixes left out and why,
 * and what remains fixable (and with which flag). Paths as the text report shows them.
 */
export function formatFixSummary(
  files: readonly FileFixes[],
  report: LintReport,
  cwd: string,
  mode: FixMode,
  withRemaining = true,
): string {
  const out: string[] = [];
  const shown = (file: string): string => path.relative(cwd, file) || file;
  const applied = files.filter((f) => f.applied.length > 0);
  const total = applied.reduce((n, f) => n + f.applied.length, 0);
  if (total === 0) out.push('No fixes applied.');
  else {
    out.push(`Fixed ${plural(total, 'problem')} in ${plural(applied.length, 'file')}:`);
    for (const file of applied) {
      const byFix = new Map<string, number>();
      for (const fix of file.applied) {
        const label = `${fix.ruleId} ${fix.title}${fix.safe ? '' : ' (unsafe)'}`;
        byFix.set(label, (byFix.get(label) ?? 0) + 1);
      }
      const list = [...byFix].map(([label, n]) => (n > 1 ? `${label} ×${n}` : label)).join('; ');
      out.push(`  ${shown(file.path)}: ${list}`);
    }
  }
  for (const file of files) for (const why of file.refused) out.push(`  ${shown(file.path)}: ${why}`);
  if (withRemaining) {
    const { safe, unsafeOnly } = remainingFixable(report);
    if (safe) out.push(`${plural(safe, 'finding')} still fixable with \`--fix\` (run it again).`);
    if (unsafeOnly && mode === 'safe')
      out.push(
        `${plural(unsafeOnly, 'finding')} fixable with \`--fix --unsafe-fixes\` (fixes that may ` +
          `change what a migration does: review the diff), or one by one in the editor.`,
      );
  }
  return out.join('\n') + '\n';
}

/** Findings with a safe fix, and findings whose fixes all need a review (`--unsafe-fixes`). */
export function remainingFixable(report: LintReport): { safe: number; unsafeOnly: number } {
  let safe = 0;
  let unsafeOnly = 0;
  for (const file of report.files)
    for (const f of file.findings) {
      if (f.fixes.some((fix) => fix.safe)) safe++;
      else if (f.fixes.length > 0) unsafeOnly++;
    }
  return { safe, unsafeOnly };
}

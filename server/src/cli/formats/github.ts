import type { LintReport } from '../report';
import { repoRelativePath } from '../repoRoot';

const COMMAND = { error: 'error', warning: 'warning', info: 'notice' } as const;

/**
 * GitHub Actions workflow commands, one line per finding, which GitHub turns into annotations on
 * the pull request's lines:
 * `::error file=…,line=…,col=…,endLine=…,endColumn=…,title=SW101 require-downgrade::message`.
 * Paths are relative to the repository root (what GitHub matches against the diff).
 */
export function formatGithub(report: LintReport, cwd: string): string {
  const roots = new Map<string, string>();
  const out: string[] = [];
  for (const file of report.files) {
    const repoPath = repoRelativePath(file.path, cwd, roots);
    for (const f of file.findings) {
      const properties = [
        ['file', repoPath],
        ['line', String(f.range.start.line + 1)],
        ['col', String(f.range.start.character + 1)],
        ['endLine', String(f.range.end.line + 1)],
        ['endColumn', String(f.range.end.character + 1)],
        ['title', `${f.ruleId} ${f.ruleName}`],
      ]
        .map(([key, value]) => `${key}=${escapeProperty(value)}`)
        .join(',');
      out.push(`::${COMMAND[f.severity]} ${properties}::${escapeData(f.message)}`);
    }
  }
  return out.length ? out.join('\n') + '\n' : '';
}

/** The runner's rules for a command's message (actions/toolkit `escapeData`). */
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** A property value also may not hold the separators `:` and `,` (actions/toolkit `escapeProperty`). */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

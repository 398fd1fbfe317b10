import type { Finding } from '../rules/types';

/** What a lint run produced, in the order the formats print it. */
export interface FileReport {
  path: string;
  /** Path as shown to the user (relative to the working folder). */
  displayPath: string;
  revision?: string;
  source: string;
  findings: Finding[];
}

export interface LintReport {
  files: FileReport[];
  problems: string[];
}

export function countBySeverity(report: LintReport): { errors: number; warnings: number; infos: number } {
  let errors = 0;
  let warnings = 0;
  let infos = 0;
  for (const file of report.files) {
    for (const f of file.findings) {
      if (f.severity === 'error') errors++;
      else if (f.severity === 'warning') warnings++;
      else infos++;
    }
  }
  return { errors, warnings, infos };
}

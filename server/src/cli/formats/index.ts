import type { LintReport } from '../report';
import { formatGithub } from './github';
import { formatGitlab } from './gitlab';
import { formatJson } from './json';
import { formatSarif } from './sarif';
import { formatText } from './text';

/** The values of `lint --format`. */
export const FORMATS = ['text', 'json', 'sarif', 'github', 'gitlab'] as const;
export type Format = (typeof FORMATS)[number];

export function isFormat(value: string): value is Format {
  return (FORMATS as readonly string[]).includes(value);
}

export interface FormatContext {
  /** The working folder: text and JSON paths are relative to it; CI formats use the repository root. */
  cwd: string;
  version: string;
  useColor: boolean;
}

export function formatReport(format: Format, report: LintReport, context: FormatContext): string {
  switch (format) {
    case 'json':
      return formatJson(report);
    case 'sarif':
      return formatSarif(report, context.cwd, context.version);
    case 'github':
      return formatGithub(report, context.cwd);
    case 'gitlab':
      return formatGitlab(report, context.cwd);
    case 'text':
      return formatText(report, context.useColor);
  }
}

import { countBySeverity, type LintReport } from '../report';

/**
 * The JSON format is a public interface (CI tools parse it): keep its shape stable.
 * Lines and columns are 1-based, ESLint's convention.
 */
export function formatJson(report: LintReport): string {
  const { errors, warnings } = countBySeverity(report);
  return (
    JSON.stringify(
      {
        version: 1,
        files: report.files.map((file) => ({
          path: file.displayPath,
          revision: file.revision ?? null,
          diagnostics: file.findings.map((f) => ({
            rule: f.ruleId,
            name: f.ruleName,
            severity: f.severity,
            message: f.message,
            ...(f.help ? { help: f.help } : {}),
            line: f.range.start.line + 1,
            column: f.range.start.character + 1,
            endLine: f.range.end.line + 1,
            endColumn: f.range.end.character + 1,
            fixable: f.fixes.length > 0,
          })),
        })),
        summary: { files: report.files.length, errors, warnings },
      },
      null,
      2,
    ) + '\n'
  );
}

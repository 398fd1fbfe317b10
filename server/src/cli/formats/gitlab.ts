import type { LintReport } from '../report';
import { repoRelativePath } from '../repoRoot';
import { fingerprintsOf } from './fingerprint';

/** GitLab's Code Quality severities: info, minor, major, critical, blocker. */
const SEVERITY = { error: 'major', warning: 'minor', info: 'info' } as const;

/**
 * A GitLab Code Quality report (the `codequality` artifact of a CI job): a JSON array of issues with
 * `description`, `check_name`, `fingerprint`, `severity` and `location.path` + `location.lines.begin`,
 * paths relative to the repository root. The fingerprint survives edits above the finding, so
 * GitLab's merge-request widget shows only findings a change introduced or resolved.
 */
export function formatGitlab(report: LintReport, cwd: string): string {
  const roots = new Map<string, string>();
  const issues = report.files.flatMap((file) => {
    const repoPath = repoRelativePath(file.path, cwd, roots);
    const fingerprints = fingerprintsOf(file, repoPath);
    return file.findings.map((f) => ({
      type: 'issue',
      description: `${f.ruleId} ${f.ruleName}: ${f.message}`,
      check_name: f.ruleId,
      fingerprint: fingerprints.get(f) as string,
      severity: SEVERITY[f.severity],
      categories: ['Bug Risk'],
      location: {
        path: repoPath,
        lines: { begin: f.range.start.line + 1, end: f.range.end.line + 1 },
      },
    }));
  });
  return JSON.stringify(issues, null, 2) + '\n';
}

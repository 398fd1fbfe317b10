import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { allRules } from '../../rules';
import { ruleDocUrl } from '../../shared/docsUrl';
import type { LintReport } from '../report';
import { repoRelativePath, repoRootOf } from '../repoRoot';
import { fingerprintsOf } from './fingerprint';

/** Versioned, so a change of what the fingerprint hashes never matches old results by accident. */
export const FINGERPRINT_KEY = 'schemaWarden/v1';

const LEVEL = { error: 'error', warning: 'warning', info: 'note' } as const;

/**
 * SARIF 2.1.0, as GitHub code scanning and other CI dashboards read it. URIs are relative to the
 * repository root (SRCROOT), whatever the working folder; `partialFingerprints` let code scanning
 * follow a finding across commits (see fingerprint.ts).
 */
export function formatSarif(report: LintReport, cwd: string, version: string): string {
  const roots = new Map<string, string>();
  const srcRoot = report.files.length ? repoRootOf(report.files[0].path, cwd, roots) : cwd;
  const rules = allRules.map((rule) => ({
    id: rule.meta.id,
    name: rule.meta.name,
    shortDescription: { text: rule.meta.docs.summary },
    fullDescription: { text: rule.meta.docs.whatItDoes },
    helpUri: ruleDocUrl(rule.meta.id, rule.meta.name),
    help: { text: `${rule.meta.docs.whyBad}\n\nHow to fix: ${rule.meta.docs.howToFix}` },
    defaultConfiguration: { level: LEVEL[rule.meta.severity] },
    properties: { policyClause: rule.meta.policyClause, policySection: rule.meta.policySection },
  }));
  const ruleIndex = new Map(rules.map((r, i) => [r.id, i]));
  const results = report.files.flatMap((file) => {
    const repoPath = repoRelativePath(file.path, cwd, roots);
    const fingerprints = fingerprintsOf(file, repoPath);
    return file.findings.map((f) => ({
      ruleId: f.ruleId,
      ruleIndex: ruleIndex.get(f.ruleId),
      level: LEVEL[f.severity],
      message: { text: f.message },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: repoPath, uriBaseId: 'SRCROOT' },
            region: {
              startLine: f.range.start.line + 1,
              startColumn: f.range.start.character + 1,
              endLine: f.range.end.line + 1,
              endColumn: f.range.end.character + 1,
            },
          },
        },
      ],
      partialFingerprints: { [FINGERPRINT_KEY]: fingerprints.get(f) as string },
    }));
  });
  return (
    JSON.stringify(
      {
        $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
        version: '2.1.0',
        runs: [
          {
            tool: {
              driver: {
                name: 'schema-warden',
                informationUri: 'https://github.com/schema-warden/schema-warden',
                version,
                rules,
              },
            },
            originalUriBaseIds: { SRCROOT: { uri: pathToFileURL(srcRoot + path.sep).href } },
            // What kept files from being linted (unreadable, a link loop, a broken alembic.ini): SARIF's
            // place for problems of the run itself rather than of the code.
            invocations: [
              {
                executionSuccessful: true,
                toolExecutionNotifications: report.problems.map((problem) => ({
                  level: 'warning',
                  message: { text: problem },
                })),
              },
            ],
            results,
          },
        ],
      },
      null,
      2,
    ) + '\n'
  );
}

import * as path from 'node:path';
import { ConfigError } from '../config/config';
import { acceptedHistory, isAccepted } from '../model/baseline';
import type { ProjectModel } from '../model/project';
import type { Finding } from '../rules/types';

/**
 * Findings of these rules stay on accepted revisions: the revision graph is checked everywhere,
 * and SW108 (an edit of history) is about a change made now, not the revision as it was accepted
 * (the rule itself reports only uncommitted edits of accepted revisions).
 */
const KEPT_ON_ACCEPTED = new Set(['SW107', 'SW108']);

/** A file's findings without those the accepted history hides. */
export function withoutAccepted(project: ProjectModel, file: string, findings: Finding[]): Finding[] {
  if (findings.length === 0 || !isAccepted(project, file)) return findings;
  return findings.filter((f) => KEPT_ON_ACCEPTED.has(f.ruleId));
}

/**
 * A configuration error for `baseline` ids that none of the projects sharing that configuration
 * has: a typo there would silently accept nothing (or, worse, be taken for a pass).
 */
export function unknownBaselineError(projects: readonly ProjectModel[]): ConfigError | undefined {
  const byConfig = new Map<string, ProjectModel[]>();
  for (const project of projects) {
    if (!project.config.source || !project.config.baseline?.length) continue;
    byConfig.set(project.config.source, [...(byConfig.get(project.config.source) ?? []), project]);
  }
  for (const [source, group] of byConfig) {
    const unknown = group[0].config.baseline.filter((given) =>
      group.every((p) => acceptedHistory(p).unknown.includes(given)),
    );
    if (unknown.length === 0) continue;
    const key = path.basename(source) === 'pyproject.toml' ? 'tool.schema-warden.baseline' : 'baseline';
    const heads = group.flatMap((p) => p.graph.heads);
    return new ConfigError(
      source,
      key,
      `names ${unknown.map((id) => `"${id}"`).join(', ')}, which ${unknown.length === 1 ? 'is' : 'are'} ` +
        `not a revision of ${group.length === 1 ? 'the project' : 'any project'} it configures ` +
        `(heads now: ${heads.join(', ') || 'none'}); \`schema-warden baseline --write\` records the ` +
        `current heads`,
    );
  }
  return undefined;
}

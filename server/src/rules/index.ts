import SW000 from './SW000-syntax-error';
import SW001 from './SW001-unanalysable-sql';
import SW101 from './SW101-require-downgrade';
import SW107 from './SW107-revision-graph';
import type { Rule } from './types';

/**
 * The one registry of rules. A rule module that is not listed here does not run, and
 * test/rules/registry.test.ts fails.
 */
export const allRules: readonly Rule[] = [
  SW000,
  SW001,
  SW101,
  SW107,
].sort((a, b) => a.meta.id.localeCompare(b.meta.id));

const byId = new Map(allRules.map((r) => [r.meta.id, r]));
const byName = new Map(allRules.map((r) => [r.meta.name, r]));

export function ruleById(id: string): Rule | undefined {
  return byId.get(id) ?? byName.get(id);
}

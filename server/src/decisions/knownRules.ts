import type { Rule } from '../rules/types';

/**
 * The ids of every registered rule. Required lazily: the rule registry imports the decision rules,
 * which need the registry's ids only when they run, long after every module has loaded.
 */
export function knownRuleIds(): ReadonlySet<string> {
  const registry = require('../rules/index') as { allRules: readonly Rule[] };
  return new Set(registry.allRules.map((r) => r.meta.id));
}

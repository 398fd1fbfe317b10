/**
 * What each per-revision rule's `check` reads besides the configuration, which says how long its
 * findings on a revision stay valid in the analysis cache:
 * - `revision`: the revision's own model (and the project settings every key holds: configuration,
 *   env.py's settings, the declared naming convention): valid while the file is unchanged;
 * - `ancestors`: also the schema and history before the revision (`revisionTables`,
 *   `schemaBefore`, `historyBefore`, fixes that invert earlier operations): valid while the file
 *   and its ancestors are unchanged, since applied revisions do not change.
 * - `laterValidations`: as `ancestors`, and the names of the constraints that revisions after it in
 *   graph order validate (SW602 looks for a later `VALIDATE CONSTRAINT`): kept in each revision's
 *   index entry, so the key needs no model decoded.
 * A rule not listed (a new rule nobody classified yet) is run every time: a missing entry costs
 * speed, never correctness. Keep this table in step when a rule starts reading more of the project.
 */
export type RuleInputs = 'revision' | 'ancestors' | 'laterValidations';

export const RULE_INPUTS: Readonly<Record<string, RuleInputs>> = {
  SW000: 'revision',
  SW001: 'revision',
  SW101: 'ancestors',
  SW102: 'revision',
  SW103: 'revision',
  SW104: 'ancestors',
  SW105: 'ancestors',
  SW106: 'revision',
  SW201: 'revision',
  SW202: 'revision',
  SW203: 'revision',
  SW204: 'revision',
  SW205: 'revision',
  SW206: 'revision',
  SW208: 'revision',
  SW301: 'revision',
  SW302: 'revision',
  SW303: 'revision',
  SW304: 'revision',
  SW401: 'revision',
  SW402: 'ancestors',
  SW403: 'revision',
  SW404: 'revision',
  SW405: 'ancestors',
  SW601: 'ancestors',
  SW602: 'laterValidations',
  SW603: 'ancestors',
  SW604: 'ancestors',
  SW605: 'ancestors',
  SW606: 'ancestors',
  SW607: 'ancestors',
  SW608: 'revision',
  SW609: 'ancestors',
  SW610: 'ancestors',
  SW611: 'revision',
  SW612: 'ancestors',
  SW613: 'ancestors',
  SW614: 'revision',
};

/**
 * What a whole-project rule (`checkProject`) reads, for the rules whose findings the cache keeps:
 * - `heads`: the schema at the heads, that is every revision's model through the heads' chain
 *   keys (SW207);
 * - `headsAndFixtures`: that and the fixture files the configuration's globs find, by content
 *   (SW501).
 * The others run every time: SW107 reads only the revision graph (identifiers, kept in the index
 * entries), SW108 asks git (its answer is never cached), SW901 reads the decision records.
 */
export type ProjectRuleInputs = 'heads' | 'headsAndFixtures';

export const PROJECT_RULE_INPUTS: Readonly<Record<string, ProjectRuleInputs>> = {
  SW207: 'heads',
  SW501: 'headsAndFixtures',
};

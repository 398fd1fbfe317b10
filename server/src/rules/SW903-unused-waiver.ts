import { defineRule } from './types';

/** Reported by the waiver pass in engine/lint.ts; this module holds the rule's identity and docs. */
export default defineRule({
  meta: {
    id: 'SW903',
    name: 'unused-waiver',
    severity: 'warning',
    scope: 'revision',
    readsSql: false,
    policySection: 'Enforcement and Deviations',
    policyClause:
      'Any deviation from these data architecture rules requires a DECISION under docs/decisions/ including rollback and monitoring plans.',
    docs: {
      summary: 'A valid waiver that waives nothing should be removed.',
      whatItDoes:
        'Reports each rule of a valid waiver comment for which the file has no finding in the ' +
        "waiver's reach (its line, or the statement below a comment line; the whole file for " +
        '`allow-file`). Only rules that ran are considered: a rule turned off by `select`/`ignore` ' +
        'never makes its waivers unused.',
      whyBad:
        'A stale waiver claims a deviation that no longer exists and would silently cover a new, unreviewed one written on the same line later.',
      bad: '# schema-warden: allow SW303 decision=0007\nop.create_foreign_key("fk_audit_account", "audit", "account", ["account_id"], ["id"])',
      good: 'op.create_foreign_key("fk_audit_account", "audit", "account", ["account_id"], ["id"])',
      howToFix: 'Delete the rule from the comment, or the whole comment when it names no other rule.',
      fixSafety: 'none',
    },
  },
});

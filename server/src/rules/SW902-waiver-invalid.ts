import { defineRule } from './types';

/**
 * Reported by the waiver pass in engine/lint.ts (it needs every other rule's findings and the
 * decision records); this module holds the rule's identity, severity and documentation.
 */
export default defineRule({
  meta: {
    id: 'SW902',
    name: 'waiver-invalid',
    severity: 'error',
    scope: 'revision',
    readsSql: false,
    policySection: 'Purpose',
    policyClause: 'Require deviations to be documented in docs/decisions/ with impact analysis.',
    docs: {
      summary:
        'A waiver comment must cite an accepted, unexpired decision record that lists the rule and the revision.',
      whatItDoes:
        'Checks every `# schema-warden: allow SWnnn decision=NNNN` (and `allow-file`) comment, and ' +
        '`-- schema-warden: allow …` inside SQL strings. The waiver is reported, and the findings ' +
        'it names stay, when: the comment cannot be read (no rule, no `decision=`), a rule id does ' +
        'not exist, there is no record with that number in the decisions folder, the record is not ' +
        '`accepted`, its `expires` date has passed, or it does not list the rule or the revision ' +
        '(`*` covers every revision). The message says which.',
      whyBad:
        'A waiver that cites a proposed, expired or unrelated record silences nothing on its own, ' +
        'but it looks as if the deviation were documented. Saying why it does not count keeps the ' +
        'documentation honest.',
      bad:
        '# docs/decisions/0007-…md has status: proposed\nop.create_foreign_key("fk_audit_account", ' +
        '"audit", "account", ["account_id"], ["id"],\n                      ondelete="CASCADE")  # ' +
        'schema-warden: allow SW303 decision=0007',
      good:
        '# docs/decisions/0007-…md has status: accepted, rules: [SW303], revisions: ' +
        '["3f2a1c"]\nop.create_foreign_key("fk_audit_account", "audit", "account", ["account_id"], ' +
        '["id"],\n                      ondelete="CASCADE")  # schema-warden: allow SW303 ' +
        'decision=0007',
      howToFix:
        'Fix what the message names: accept the record (after review), add the rule or the revision ' +
        'to its front matter, renew an expired record with a new decision, or correct the number in ' +
        'the comment.',
      fixSafety: 'none',
      notes:
        'A waiver covers findings on its own line; a waiver on a comment line covers the next line ' +
        'of code and the whole statement starting there (so one comment above `op.create_table(` ' +
        'covers its arguments). `allow-file` covers the whole file.',
    },
  },
});

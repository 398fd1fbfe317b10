import { engineReady } from '../support/engine';
import { recordText, runWaiverCase, Snapshot, type WaiverCase } from '../decisions/support';

const CASCADE = `
  revision = "a1"
  down_revision = None

  def upgrade():
      op.create_foreign_key("fk_audit_account", "audit", "account", ["account_id"], ["id"], ondelete="CASCADE")  # schema-warden: allow SW303 decision=0007
`;

const valid: WaiverCase[] = [
  { name: 'accepted record listing the rule and the revision', code: CASCADE, expect: [] },
  {
    name: 'record covering every revision ("*"), not yet expired',
    code: CASCADE,
    records: { '0007-x.md': recordText({ revisions: ['*'], expires: '2025-06-15' }) },
    expect: [],
  },
];

const invalid: WaiverCase[] = [
  {
    name: 'no such record',
    code: CASCADE,
    records: {},
    expect: [
      { line: 5, rule: 'SW303' },
      {
        line: 5,
        rule: 'SW902',
        message:
          /^This waiver does not apply: no decision record 0007 in docs\/decisions\. The findings it names stay\.$/,
      },
    ],
  },
  {
    name: 'record only proposed',
    code: CASCADE,
    records: { '0007-x.md': recordText({ status: 'proposed' }) },
    expect: [
      { line: 5, rule: 'SW303' },
      { line: 5, rule: 'SW902', message: /decision 0007 is proposed, not accepted/ },
    ],
  },
  {
    name: 'record superseded',
    code: CASCADE,
    records: { '0007-x.md': recordText({ status: 'superseded' }) },
    expect: [
      { line: 5, rule: 'SW303' },
      { line: 5, rule: 'SW902', message: /decision 0007 is superseded, not accepted/ },
    ],
  },
  {
    name: 'record expired',
    code: CASCADE,
    records: { '0007-x.md': recordText({ expires: '2025-06-14' }) },
    expect: [
      { line: 5, rule: 'SW303' },
      { line: 5, rule: 'SW902', message: /decision 0007 expired on 2025-06-14/ },
    ],
  },
  {
    name: 'record does not list the rule',
    code: CASCADE,
    records: { '0007-x.md': recordText({ rules: ['SW301'] }) },
    expect: [
      { line: 5, rule: 'SW303' },
      { line: 5, rule: 'SW902', message: /decision 0007 does not list SW303/ },
    ],
  },
  {
    name: 'record does not list the revision',
    code: CASCADE,
    records: { '0007-x.md': recordText({ revisions: ['b2', 'c3'] }) },
    expect: [
      { line: 5, rule: 'SW303' },
      { line: 5, rule: 'SW902', message: /decision 0007 does not list revision a1/ },
    ],
  },
  {
    name: 'unreadable waivers: no decision, unknown rule, a stray word',
    code: `
    revision = "a1"

    def upgrade():
        # schema-warden: allow SW303
        op.create_foreign_key("fk_a", "audit", "account", ["account_id"], ["id"], ondelete="CASCADE")
        # schema-warden: allow SW999 decision=0007
        op.create_foreign_key("fk_b", "audit", "account", ["account_id"], ["id"], ondelete="CASCADE")
        # schema-warden: allow SW303 because=reasons decision=0007
        op.create_foreign_key("fk_c", "audit", "account", ["account_id"], ["id"], ondelete="CASCADE")
    `,
    expect: [
      { line: 4, rule: 'SW902', message: /it cites no decision record: add decision=NNNN/ },
      { line: 5, rule: 'SW303' },
      { line: 6, rule: 'SW902', message: /SW999 is not a Schema Warden rule/ },
      { line: 7, rule: 'SW303' },
      { line: 8, rule: 'SW902', message: /"because=reasons" is neither a rule id \(SW303\) nor decision=NNNN/ },
      { line: 9, rule: 'SW303' },
    ],
  },
  {
    name: 'one waiver, two rules: only the unlisted one is reported',
    code:
      `
    revision = "a1"

    def upgrade():
        op.execute("CREATE TABLE audit ` +
      `(account_id uuid REFERENCES account (id) ON DELETE CASCADE); CREATE EXTENSION citext")  # ` +
      `schema-warden: allow SW303,SW304 decision=0007
    `,
    expect: [
      { line: 4, rule: 'SW304' },
      { line: 4, rule: 'SW902', message: /decision 0007 does not list SW304/ },
    ],
  },
];

describe('SW902 waiver-invalid', () => {
  before(() => engineReady);
  const snapshot = new Snapshot('SW902');
  describe('valid', () => {
    for (const c of valid)
      it(c.name, () => {
        runWaiverCase(c);
      });
  });
  describe('invalid', () => {
    for (const c of invalid)
      it(c.name, () => {
        runWaiverCase(c, snapshot);
      });
  });
  after(() => snapshot.check());
});

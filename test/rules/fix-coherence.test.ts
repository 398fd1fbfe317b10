import * as assert from 'node:assert/strict';
import { lintProject } from '../../server/src/engine/lint';
import { applyEdits } from '../../server/src/fixes/applyEdits';
import type { Finding } from '../../server/src/rules/types';
import { dedent, engineReady, project } from '../support/engine';

/**
 * One root cause, one finding, and fixes that agree (#13): with every rule running, a rule's fix
 * must not lead to a finding of another rule (the UTC-default fix on a naive column was followed by
 * SW207 asking for the opposite), and a naive timestamp with now() is SW204's finding alone.
 */
const BASE = dedent(`
  """create the ledger

  Revision ID: a1
  """
  revision = "a1"
  down_revision = None


  def upgrade():
      # rationale: one row per booking
      op.create_table(
          "ledger",
          sa.Column("id", sa.UUID(), primary_key=True, comment="key"),
          sa.Column("booked_at", sa.DateTime(), nullable=True, comment="when it was booked"),
          sa.Column("created_at", sa.DateTime(), server_default=sa.func.now(), nullable=False, comment="audit"),
          sa.Column("updated_at", sa.DateTime(), server_default=sa.text("now()"), nullable=False, comment="audit"),
          comment="bookings",
      )


  def downgrade():
      op.drop_table("ledger")
  `);

const LATER = dedent(`
  """default the booking time

  Revision ID: b1
  """
  revision = "b1"
  down_revision = "a1"


  def upgrade():
      op.execute("SET lock_timeout = '5s'")
      # rationale: the audit time is set by the database
      op.alter_column("ledger", "created_at", existing_type=sa.DateTime(), server_default=sa.text("now()"))


  def downgrade():
      op.alter_column("ledger", "created_at", existing_type=sa.DateTime(), server_default=sa.func.now())
  `);

function lint(files: Record<string, string>): Finding[] {
  const proj = project(files);
  return [...lintProject(proj).values()].flat();
}

/** A finding as a reader tells it apart: its rule and message (positions move with a fix). */
const key = (f: Finding): string => `${f.ruleId} ${f.message}`;

describe('fixes and findings agree across rules (#13)', () => {
  before(() => engineReady);

  it('a naive DateTime() with now() is reported by SW204 alone', () => {
    const findings = lint({ 'a1.py': BASE }).filter((f) => /^SW20[457]$/.test(f.ruleId));
    const onAudit = findings.filter((f) => /created_at|updated_at/.test(f.message));
    assert.deepEqual(
      onAudit.map((f) => f.ruleId),
      ['SW204', 'SW204'],
      onAudit.map((f) => `${f.ruleId} ${f.message}`).join('\n'),
    );
  });

  it("applying any rule's fix leads to no new finding of another rule, and re-linting converges", () => {
    const files = { 'a1.py': BASE, 'b1.py': LATER };
    const before = lint(files);
    const fixable = before.filter((f) => f.fixes.length > 0);
    assert.ok(
      fixable.some((f) => f.ruleId === 'SW204'),
      'SW204 offers its fix',
    );
    assert.ok(
      fixable.some((f) => f.ruleId === 'SW205'),
      'SW205 offers the UTC default on the naive audit column of history',
    );
    for (const finding of fixable) {
      const name = Object.keys(files).find((k) => finding.path.endsWith(`/${k}`)) as keyof typeof files;
      const fixed = applyEdits(files[name], finding.fixes[0].edits).text;
      const was = new Set(before.map(key));
      const added = lint({ ...files, [name]: fixed }).filter((f) => f.ruleId !== finding.ruleId && !was.has(key(f)));
      assert.deepEqual(added.map(key), [], `${finding.ruleId}'s fix "${finding.fixes[0].title}" led to new findings`);
    }
  });
});

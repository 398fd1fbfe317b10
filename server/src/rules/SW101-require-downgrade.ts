import { downgradeFix } from '../fixes/downgradeFix';
import type { MigrationModel } from '../model/migration';
import type { ProjectModel } from '../model/project';
import { defineRule, type FindingInput } from './types';

const REASONS = {
  pass: 'is only `pass`',
  docstring: 'has only a docstring',
  raise: 'only raises',
  ellipsis: 'is only `...`',
  'missing-body': 'has no body',
} as const;

export default defineRule({
  meta: {
    id: 'SW101',
    name: 'require-downgrade',
    severity: 'error',
    scope: 'revision',
    policySection: 'Migration Rules',
    policyClause:
      'Every schema change requires an Alembic revision with clear upgrade and downgrade paths; manual database edits are prohibited.',
    docs: {
      summary: 'Every revision needs a downgrade() that reverses its upgrade().',
      whatItDoes:
        'Reports a revision whose `downgrade()` is missing, empty, only `pass`, only a docstring, ' +
        'only `...`, or only raises (e.g. `raise NotImplementedError`). A revision whose ' +
        '`upgrade()` does nothing itself (a merge point, or only a guard such as `if ' +
        'already_applied(): return` followed by `pass`) needs no downgrade, nor does one whose ' +
        'upgrade only runs maintenance statements (`REINDEX`, `ANALYZE`, `VACUUM`, `CLUSTER`) or ' +
        '`ALTER TABLE … VALIDATE CONSTRAINT` (a check of the rows against a constraint already ' +
        'there, which PostgreSQL cannot turn back to NOT VALID), with `SET` session settings such ' +
        'as `lock_timeout` before them, which leave nothing to undo.',
      whyBad:
        'Without a downgrade path a failed deploy cannot be rolled back, and migration tests cannot prove that the revision is reversible.',
      bad: 'def upgrade():\n    op.add_column("account", sa.Column("note", sa.Text(), comment="free-text note"))\n\n\ndef downgrade():\n    pass',
      good:
        'def upgrade():\n    op.add_column("account", sa.Column("note", sa.Text(), ' +
        'comment="free-text note"))\n\n\ndef downgrade():\n    op.drop_column("account", "note")',
      howToFix:
        'Write the exact inverse of the upgrade, in reverse order. The quick fix "Add downgrade" ' +
        'writes it when every operation of the upgrade can be reversed; otherwise it is not offered ' +
        'and the message names the operation that cannot be reversed.',
      fixSafety: 'unsafe',
      notes:
        'The fix is not applied by `--fix`: a generated downgrade should be read by a person before it is committed.',
    },
  },
  check({ migration, project, report }) {
    if (!migration.isRevision) return;
    const upgrade = migration.upgrade;
    // A merge point or an empty placeholder revision has nothing to reverse.
    if (!upgrade || upgrade.isEmpty) return;
    // REINDEX, ANALYZE, VACUUM, CLUSTER and VALIDATE CONSTRAINT change no schema object: there is
    // nothing to reverse.
    if (onlyMaintenance(migration)) return;
    const downgrade = migration.downgrade;
    if (!downgrade) {
      report(
        withFix(migration, project, {
          message: 'This revision has no downgrade(), so it cannot be rolled back.',
          help: 'Add a downgrade() that reverses the upgrade.',
          span: upgrade.headerSpan,
        }),
      );
      return;
    }
    if (downgrade.isEmpty) {
      const reason = REASONS[downgrade.emptyReason ?? 'pass'];
      report(
        withFix(migration, project, {
          message: `downgrade() ${reason}, so rolling back leaves the upgrade's changes in place.`,
          help: 'Make downgrade() reverse the upgrade.',
          span: downgrade.headerSpan,
        }),
      );
    }
  },
});

// SET/RESET (VariableSetStmt) only changes the session, as SW603's fix does before the work.
const MAINTENANCE_STATEMENTS = new Set([
  'VacuumStmt',
  'ReindexStmt',
  'ClusterStmt',
  'CheckPointStmt',
  'VariableSetStmt',
]);

/** Does the upgrade only run maintenance statements (ANALYZE is a VacuumStmt to PostgreSQL's parser)? */
function onlyMaintenance(migration: MigrationModel): boolean {
  const ops = migration.operations.filter((op) => op.section === 'upgrade');
  return (
    ops.length > 0 &&
    ops.every(
      (op) =>
        op.name === 'execute' &&
        op.sql?.analysable === true &&
        !op.sql.error &&
        op.sql.statements.length > 0 &&
        op.sql.statements.every((st) => MAINTENANCE_STATEMENTS.has(st.kind) || onlyValidates(st.kind, st.parsed.node)),
    )
  );
}

/**
 * `ALTER TABLE … VALIDATE CONSTRAINT …` only checks the rows against a constraint that is already
 * there (added NOT VALID by an earlier revision): PostgreSQL has no way back to "not validated",
 * and the previous revision works the same with a validated constraint.
 */
function onlyValidates(kind: string, node: Record<string, unknown>): boolean {
  if (kind !== 'AlterTableStmt') return false;
  const cmds = (node.cmds as unknown[] | undefined) ?? [];
  return (
    cmds.length > 0 &&
    cmds.every(
      (item) => (item as { AlterTableCmd?: { subtype?: string } }).AlterTableCmd?.subtype === 'AT_ValidateConstraint',
    )
  );
}

/** Adds the "Add downgrade" fix, or says which operation keeps it from being offered. */
function withFix(migration: MigrationModel, project: ProjectModel, finding: FindingInput): FindingInput {
  const result = downgradeFix(migration, project);
  if (!result) return finding;
  if ('fix' in result) return { ...finding, fixes: [result.fix] };
  return {
    ...finding,
    help: `${finding.help ?? ''} No fix is offered: ${result.blocker}.`.trim(),
    related: result.span
      ? [{ path: migration.path, span: result.span, message: 'this operation cannot be reversed automatically' }]
      : undefined,
  };
}

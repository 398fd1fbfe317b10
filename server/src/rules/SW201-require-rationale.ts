import type { MigrationModel, Operation, PyValue, SqlStatement } from '../model/migration';
import { commentFact, definedObjects, type DefinedObject, type ObjectKind } from '../parse/facts/comments';
import { temporaryTableCreated } from '../parse/facts/idempotency';
import { tokenizeSql } from '../parse/facts/sqlTokens';
import { upgradeOps } from './util/columnTypes';
import { commentBlockAbove, insertLineAbove, trailingComment } from './util/pythonEdits';
import { statementHeadSpan } from '../analysis/sqlSource';
import { defineRule, type Fix } from './types';

export const PLACEHOLDER = '<why this change is needed>';
const RATIONALE_COMMENT = /^(?:#|--)\s*rationale\s*:(.*)$/i;
const PLACEHOLDER_TEXT = /^\s*(<[^>]*>|todo|tbd|fixme|xxx|\.\.\.|…)?\s*$/i;

/** The operations that add a column, a table, an index or a constraint, and what they define. */
const DEFINING_OPS: Readonly<Record<string, ObjectKind>> = {
  create_table: 'table',
  add_column: 'column',
  create_index: 'index',
  create_unique_constraint: 'constraint',
  create_primary_key: 'constraint',
  create_check_constraint: 'constraint',
  create_exclude_constraint: 'constraint',
  create_foreign_key: 'constraint',
};

type Rationale = { kind: 'given' } | { kind: 'placeholder'; line: number } | { kind: 'missing' };

export default defineRule({
  meta: {
    id: 'SW201',
    name: 'require-rationale',
    severity: 'warning',
    scope: 'revision',
    policySection: 'Schema Evolution Boundaries',
    policyClause:
      'Columns, constraints, and indexes must include rationale in migration descriptions; ' +
      'removal of columns requires a deprecation window and explicit data handling plan.',
    docs: {
      summary: 'New tables, columns, indexes, constraints and foreign keys need a written rationale.',
      whatItDoes:
        'Reports `create_table`, `add_column`, `create_index`, `create_unique_constraint`, ' +
        '`create_primary_key`, `create_check_constraint`, `create_exclude_constraint` and ' +
        '`create_foreign_key` in the upgrade (also in `batch_alter_table` blocks and helper ' +
        'functions), and SQL CREATE TABLE, CREATE INDEX, ALTER TABLE ADD COLUMN / ADD CONSTRAINT in ' +
        '`op.execute`, that have no rationale. A rationale is: a non-empty `comment=` on the ' +
        'operation (or on the `sa.Column` of `add_column`); a comment stored in Postgres for the ' +
        'same object in this revision (`op.create_table_comment`, `alter_column(…, comment=…)`, ' +
        '`COMMENT ON TABLE/COLUMN/INDEX/CONSTRAINT`); or a `# rationale: …` line in the block of ' +
        'comment lines directly above the operation (or at the end of its first line). For SQL, a ' +
        '`-- rationale: …` line directly before the statement inside the SQL string also counts.',
      whyBad:
        'A schema outlives the people who wrote it. Without a recorded reason, nobody can later ' +
        'tell whether a column is still needed, why an index exists or what a constraint protects, ' +
        'and removals become guesswork.',
      bad:
        'def upgrade():\n    op.add_column("invoice", sa.Column("paid_at", ' +
        'sa.DateTime(timezone=True)))\n    op.create_index("ix_invoice_paid_at", "invoice", ' +
        '["paid_at"])',
      good:
        'def upgrade():\n    op.add_column("invoice", sa.Column("paid_at", ' +
        'sa.DateTime(timezone=True), comment="when the payment cleared; drives dunning"))\n    # ' +
        'rationale: the dunning job scans unpaid invoices by paid_at every ' +
        'hour\n    op.create_index("ix_invoice_paid_at", "invoice", ["paid_at"])',
      howToFix:
        'Prefer `comment="…"`: Postgres stores it with the object, where every tool shows it. ' +
        'Otherwise write `# rationale: …` directly above the operation. The quick fix "Add ' +
        'rationale comment" inserts `# rationale: <why this change is needed>` above the operation; ' +
        'the rule keeps reporting that placeholder until it is replaced with the actual reason.',
      fixSafety: 'unsafe',
      notes:
        "The columns and constraints written inside `create_table(…)` are covered by the table's " +
        'rationale: the table needs one, its columns do not each need their own (a `comment=` on ' +
        'each column is still good practice). A rationale comment above a `with ' +
        'op.batch_alter_table(…)` line does not cover the operations inside it: write it above each ' +
        "operation. An operation in a helper function is covered by a rationale above the helper's " +
        'call in `upgrade()` as well. Placeholders (`<…>`, `TODO`, `TBD`, an empty rationale, ' +
        '`comment=""`) do not count. Only the upgrade is checked: a downgrade that re-creates what ' +
        'the upgrade dropped restores the earlier schema. The fix inserts a placeholder, so it is ' +
        'offered in the editor only.',
    },
  },
  check({ migration, report }) {
    const stored = storedComments(migration);
    const fixedLines = new Set<number>();
    const fixAbove = (op: Operation): Fix[] => {
      const line = migration.lines.positionAt(op.span.start).line;
      if (fixedLines.has(line)) return [];
      fixedLines.add(line);
      return [
        {
          title: 'Add rationale comment',
          edits: [insertLineAbove(migration, op.span.start, `# rationale: ${PLACEHOLDER}`)],
          safe: false,
        },
      ];
    };
    // Temporary tables created so far in the upgrade: they live for the session only, so neither
    // they nor their indexes are part of the schema that needs a reason.
    const temporary = new Set<string>();
    for (const op of upgradeOps(migration)) {
      const kind = DEFINING_OPS[op.name];
      if (kind && op.isAlembicOp) {
        if (op.table && temporary.has(op.table.toLowerCase())) continue;
        if (hasCommentArgument(op) || stored.has(storedKey(kind, op.table, pyObjectName(op, kind)))) continue;
        const rationale = commentRationale(migration, op);
        if (rationale.kind === 'given') continue;
        const what = describeOp(op, kind);
        report(
          rationale.kind === 'placeholder'
            ? {
                message: `The rationale of ${what} is still a placeholder, which explains nothing.`,
                help: 'Replace it with the reason for this change.',
                span: op.call.calleeSpan,
              }
            : {
                message: `${what} has no rationale, which the policy asks of every column, constraint and index.`,
                help: 'Add comment="…" (stored by PostgreSQL; preferred) or a # rationale: … comment directly above it.',
                span: op.call.calleeSpan,
                fixes: fixAbove(op),
              },
        );
        continue;
      }
      for (const statement of op.sql?.statements ?? []) {
        const temp = temporaryTableCreated(statement.kind, statement.parsed.node);
        if (temp) temporary.add(temp);
        const objects = definedObjects(statement.kind, statement.parsed.node).filter(
          (o) =>
            !temp && !temporary.has(o.table?.toLowerCase() ?? '') && !stored.has(storedKey(o.kind, o.table, o.name)),
        );
        if (objects.length === 0) continue;
        let rationale = sqlCommentRationale(op, statement);
        if (rationale.kind === 'missing') rationale = commentRationale(migration, op);
        if (rationale.kind === 'given') continue;
        const span = statementHeadSpan(migration, statement);
        const what = objects.map(describe).join(', ');
        report(
          rationale.kind === 'placeholder'
            ? {
                message: `The rationale of ${what} is still a placeholder, which explains nothing.`,
                help: 'Replace it with the reason for this change.',
                span,
              }
            : {
                message:
                  `${capitalize(what)} ${objects.length > 1 ? 'have' : 'has'} no rationale, which the policy ` +
                  `asks of every column, constraint and index.`,
                help: 'Add a COMMENT ON … (stored by PostgreSQL; preferred) or a # rationale: … comment directly above the execute.',
                span,
                fixes: fixAbove(op),
              },
        );
      }
    }
  },
});

/** "op.create_index "ix_account_email" on "account"": the call, and what it names when it says so. */
function describeOp(op: Operation, kind: ObjectKind): string {
  const name = pyObjectName(op, kind);
  return `${op.call.callee}${name ? ` "${name}"` : ''}${op.table && op.table !== name ? ` on "${op.table}"` : ''}`;
}

function describe(o: DefinedObject): string {
  const name = o.name ? ` "${o.name}"` : '';
  switch (o.kind) {
    case 'table':
      return `table${name}`;
    case 'index':
      return `index${name}`;
    case 'column':
      return `column${name}${o.table ? ` of "${o.table}"` : ''}`;
    case 'constraint':
      return `constraint${name}${o.table ? ` on "${o.table}"` : ''}`;
  }
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function isRealText(value: PyValue | undefined): boolean {
  if (!value || value.kind === 'none') return false;
  if (value.kind === 'string') return !PLACEHOLDER_TEXT.test(value.value);
  return true; // an expression (a helper's parameter): the author wired a comment through
}

function hasCommentArgument(op: Operation): boolean {
  if (isRealText(op.args.comment)) return true;
  return (
    op.name === 'add_column' &&
    op.columns.some((c) => isRealText(c.call.keywords.find((k) => k.name === 'comment')?.value))
  );
}

function pyObjectName(op: Operation, kind: ObjectKind): string | undefined {
  if (kind === 'column') return op.columns[0]?.name;
  if (kind === 'table') return op.table;
  const value = kind === 'index' ? op.args.index_name : op.args.constraint_name;
  return value?.kind === 'string' ? value.value : undefined;
}

function storedKey(kind: ObjectKind, table: string | undefined, name: string | undefined): string {
  return kind === 'column' || kind === 'constraint'
    ? `${kind}:${table ?? ''}.${name ?? ''}`.toLowerCase()
    : `${kind}:${name ?? ''}`.toLowerCase();
}

/** Objects that get a comment stored in Postgres somewhere in this revision's upgrade. */
function storedComments(migration: MigrationModel): Set<string> {
  const keys = new Set<string>();
  for (const op of upgradeOps(migration)) {
    if (op.name === 'create_table_comment' && isRealText(op.args.comment))
      keys.add(storedKey('table', undefined, op.table));
    if (op.name === 'alter_column' && isRealText(op.args.comment) && op.args.column_name?.kind === 'string')
      keys.add(storedKey('column', op.table, op.args.column_name.value));
    for (const statement of op.sql?.statements ?? []) {
      const fact = commentFact(statement.kind, statement.parsed.node);
      if (fact?.comment !== undefined && !PLACEHOLDER_TEXT.test(fact.comment))
        keys.add(storedKey(fact.kind, fact.table, fact.name));
    }
  }
  return keys;
}

/** A `# rationale:` comment above the op (or at the end of its line), or above a call of its helper. */
function commentRationale(migration: MigrationModel, op: Operation): Rationale {
  const anchors: number[] = [op.span.start];
  if (op.viaHelper) {
    for (const call of migration.calls) if (call.callee === op.viaHelper) anchors.push(call.span.start);
  }
  let placeholder: Rationale | undefined;
  for (const anchor of anchors) {
    const lines = commentBlockAbove(migration, anchor).map((c) => c.text);
    const trailing = trailingComment(migration, anchor);
    if (trailing) lines.push(trailing);
    for (const text of lines) {
      const m = RATIONALE_COMMENT.exec(text.trim());
      if (!m) continue;
      if (!PLACEHOLDER_TEXT.test(m[1])) return { kind: 'given' };
      placeholder ??= { kind: 'placeholder', line: migration.lines.positionAt(anchor).line };
    }
  }
  return placeholder ?? { kind: 'missing' };
}

/** A `-- rationale: …` line inside the SQL, between the previous statement and this one. */
function sqlCommentRationale(op: Operation, statement: SqlStatement): Rationale {
  const text = op.sql?.text;
  if (!text) return { kind: 'missing' };
  const index = op.sql?.statements.indexOf(statement) ?? 0;
  const previous = index > 0 ? op.sql?.statements[index - 1] : undefined;
  const from = previous ? previous.parsed.end : 0;
  const firstToken = tokenizeSql(text, statement.parsed.start, Math.min(text.length, statement.parsed.start + 200))[0];
  const gap = text.slice(from, firstToken ? firstToken.start : statement.parsed.start);
  let result: Rationale = { kind: 'missing' };
  for (const line of gap.split(/\r?\n/)) {
    const m = RATIONALE_COMMENT.exec(line.trim());
    if (!m) continue;
    if (!PLACEHOLDER_TEXT.test(m[1])) return { kind: 'given' };
    result = { kind: 'placeholder', line: 0 };
  }
  return result;
}

import type { MigrationModel } from '../model/migration';
import type { ProjectModel } from '../model/project';
import { replayProject, type ColumnModel, type TableModel } from '../model/schema';
import { CURRENT_INSTANT_FUNCTIONS, typeLabel } from '../model/schema/types';
import { lineBreakOf } from './util/pythonEdits';
import { defineRule, type Fix, type ProjectContext } from './types';

const AUDIT_COLUMNS = ['created_at', 'updated_at'] as const;
type AuditColumn = (typeof AUDIT_COLUMNS)[number];
const EXPECTED = 'timestamptz (`sa.DateTime(timezone=True)`), NOT NULL, with `server_default=sa.text("now()")`';

export default defineRule({
  meta: {
    id: 'SW207',
    name: 'audit-fields',
    severity: 'error',
    scope: 'project',
    policySection: 'Schema Evolution Boundaries',
    policyClause:
      'Audit fields (created_at, updated_at) must be added through migrations and kept consistent across tables.',
    docs: {
      summary:
        'Every table has `created_at` and `updated_at`: timestamptz, NOT NULL, defaulting to now(), declared alike everywhere.',
      whatItDoes:
        'Replays every revision into a schema model and checks each table as it stands at each head ' +
        '(so a later revision that adds the columns satisfies the rule). Reports a table without ' +
        '`created_at` or `updated_at` (at its `create_table` / `CREATE TABLE`), and an audit column ' +
        'that is not `timestamptz`, is nullable, or has no UTC-safe server default (`now()`, ' +
        '`CURRENT_TIMESTAMP`, `sa.func.now()`, `transaction_timestamp()`, `statement_timestamp()`, ' +
        '`clock_timestamp()`). Then compares the declarations across tables and reports a table ' +
        "whose audit column differs from the project's majority (precision, default function), " +
        'naming the difference.',
      whyBad:
        'The policy requires audit fields added through migrations and kept consistent across ' +
        'tables. Missing or nullable audit columns leave rows without a creation time; a naive ' +
        "`timestamp`, a `timezone('utc', now())` default on a `timestamptz` column or a quoted " +
        "`'now()'` string record the wrong instant or a constant; and tables that declare them " +
        'differently make every generic query, retention job and ORM mixin special-case them.',
      bad:
        'def upgrade():\n    op.create_table(\n        "invoice",\n        sa.Column("id", ' +
        'sa.UUID(), primary_key=True),\n        sa.Column("created_at", sa.DateTime(), ' +
        'nullable=True),\n    )',
      good:
        'def upgrade():\n    op.create_table(\n        "invoice",\n        sa.Column("id", ' +
        'sa.UUID(), primary_key=True),\n        sa.Column("created_at", sa.DateTime(timezone=True), ' +
        'nullable=False, server_default=sa.text("now()")),\n        sa.Column("updated_at", ' +
        'sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),\n    )',
      howToFix:
        'Declare both columns in `create_table` (or add them in a new revision). The quick fix adds ' +
        'the missing ones to the `create_table`, copying the declaration most tables of the project ' +
        'use when there is one, else `sa.Column("created_at", sa.DateTime(timezone=True), ' +
        'nullable=False, server_default=sa.text("now()"))`.',
      fixSafety: 'unsafe',
      notes:
        'A temporary table (`CREATE TEMP TABLE`) is a work table of one migration and is not checked. ' +
        '`now()`, `CURRENT_TIMESTAMP` and `transaction_timestamp()` give the same value and count ' +
        'as the same declaration. A Python-side `default=` is not written to the database by ' +
        "Alembic and does not count. Keeping `updated_at` current on UPDATE is the application's " +
        'job: a trigger would be database-level business logic (SW301). The fix changes the schema ' +
        'the revision creates and is offered in the editor only.',
    },
  },
  checkProject(context) {
    const { project } = context;
    const seen = new Set<TableModel>();
    const tables: TableModel[] = [];
    for (const { schema } of replayProject(project).heads) {
      for (const table of schema.tables.values()) {
        // A temporary table is a work table of one migration, not an entity that keeps rows.
        if (seen.has(table) || table.partitionOf || table.temporary) continue;
        seen.add(table);
        tables.push(table);
      }
    }
    const valid = new Map<AuditColumn, Array<{ table: TableModel; column: ColumnModel }>>(
      AUDIT_COLUMNS.map((c) => [c, []]),
    );
    for (const table of tables) {
      for (const name of AUDIT_COLUMNS) {
        const column = table.columns.get(name);
        if (!column) continue;
        const problems = columnProblems(column, context.isEnabled?.('SW204') === true);
        if (problems.length)
          reportAt(
            context,
            column.origin,
            `Audit column "${table.key}"."${name}" ${problems.join(', ')}.`,
            `Declare it ${EXPECTED}.`,
          );
        else valid.get(name)?.push({ table, column });
      }
    }
    // Second pass: the fixes copy the majority declaration, known only once every table was read.
    for (const table of tables) {
      const missing = AUDIT_COLUMNS.filter((c) => !table.columns.has(c));
      if (missing.length) {
        reportAt(
          context,
          table.origin,
          `Table "${table.key}" has no ${missing.join(' and ')} audit column${missing.length > 1 ? 's' : ''}, which every table needs.`,
          `Add ${missing.join(' and ')}: ${EXPECTED}.`,
          addColumnsFix(project, table, missing, valid),
        );
      }
    }
    for (const name of AUDIT_COLUMNS) {
      const declared = valid.get(name) ?? [];
      const majority = majorityOf(declared);
      if (!majority) continue;
      for (const { table, column } of declared) {
        const signature = signatureOf(column);
        if (signature.key === majority.key) continue;
        const differences = [
          signature.type !== majority.type ? `type ${signature.type} instead of ${majority.type}` : '',
          signature.default !== majority.default ? `default ${signature.default} instead of ${majority.default}` : '',
        ].filter((d) => d !== '');
        reportAt(
          context,
          column.origin,
          `Audit column "${table.key}"."${name}" is declared differently from ${majority.count} of ${declared.length} tables: ${differences.join(', ')}.`,
          `Declare it as the other tables do: ${majority.type}, default ${majority.default}.`,
        );
      }
    }
  },
});

function reportAt(
  context: ProjectContext,
  origin: { path: string; span: { start: number; end: number } },
  message: string,
  help: string,
  fix?: Fix,
): void {
  context.report({ path: origin.path, span: origin.span, message, help, fixes: fix ? [fix] : [] });
}

function columnProblems(column: ColumnModel, sw204Runs: boolean): string[] {
  const problems: string[] = [];
  // A timestamp without time zone is SW204's finding where the column is declared, and its fix
  // (timestamptz) settles it here too: one root cause, one finding, when SW204 runs.
  const naive = column.type?.name === 'timestamp';
  if (column.type && column.type.name !== 'timestamptz' && !(naive && sw204Runs))
    problems.push(naive ? 'is a timestamp without time zone' : `is ${typeLabel(column.type)}, not timestamptz`);
  if (column.nullable) problems.push('is nullable');
  const value = column.default;
  if (!value) {
    problems.push(
      column.def?.default
        ? 'has only a Python-side default= (Alembic never writes it to the database)'
        : 'has no server default',
    );
  } else if (value.quotedString) {
    problems.push(
      `has the quoted string ${value.text} as default (the database stores a constant, not a call: use sa.text("now()"))`,
    );
  } else if (value.convertsTimeZone && !naive) {
    // timezone('utc', now()) is right on a naive column (SW205's fix there): only on timestamptz is it wrong.
    problems.push(
      `has default ${value.text}, which yields a timestamp without time zone that the session time zone then reinterprets`,
    );
  } else if (!value.opaque && !value.functions.some((f) => CURRENT_INSTANT_FUNCTIONS.has(f))) {
    problems.push(`has default ${value.text}, which is not the current time`);
  }
  return problems;
}

interface Signature {
  key: string;
  type: string;
  default: string;
}

/** now(), CURRENT_TIMESTAMP and transaction_timestamp() are the same value: one declaration. */
function signatureOf(column: ColumnModel): Signature {
  const type = column.type ? typeLabel(column.type) : 'unknown';
  const fn = column.default?.functions.find((f) => CURRENT_INSTANT_FUNCTIONS.has(f));
  const value =
    fn === undefined
      ? (column.default?.text ?? 'none')
      : fn === 'current_timestamp' || fn === 'transaction_timestamp'
        ? 'now()'
        : `${fn}()`;
  return { key: `${type}|${value}`, type, default: value };
}

function majorityOf(
  declared: Array<{ column: ColumnModel }>,
): (Signature & { count: number; column: ColumnModel }) | undefined {
  const counts = new Map<string, { signature: Signature; count: number; column: ColumnModel }>();
  for (const { column } of declared) {
    const signature = signatureOf(column);
    const entry = counts.get(signature.key) ?? { signature, count: 0, column };
    entry.count++;
    // Prefer a declaration written with sa.Column, which a fix can copy.
    if (!entry.column.def && column.def) entry.column = column;
    counts.set(signature.key, entry);
  }
  const ranked = [...counts.values()].sort((a, b) => b.count - a.count);
  // A majority needs more tables than any other declaration; a tie names no convention.
  if (ranked.length === 0 || ranked[0].count === ranked[1]?.count) return undefined;
  return { ...ranked[0].signature, count: ranked[0].count, column: ranked[0].column };
}

/** Adds the missing audit columns after the last `sa.Column` of the table's `op.create_table`. */
function addColumnsFix(
  project: ProjectModel,
  table: TableModel,
  missing: AuditColumn[],
  valid: Map<AuditColumn, Array<{ column: ColumnModel }>>,
): Fix | undefined {
  const op = table.createOp;
  const migration = project.byPath.get(table.origin.path);
  if (!op || !migration) return undefined;
  const columns = op.rest.filter((v) => v.kind === 'call' && v.call.method === 'Column');
  const last = columns[columns.length - 1];
  if (!last || last.kind !== 'call') return undefined;
  const texts = missing.map((name) =>
    declarationFor(project, migration, name, last.call.receiver, valid.get(name) ?? []),
  );
  if (texts.some((t) => t === undefined)) return undefined;
  const lines = migration.lines;
  const sameLine = lines.positionAt(last.span.start).line === lines.positionAt(op.call.span.start).line;
  const indent = /^[ \t]*/.exec(lines.lineText(lines.positionAt(last.span.start).line))?.[0] ?? '';
  const separator = sameLine ? ', ' : `,${lineBreakOf(migration.source)}${indent}`;
  return {
    title: `Add ${missing.join(' and ')} to create_table`,
    edits: [
      { span: { start: last.span.end, end: last.span.end }, newText: texts.map((t) => `${separator}${t}`).join('') },
    ],
    safe: false,
  };
}

/**
 * The project's majority declaration of the column, as written in its revision, when every
 * module it names is imported in the target file; else the default declaration.
 */
function declarationFor(
  project: ProjectModel,
  target: MigrationModel,
  name: AuditColumn,
  columnReceiver: string,
  declared: Array<{ column: ColumnModel }>,
): string | undefined {
  const majority = majorityOf(declared);
  const def = majority?.column.def;
  const source = def ? project.byPath.get(majority.column.origin.path)?.source : undefined;
  const aliases = new Set(target.imports.map((i) => i.alias));
  if (def && source) {
    const text = source.slice(def.call.span.start, def.call.span.end);
    const roots = [...text.matchAll(/(?<![\w."'])([A-Za-z_]\w*)\./g)].map((m) => m[1]);
    if (!/[\r\n]/.test(text) && roots.every((r) => aliases.has(r))) return text;
  }
  const sa =
    target.imports.find((i) => i.module === 'sqlalchemy' && i.name === undefined)?.alias ??
    (columnReceiver || undefined);
  if (!sa) return undefined;
  return `${sa}.Column("${name}", ${sa}.DateTime(timezone=True), nullable=False, server_default=${sa}.text("now()"))`;
}

import type { MigrationModel } from '../model/migration';
import { lineBreakOf } from './util/pythonEdits';
import { addDocstringLine, labelledLines, type DocstringLine } from './util/docstring';
import { viewsDefinedIn, type DefinedView } from './util/viewDefinitions';
import { defineRule, type Fix } from './types';

const LABEL = 'Depends on';

export default defineRule({
  meta: {
    id: 'SW404',
    name: 'view-dependencies',
    severity: 'error',
    scope: 'revision',
    policySection: 'Tables vs Views Policy',
    policyClause:
      'Any new view or materialized view must include dependency mapping in its migration and avoid breaking consumers when refreshed.',
    docs: {
      summary: "A view's revision lists the relations the view reads, and the list matches its SQL.",
      whatItDoes:
        'For every view or materialized view the upgrade defines (`CREATE [OR REPLACE] VIEW`, ' +
        '`CREATE MATERIALIZED VIEW`, alembic_utils `PGView` / `PGMaterializedView` with a literal ' +
        'definition), computes the relations its query reads from the parse tree — FROM and JOIN ' +
        "items, subqueries, CTE bodies, excluding the CTEs' own names — and compares them with the " +
        "revision docstring's `Depends on: a, b` line (one view) or `<view> depends on: a, b` lines " +
        '(several views). Reports a missing line and a line that names a relation the view does not ' +
        'read, or misses one it does.',
      whyBad:
        "Before changing or dropping a table, reviewers and the next migration's author need to " +
        'know which views read it: PostgreSQL refuses `DROP TABLE`/`ALTER COLUMN TYPE` under a ' +
        'dependent view (or drops the view with CASCADE), breaking its consumers. A mapping written ' +
        'by hand and never checked drifts from the SQL.',
      bad:
        '"""Add open_invoice view."""\n\ndef upgrade():\n    op.execute("CREATE VIEW open_invoice ' +
        'AS SELECT i.id, c.name FROM invoice i JOIN customer c ON c.id = i.customer_id")',
      good:
        '"""Add open_invoice view.\n\nDepends on: invoice, customer\n"""\n\ndef ' +
        'upgrade():\n    op.execute("CREATE VIEW open_invoice AS SELECT i.id, c.name FROM invoice i ' +
        'JOIN customer c ON c.id = i.customer_id")',
      howToFix:
        'Write the line the message gives. The quick fix writes the computed mapping into the ' +
        "docstring: it replaces a wrong line, adds a missing one before Alembic's `Revision ID:` " +
        'block, or adds a docstring at the top of the file.',
      fixSafety: 'safe',
      notes:
        'Relations outside the default schema are written `schema.name`; `public.` is optional. A ' +
        'view that reads no relation is mapped as `Depends on: none`. Names are compared ' +
        'case-insensitively.',
    },
  },
  check({ migration, report }) {
    const views = viewsDefinedIn(migration).filter((v) => v.reads !== undefined);
    if (views.length === 0) return;
    const lines = labelledLines(migration, LABEL);
    const single = views.length === 1;
    const unqualified = lines.filter((l) => !l.qualifier);
    // Without a docstring every view's fix writes the same new docstring with all missing lines,
    // so that applying several of them at once yields one docstring, not one per view.
    const newDocstringLines = migration.docstringSpan
      ? undefined
      : views
          .map((v) => {
            const reads = v.reads as string[];
            const expected = reads.length ? reads.join(', ') : 'none';
            return single ? `${LABEL}: ${expected}` : `${v.key} depends on: ${expected}`;
          })
          .join(lineBreakOf(migration.source));
    for (const view of views) {
      const reads = view.reads as string[];
      const line =
        lines.find((l) => l.qualifier && sameName(l.qualifier, view.key)) ??
        (unqualified.length === 1 ? unqualified[0] : undefined);
      const expected = reads.length ? reads.join(', ') : 'none';
      if (!line) {
        const text = single ? `${LABEL}: ${expected}` : `${view.key} depends on: ${expected}`;
        report({
          message: `${kindOf(view)} "${view.key}" has no dependency mapping in the revision description, so a reviewer cannot see what it reads.`,
          help: `Add "${text}" to the docstring.`,
          span: view.span,
          fixes: fixOf(migration, undefined, newDocstringLines ?? text, expected),
        });
        continue;
      }
      const written = parseList(line.value);
      const actual = new Set(reads.map(normalise));
      const missing = reads.filter((r) => !written.has(normalise(r)));
      const extra = [...written].filter((w) => !actual.has(w));
      if (missing.length === 0 && extra.length === 0) continue;
      const problems = [
        missing.length ? `it reads ${missing.join(', ')} but the mapping does not say so` : '',
        extra.length ? `the mapping names ${extra.join(', ')}, which it does not read` : '',
      ]
        .filter((p) => p !== '')
        .join('; ');
      report({
        message: `The dependency mapping of ${kindOf(view).toLowerCase()} "${view.key}" differs from its SQL: ${problems}.`,
        help: `Write "${expected}".`,
        span: view.span,
        fixes: fixOf(migration, line, '', expected),
      });
    }
  },
});

function kindOf(view: DefinedView): string {
  return view.materialized ? 'Materialized view' : 'View';
}

function fixOf(migration: MigrationModel, line: DocstringLine | undefined, newLine: string, expected: string): Fix[] {
  const edit = line ? { span: line.valueSpan, newText: expected } : addDocstringLine(migration, newLine);
  return edit ? [{ title: 'Write the dependency mapping computed from the SQL', edits: [edit], safe: true }] : [];
}

function normalise(name: string): string {
  return name
    .trim()
    .replace(/[`"']/g, '')
    .replace(/^public\./i, '')
    .toLowerCase();
}

function sameName(a: string, b: string): boolean {
  return normalise(a) === normalise(b);
}

function parseList(value: string): Set<string> {
  const items = value
    .split(/[,;]/)
    .map(normalise)
    .filter((s) => s !== '' && s !== 'none' && s !== '-');
  return new Set(items);
}

import { entityViewCall, viewFromEntity } from '../model/schema/entities';
import type { Span } from '../model/source';
import { ddlFactOf } from '../parse/facts/schemaDdl';
import { qualifiedName, viewDefinitionOf } from '../parse/facts/views';
import { keywordSpan, nameSpan } from './util/sqlNames';
import { revisionTables, upgradeOperations } from './util/revisionTables';
import { defineRule, type FindingInput } from './types';

const ADVICE =
  'Keep the old columns (add new ones at the end), or ship a new view beside the old one and ' +
  'drop the old one once no consumer reads it (a staged rollout with a decision record).';

interface ViewState {
  columns?: string[];
}
interface Dropped {
  key: string;
  before?: ViewState;
  span: Span;
  materialized: boolean;
}

export default defineRule({
  meta: {
    id: 'SW405',
    name: 'view-compatibility',
    severity: 'warning',
    scope: 'revision',
    policySection: 'Tables vs Views Policy',
    policyClause:
      'Any new view or materialized view must include dependency mapping in its migration and avoid breaking consumers when refreshed.',
    docs: {
      summary: 'Dropping or redefining a view must not remove or rename the columns its consumers read.',
      whatItDoes:
        'Compares each view the upgrade drops, replaces or renames with its previous definition in ' +
        'the replayed schema (its output column names). Reports `DROP VIEW` / `DROP MATERIALIZED ' +
        'VIEW` (SQL or alembic_utils `drop_entity`) of a view the revision does not recreate; a ' +
        'drop-and-recreate or `CREATE OR REPLACE VIEW` / `replace_entity` whose new definition ' +
        'lacks or renames a column of the old one; and `ALTER VIEW … RENAME` (of the view or of a ' +
        'column).',
      whyBad:
        'Reports, API endpoints and other views select columns of a view by name. Removing or ' +
        'renaming one breaks them at the moment the migration runs — while the previous application ' +
        'version is still serving traffic, which the policy forbids until deployment is complete.',
      bad: 'def upgrade():\n    op.execute("DROP VIEW open_invoice")  # the billing dashboard still selects from it',
      good:
        'def upgrade():\n    op.execute("CREATE OR REPLACE VIEW open_invoice AS SELECT id, total, ' +
        "currency FROM invoice WHERE status = 'open'\")  # new column at the end",
      howToFix: ADVICE,
      fixSafety: 'none',
      notes:
        'PostgreSQL itself rejects `CREATE OR REPLACE VIEW` that drops or renames columns ("cannot ' +
        'drop columns from view"), so that form fails at migration time; drop-and-recreate succeeds ' +
        'and breaks consumers silently. When either definition selects `*`, its columns are unknown ' +
        'and a recreate is not reported. Output types are not compared.',
    },
  },
  check({ migration, project, report }) {
    // The views as they stand while the upgrade runs: the replayed schema before it, overlaid with this revision's changes.
    const before = revisionTables(project, migration).schema.before.views;
    const overlay = new Map<string, ViewState | null>();
    const views = {
      get: (key: string): ViewState | undefined =>
        overlay.has(key) ? (overlay.get(key) ?? undefined) : before.get(key),
      has: (key: string): boolean => (overlay.has(key) ? overlay.get(key) !== null : before.has(key)),
      set: (key: string, state: ViewState): void => {
        overlay.set(key, state);
      },
      delete: (key: string): void => {
        overlay.set(key, null);
      },
    };
    const dropped = new Map<string, Dropped>();
    const defined = (key: string, columns: string[] | undefined, span: Span, replace: boolean): void => {
      const wasDropped = dropped.get(key);
      const previous = wasDropped ? wasDropped.before : replace ? views.get(key) : undefined;
      dropped.delete(key);
      views.set(key, { columns });
      if (!previous?.columns || !columns) return;
      const problem = columnProblem(previous.columns, columns);
      if (problem)
        report({
          message: `View "${key}" is redefined ${problem}: consumers that select the old column names break.${replace && !wasDropped ? ` (PostgreSQL rejects this CREATE OR REPLACE: "${problem.startsWith('and renames') ? 'cannot change name of view column' : 'cannot drop columns from view'}".)` : ''}`,
          help: ADVICE,
          span,
        });
    };
    const drop = (key: string, span: Span, materialized: boolean): void => {
      dropped.set(key, { key, before: views.get(key), span, materialized });
      views.delete(key);
    };
    for (const op of upgradeOperations(migration)) {
      if (op.name === 'drop_entity' || op.name === 'replace_entity') {
        const call = entityViewCall(op, migration);
        const view = call ? viewFromEntity(op, migration, (span) => ({ path: migration.path, span })) : undefined;
        if (view && op.name === 'drop_entity') drop(view.key, op.call.calleeSpan, view.materialized);
        else if (view) defined(view.key, view.columns, view.origin.span, true);
        continue;
      }
      if (op.name === 'create_entity') {
        const view = entityViewCall(op, migration)
          ? viewFromEntity(op, migration, (span) => ({ path: migration.path, span }))
          : undefined;
        if (view) defined(view.key, view.columns, view.origin.span, false);
        continue;
      }
      for (const statement of op.sql?.statements ?? []) {
        const { kind, node } = statement.parsed;
        const definition = viewDefinitionOf(kind, node);
        if (definition) {
          const offset = definition.view.schema ? definition.view.schema.length + 1 : 0;
          defined(
            qualifiedName(definition.view),
            definition.columns,
            nameSpan(statement, definition.view.location + offset, definition.view.name),
            definition.orReplace,
          );
          continue;
        }
        const fact = ddlFactOf(kind, node);
        if (fact.kind === 'drop' && (fact.objectType === 'VIEW' || fact.objectType === 'MATVIEW')) {
          for (const name of fact.names)
            drop(
              qualifiedName(name),
              keywordSpan(migration.source, statement, /^drop\s+(materialized\s+)?view/i),
              fact.objectType === 'MATVIEW',
            );
        } else if (
          fact.kind === 'rename' &&
          fact.table &&
          (fact.objectType === 'VIEW' ||
            fact.objectType === 'MATVIEW' ||
            ((fact.objectType === 'TABLE' || fact.objectType === 'COLUMN') && views.has(qualifiedName(fact.table))))
        ) {
          const key = qualifiedName(fact.table);
          const what =
            fact.objectType === 'COLUMN'
              ? `renames its column "${fact.subname}" to "${fact.newName}"`
              : `renames it to "${fact.newName}"`;
          report({
            message: `ALTER … RENAME on view "${key}" ${what}: consumers that read the old name break.`,
            help: ADVICE,
            span: nameSpan(statement, fact.table.location, fact.table.name),
          });
        }
      }
    }
    for (const gone of dropped.values()) reportDrop(gone, report);
  },
});

function reportDrop(gone: Dropped, report: (f: FindingInput) => void): void {
  const columns = gone.before?.columns?.length ? ` (columns ${gone.before.columns.join(', ')})` : '';
  report({
    message:
      `${gone.materialized ? 'DROP MATERIALIZED VIEW' : 'DROP VIEW'} removes "${gone.key}"${columns} ` +
      `and this revision does not recreate it: consumers that read it break.`,
    help: ADVICE,
    span: gone.span,
  });
}

/** "without column(s) …" / "and renames column …", comparing old and new output columns. */
function columnProblem(before: string[], after: string[]): string | undefined {
  const removed = before.filter((c) => !after.includes(c));
  if (removed.length === 0) return undefined;
  // Same position, different name: a rename rather than a removal.
  const renamed = removed.filter((c) => {
    const i = before.indexOf(c);
    return after[i] !== undefined && !before.includes(after[i]);
  });
  if (renamed.length === removed.length)
    return `and renames column${renamed.length > 1 ? 's' : ''} ${renamed.map((c) => `"${c}" → "${after[before.indexOf(c)]}"`).join(', ')}`;
  return `without column${removed.length > 1 ? 's' : ''} ${removed.map((c) => `"${c}"`).join(', ')}`;
}

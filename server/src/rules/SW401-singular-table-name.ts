import pluralize from 'pluralize';
import { stringValue } from '../model/migration';
import type { Span } from '../model/source';
import { ddlFactOf } from '../parse/facts/schemaDdl';
import { nameSpan } from './util/sqlNames';
import { upgradeOperations } from './util/revisionTables';
import { defineRule } from './types';

/** Names that say nothing about the entity a table holds. */
const GENERIC_NAMES = new Set([
  'data',
  'info',
  'information',
  'misc',
  'temp',
  'tmp',
  'table',
  'tbl',
  'stuff',
  'object',
  'entity',
  'record',
  'item',
  'thing',
  'test',
  'new_table',
  'table1',
  'other',
  'general',
]);
const GENERIC_AFFIXES = /^(tbl|tmp|temp)_|_(tbl|tmp|temp)$/i;
/**
 * Mass nouns that pluralize reads as plurals of a Latin singular nobody uses as a table name
 * ("metadatum", "datum"), or whose last letter it mistakes for a plural "s".
 */
const MASS_NOUNS = new Set([
  'data',
  'metadata',
  'sms',
  'canvas',
  'gas',
  'lens',
  'bonus',
  'census',
  'chassis',
  'statistics',
  'analytics',
  'logistics',
  'economics',
  'physics',
  'ethics',
]);
/**
 * The mass nouns a single-token name may end with (`robotaccountmetadata`, `userdata`): long enough
 * not to be the tail of an unrelated plural.
 */
const MASS_NOUN_ENDINGS = [...MASS_NOUNS].filter((w) => w.length >= 4 && w !== 'lens');
/**
 * PostgreSQL's reserved key words (and those reserved except as a function or type name): a
 * singular that is one of them cannot be a table name without quoting, so it is never suggested.
 */
const RESERVED_WORDS = new Set(
  (
    'all analyse analyze and any array as asc asymmetric authorization binary both case cast check collate ' +
    'collation column concurrently constraint create cross current_catalog current_date current_role ' +
    'current_schema current_time current_timestamp current_user default deferrable desc distinct do else end ' +
    'except false fetch for foreign freeze from full grant group having ilike in initially inner intersect into ' +
    'is isnull join lateral leading left like limit localtime localtimestamp natural not notnull null offset on ' +
    'only or order outer overlaps placing primary references returning right select session_user similar some ' +
    'symmetric system_user table tablesample then to trailing true union unique user using variadic verbose ' +
    'when where window with'
  ).split(' '),
);

export default defineRule({
  meta: {
    id: 'SW401',
    name: 'singular-table-name',
    severity: 'warning',
    scope: 'revision',
    policySection: 'Tables vs Views Policy',
    policyClause:
      'Base tables capture authoritative domain records; naming must be explicit and singular per entity boundary.',
    docs: {
      summary: 'New tables are named after one entity, in the singular, and not generically.',
      whatItDoes:
        'Checks the name of every table the upgrade creates (`op.create_table`, SQL `CREATE TABLE`) ' +
        'or renames to (`op.rename_table`, `ALTER TABLE … RENAME TO`). The last word of a ' +
        'snake_case or camelCase name must be singular according to the `pluralize` library ' +
        '(`user_accounts` → `user_account`; uncountable words such as `status`, `news`, `series` ' +
        'are fine). Generic names (`data`, `info`, `misc`, `temp`, `tbl_*`, `*_tmp`, …) are ' +
        'reported as not explicit.',
      whyBad:
        'The policy asks for explicit, singular names per entity boundary: one row is one ' +
        '`invoice`, and a consistent convention keeps ORM models, foreign keys (`invoice_id`) and ' +
        'queries predictable. A name like `data` or `tbl_misc` says nothing about the records it ' +
        'holds.',
      bad: 'def upgrade():\n    op.create_table("user_accounts", sa.Column("id", sa.UUID(), primary_key=True))',
      good: 'def upgrade():\n    op.create_table("user_account", sa.Column("id", sa.UUID(), primary_key=True))',
      howToFix:
        'Rename the table to the singular the message suggests (or to a name that says which entity ' +
        'it holds), together with the foreign keys and code that refer to it. No quick fix: other ' +
        'files use the name.',
      fixSafety: 'none',
      notes:
        'Partitions (`CREATE TABLE … PARTITION OF`) are named after their parent and not checked, ' +
        'nor are temporary tables (`CREATE TEMP TABLE`), work tables of one migration. ' +
        'Only the last word counts: `orders_archive` is singular (`archive`), `order_items` is not. ' +
        'Mass nouns the library misreads (`metadata`, `sms`) are accepted.',
    },
  },
  check({ migration, report }) {
    const check = (name: string, span: Span): void => {
      const problem = nameProblem(name);
      if (problem) {
        const [message, help] = problem.split(' HELP: ');
        report({ message, help, span });
      }
    };
    for (const op of upgradeOperations(migration)) {
      if (op.isAlembicOp && op.name === 'create_table' && op.table && op.args.table_name)
        check(op.table, op.args.table_name.span);
      if (op.isAlembicOp && op.name === 'rename_table') {
        const to = op.args.new_table_name;
        const name = stringValue(to);
        if (name && to) check(name, to.span);
      }
      for (const statement of op.sql?.statements ?? []) {
        const fact = ddlFactOf(statement.kind, statement.parsed.node);
        // A temporary table is a work table of this migration, no entity of the schema.
        if (fact.kind === 'create-table' && !fact.partitionOf && !fact.temporary)
          check(
            fact.table.name,
            nameSpan(
              statement,
              fact.table.location + (fact.table.schema ? fact.table.schema.length + 1 : 0),
              fact.table.name,
            ),
          );
        if (fact.kind === 'rename' && fact.objectType === 'TABLE') check(fact.newName, statement.span);
      }
    }
  },
});

/** What is wrong with a table name and, after " HELP: ", what to do; or undefined. */
export function nameProblem(name: string): string | undefined {
  // pluralize runs a long list of regular expressions; the editor asks again on every keystroke.
  if (problems.has(name)) return problems.get(name);
  const problem = nameProblemUncached(name);
  if (problems.size >= PROBLEM_ENTRIES) problems.clear();
  problems.set(name, problem);
  return problem;
}

const problems = new Map<string, string | undefined>();
const PROBLEM_ENTRIES = 2000;

function nameProblemUncached(name: string): string | undefined {
  const lower = name.toLowerCase();
  if (GENERIC_NAMES.has(lower) || GENERIC_AFFIXES.test(lower)) {
    return (
      `Table name "${name}" is generic, so it says nothing about the records it holds. HELP: Name ` +
      `the table after the one entity each row records (e.g. "invoice", "customer_address").`
    );
  }
  const words = lower
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .split(/[_\s]+/)
    .filter((w) => w !== '');
  const camelWords = name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .split(/[_\s]+/)
    .filter((w) => w !== '');
  const last = camelWords[camelWords.length - 1] ?? '';
  const word = last.toLowerCase();
  if (words.length === 0 || !/^[a-z]{3,}$/.test(word) || MASS_NOUNS.has(word)) return undefined;
  if (MASS_NOUN_ENDINGS.some((noun) => word.endsWith(noun))) return undefined;
  if (!pluralize.isPlural(word) || pluralize.isSingular(word)) return undefined;
  const singularWord = pluralize.singular(word);
  if (singularWord === word) return undefined;
  const suggestion = name.slice(0, name.length - last.length) + matchCase(last, singularWord);
  if (RESERVED_WORDS.has(suggestion.toLowerCase()))
    return (
      `Table name "${name}" is plural, and its singular "${suggestion}" is a reserved word in ` +
      `SQL. HELP: Name it after the one entity each row records, in the singular, e.g. "customer_` +
      `${suggestion.toLowerCase()}".`
    );
  return `Table name "${name}" is plural, and tables are named in the singular, one row per entity. HELP: Rename it to "${suggestion}".`;
}

function matchCase(original: string, word: string): string {
  if (original === original.toUpperCase()) return word.toUpperCase();
  if (original[0] === original[0].toUpperCase()) return word[0].toUpperCase() + word.slice(1);
  return word;
}

import { createHash } from 'node:crypto';

/**
 * The names an index or constraint may get in the database besides the one written in the
 * operation. With a `naming_convention` on the models' MetaData, SQLAlchemy names a CHECK
 * "valid_state" on "ticket" `ck_ticket_valid_state`, and gives unnamed ones (`None`) names such
 * as `fk_ticket_account_id_account`; without one, PostgreSQL names unnamed ones itself
 * (`ticket_account_id_fkey`). A downgrade drops them by those names. These are the common forms:
 * SQLAlchemy's documented convention and PostgreSQL's defaults. `op.f("…")` names are final.
 */

export type ConventionKind = 'index' | 'unique' | 'check' | 'foreign' | 'primary' | 'exclude';

/** PostgreSQL truncates identifiers to 63 bytes. */
const MAX_IDENTIFIER = 63;

export function conventionalNames(
  kind: ConventionKind,
  table: string,
  columns: readonly string[],
  name: string | undefined,
  final: boolean,
  referent?: string,
): string[] {
  if (final) return [];
  const t = table.toLowerCase();
  const col0 = columns[0]?.toLowerCase();
  const all = columns.map((c) => c.toLowerCase()).join('_');
  const names: Array<string | undefined> = [];
  switch (kind) {
    case 'index':
      if (!name && col0) names.push(`ix_${t}_${col0}`, `ix_${t}_${all}`, `${t}_${all}_idx`, `ix_${col0}`);
      break;
    case 'unique':
      if (!name && col0) names.push(`uq_${t}_${col0}`, `uq_${t}_${all}`, `${t}_${all}_key`, `uq_${col0}`);
      break;
    case 'check':
      if (name) names.push(`ck_${t}_${name}`);
      else if (col0) names.push(`${t}_${col0}_check`, `${t}_check`);
      break;
    case 'foreign':
      if (!name && col0)
        names.push(
          referent ? `fk_${t}_${col0}_${referent}` : undefined,
          referent ? `fk_${t}_${all}_${referent}` : undefined,
          `${t}_${col0}_fkey`,
          `${t}_${all}_fkey`,
        );
      break;
    case 'primary':
      if (!name) names.push(`pk_${t}`, `${t}_pkey`);
      break;
    case 'exclude':
      if (!name) names.push(`${t}_${col0 ?? ''}_excl`);
      break;
  }
  return [...new Set(names.filter((n): n is string => n !== undefined).map((n) => n.slice(0, MAX_IDENTIFIER)))].filter(
    (n) => n !== name,
  );
}

/** A `naming_convention` as declared on the models' MetaData: template by key (`ix`, `uq`, `ck`, `fk`, `pk`). */
export type NamingConvention = Readonly<Partial<Record<'ix' | 'uq' | 'ck' | 'fk' | 'pk', string>>>;

const CONVENTION_KEY: Record<ConventionKind, keyof NamingConvention | undefined> = {
  index: 'ix',
  unique: 'uq',
  check: 'ck',
  foreign: 'fk',
  primary: 'pk',
  exclude: undefined,
};

/** What a declared convention names an object: a name, or a pattern when a token's value cannot be known. */
export interface DeclaredNames {
  names: string[];
  /** Anchored, lower case; `.*` where the template has a token whose value cannot be known statically. */
  pattern?: RegExp;
  /** Does the pattern hold the table's name (so that it cannot match an object of another table)? */
  namesTable: boolean;
}

/** `column_0_name`, `column_1N_label`, `referred_column_0_N_key` …: SQLAlchemy's column tokens. */
const COLUMN_TOKEN = /^(referred_)?column_(\d+)(_N|N)?_(name|key|label)$/;

/**
 * The name(s) the declared convention gives, as SQLAlchemy renders them: a template applies to an
 * unnamed object, and to a named one only when it uses `%(constraint_name)s`. Tokens: `table_name`,
 * `constraint_name`, `referred_table_name`, `column_X_name`/`_key`/`_label` with `N` and `_N`
 * (all columns from X, joined without or with `_`), the same for `referred_column_…`. A token that
 * cannot be known statically (a project's own callable such as indico's `%(unique_index)s`, or a
 * column of an expression) matches any text: the convention still names the object, with a part
 * that is not known. A name longer than PostgreSQL's 63 bytes is truncated as SQLAlchemy does
 * (55 characters, `_` and 4 hex digits of its md5) or as PostgreSQL does (63 characters).
 */
export function declaredNames(
  convention: NamingConvention,
  kind: ConventionKind,
  table: string,
  columns: readonly string[],
  name: string | undefined,
  final: boolean,
  referent?: string,
): DeclaredNames | undefined {
  const key = CONVENTION_KEY[kind];
  const template = key ? convention[key] : undefined;
  if (final || !template) return undefined;
  const usesName = template.includes('%(constraint_name)s');
  if (name ? !usesName : usesName) return undefined;
  const t = table.toLowerCase();
  const cols = columns.map((c) => c.toLowerCase());
  const token = (tokenName: string): string | undefined => {
    if (tokenName === 'table_name') return t;
    if (tokenName === 'constraint_name') return name;
    if (tokenName === 'referred_table_name') return referent;
    const column = COLUMN_TOKEN.exec(tokenName);
    // Referred columns are not recorded; a column past the last one is not known.
    if (!column || column[1] || Number(column[2]) >= cols.length) return undefined;
    const from = column[3] ? cols.slice(Number(column[2])) : [cols[Number(column[2])]];
    const rendered = column[4] === 'label' ? from.map((c) => `${t}_${c}`) : from;
    return rendered.join(column[3] === 'N' ? '' : '_');
  };
  let unknown = false;
  let pattern = '^';
  let expanded = '';
  let last = 0;
  for (const match of template.matchAll(/%\((\w+)\)s/g)) {
    const literal = template.slice(last, match.index).toLowerCase();
    expanded += literal;
    pattern += escapeRegExp(literal);
    const value = token(match[1]);
    if (value === undefined) {
      unknown = true;
      pattern += '.*';
    } else {
      expanded += value;
      pattern += escapeRegExp(value.toLowerCase());
    }
    last = (match.index ?? 0) + match[0].length;
  }
  const tail = template.slice(last).toLowerCase();
  expanded = expanded.toLowerCase() + tail;
  pattern += `${escapeRegExp(tail)}$`;
  const namesTable = /%\((table_name|column_\d+(_N|N)?_label)\)s/.test(template);
  if (unknown) return { names: [], pattern: new RegExp(pattern, 's'), namesTable };
  return { names: truncations(expanded), namesTable };
}

/** A long name as SQLAlchemy 1.4+ (md5 suffix) and PostgreSQL (plain truncation) shorten it. */
function truncations(name: string): string[] {
  if (Buffer.byteLength(name, 'utf8') <= MAX_IDENTIFIER) return [name];
  const hash = createHash('md5').update(name).digest('hex').slice(-4);
  return [`${name.slice(0, MAX_IDENTIFIER - 8)}_${hash}`, name.slice(0, MAX_IDENTIFIER)];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The one name the declared convention gives, when it can be known in full (see `declaredNames`). */
export function declaredName(
  convention: NamingConvention,
  kind: ConventionKind,
  table: string,
  columns: readonly string[],
  name: string | undefined,
  final: boolean,
  referent?: string,
): string | undefined {
  return declaredNames(convention, kind, table, columns, name, final, referent)?.names[0];
}

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

/**
 * The name the declared convention gives: SQLAlchemy applies a template to an unnamed object,
 * and to a named one only when the template uses `%(constraint_name)s`.
 */
export function declaredName(
  convention: NamingConvention,
  kind: ConventionKind,
  table: string,
  columns: readonly string[],
  name: string | undefined,
  final: boolean,
  referent?: string,
): string | undefined {
  const key = CONVENTION_KEY[kind];
  const template = key ? convention[key] : undefined;
  if (final || !template) return undefined;
  const usesName = template.includes('%(constraint_name)s');
  if (name ? !usesName : usesName) return undefined;
  const t = table.toLowerCase();
  const cols = columns.map((c) => c.toLowerCase());
  const tokens: Record<string, string | undefined> = {
    table_name: t,
    constraint_name: name,
    referred_table_name: referent,
    column_0_name: cols[0],
    column_0_label: cols[0] !== undefined ? `${t}_${cols[0]}` : undefined,
    column_0_N_name: cols.length ? cols.join('_') : undefined,
    column_0N_name: cols.length ? cols.join('') : undefined,
    column_0_N_label: cols.length ? cols.map((c) => `${t}_${c}`).join('_') : undefined,
    column_0N_label: cols.length ? cols.map((c) => `${t}_${c}`).join('') : undefined,
  };
  let missing = false;
  const expanded = template.replace(/%\((\w+)\)s/g, (_all, token: string) => {
    const value = tokens[token];
    if (value === undefined) missing = true;
    return value ?? '';
  });
  return missing ? undefined : expanded.toLowerCase().slice(0, MAX_IDENTIFIER);
}

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

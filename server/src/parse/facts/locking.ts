import type { SqlNode } from '../sql';
import { constantString, nameParts, walkSql } from '../sqlFacts';

/**
 * Session settings that bound how long DDL waits for locks: `SET [LOCAL] lock_timeout = …`,
 * `SET [LOCAL] statement_timeout`, and `SELECT set_config('lock_timeout', …)`.
 */
export interface TimeoutSettingFact {
  setting: 'lock_timeout' | 'statement_timeout';
  value?: string;
  local: boolean;
  location: number;
}

export function timeoutSettingOf(kind: string, node: SqlNode): TimeoutSettingFact | undefined {
  if (kind === 'VariableSetStmt') {
    const name = String(node.name ?? '').toLowerCase();
    if (name !== 'lock_timeout' && name !== 'statement_timeout') return undefined;
    const args = (node.args as unknown[] | undefined) ?? [];
    const first = args[0] as { A_Const?: { ival?: { ival?: number }; sval?: { sval?: string } } } | undefined;
    const value =
      first?.A_Const?.sval?.sval ?? (first?.A_Const?.ival ? String(first.A_Const.ival.ival ?? 0) : undefined);
    return {
      setting: name,
      value,
      local: node.is_local === true,
      location: (node.location as number | undefined) ?? -1,
    };
  }
  if (kind === 'SelectStmt') {
    let found: TimeoutSettingFact | undefined;
    walkSql(node, (type, value) => {
      if (found || type !== 'FuncCall') return;
      const fn = nameParts(value.funcname).pop()?.toLowerCase();
      const args = (value.args as unknown[] | undefined) ?? [];
      const setting = constantString(args[0])?.toLowerCase();
      if (fn === 'set_config' && (setting === 'lock_timeout' || setting === 'statement_timeout')) {
        found = {
          setting,
          value: constantString(args[1]),
          local: JSON.stringify(args[2] ?? '').includes('true'),
          location: (value.location as number | undefined) ?? -1,
        };
      }
    });
    return found;
  }
  return undefined;
}

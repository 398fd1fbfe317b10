import type { MigrationModel, PyCall, PyValue } from '../model/migration';
import { ObjectMemo } from '../model/objectMemo';

/**
 * Every call of a file, including calls nested in other calls' arguments (`sa.ForeignKey(...)`
 * inside `sa.Column(...)` inside `op.create_table(...)`), in source order. `migration.calls`
 * holds the outermost calls of each statement; the nested ones are found in their arguments.
 */
const cache = new ObjectMemo<MigrationModel, PyCall[]>('cache');

export function everyCall(migration: MigrationModel): PyCall[] {
  const cached = cache.get(migration);
  if (cached) return cached;
  const seen = new Set<number>();
  const out: PyCall[] = [];
  const visitCall = (call: PyCall): void => {
    const key = call.span.start * 65536 + (call.span.end - call.span.start);
    if (seen.has(key)) return;
    seen.add(key);
    out.push(call);
    for (const arg of call.args) visitValue(arg);
    for (const keyword of call.keywords) visitValue(keyword.value);
  };
  const visitValue = (value: PyValue): void => {
    if (value.kind === 'call') visitCall(value.call);
    else if (value.kind === 'sequence') value.items.forEach(visitValue);
    else if (value.kind === 'dict')
      value.entries.forEach((e) => {
        visitValue(e.key);
        visitValue(e.value);
      });
  };
  for (const call of migration.calls) visitCall(call);
  for (const operation of migration.operations) visitCall(operation.call);
  out.sort((a, b) => a.span.start - b.span.start || b.span.end - a.span.end);
  cache.set(migration, out);
  return out;
}

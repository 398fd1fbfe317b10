import type { PyNode } from '../parse/pyTree';
import type { Operation, PyCall, PyValue } from './migration';
import { toCall } from './pyValues';
import { ObjectMemo } from './objectMemo';

/**
 * Memos of the model builder keyed by syntax node, for the language server's incremental model.
 * After an edit, the copy of the tree keeps every subtree before the edit as the very same
 * `PyNode` objects (parse/pyTreeReuse.ts): for those, the call they convert to and the operation
 * built from it are taken as they were, offsets and all, since the text before the edit and so
 * every offset in it are unchanged. A node the edit touched, or one after it (whose offsets moved),
 * is a new object, and is converted afresh. Only builds inside `reusingNodes` (the language
 * server's open documents) use them: elsewhere every node is new, and the memos would only fill.
 */

let active = false;

/** Runs `build` with the memos on (lsp/documents.ts: an open document's model after an edit). */
export function reusingNodes<T>(build: () => T): T {
  const outer = active;
  active = true;
  try {
    return build();
  } finally {
    active = outer;
  }
}

const calls = new ObjectMemo<PyNode, PyCall | null>('calls');

/** `toCall(node, source)`, memoized by node: a reused node has the same text at the same offsets. */
export function callOfNode(node: PyNode, source: string): PyCall | undefined {
  if (!active) return toCall(node, source);
  let call = calls.get(node);
  if (call === undefined) {
    call = toCall(node, source) ?? null;
    calls.set(node, call);
  }
  return call ?? undefined;
}

const nested = new ObjectMemo<PyCall, PyCall[]>('nested');

/** The calls in a call's arguments (`find`), once per call: a reused call has the same ones. */
export function nestedCallsOf(call: PyCall, find: (call: PyCall) => PyCall[]): PyCall[] {
  if (!active) return find(call);
  let found = nested.get(call);
  if (!found) nested.set(call, (found = find(call)));
  return found;
}

const operations = new ObjectMemo<PyCall, { key: string; operation: Operation }>('operations');

/**
 * The operation built from `call` in the context `key` says (section, batch, helper, the
 * revision id, which the schema replay records as the origin of what an op creates), made by
 * `make` unless the same call was made into an operation in the same context before. `make`
 * reports whether the result read anything outside the call (SQL held in a variable or returned
 * by a helper, a loop's binding): such an operation is not kept, since what it read may change
 * with an edit elsewhere.
 */
export function memoizedOperation(
  call: PyCall,
  key: string,
  make: () => { operation: Operation; readsOutside: boolean },
): Operation {
  if (!active) return make().operation;
  const kept = operations.get(call);
  if (kept && kept.key === key) return kept.operation;
  const { operation, readsOutside } = make();
  if (readsOutside) operations.delete(call);
  else operations.set(call, { key, operation });
  return operation;
}

/** `sa.text(…)`, `text(…)`: see model/sqlBlocks.ts. */
const TEXT_FUNCTION = /(^|\.)text$/;

/**
 * Whether the SQL argument of an `execute` is read from itself alone: no name in it is looked up
 * (a variable, a helper's return value), so an edit elsewhere cannot change what it says. Errs
 * on the side of "no" (then the operation is built afresh).
 */
export function sqlReadsOnlyItself(value: PyValue | undefined): boolean {
  if (value === undefined) return true;
  if (value.kind === 'name') return false;
  return value.kind !== 'call' || callReadsOnlyItself(value.call);
}

function callReadsOnlyItself(call: PyCall): boolean {
  if (call.receiver === '' && !TEXT_FUNCTION.test(call.callee)) return false; // a helper of the revision
  return (
    call.args.every(sqlReadsOnlyItself) &&
    call.keywords.every((k) => sqlReadsOnlyItself(k.value)) &&
    (call.receiverCall === undefined || callReadsOnlyItself(call.receiverCall))
  );
}

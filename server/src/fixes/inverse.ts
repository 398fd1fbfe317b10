import type { ImportInfo, MigrationModel, Operation, PyCall, PyValue } from '../model/migration';
import { boolValue, callKeyword, stringValue } from '../model/migration';
import { TABLE_PARAMETER, signatureFor } from '../model/opSignatures';
import type { ProjectModel } from '../model/project';
import { CONSTRAINT_TYPES, columnNameOf, literalName } from '../analysis/opFacts';
import {
  columnDefinition,
  historyBefore,
  objectDefinition,
  tableDefinition,
  type HistoryEntry,
  type HistoryView,
} from '../analysis/schemaHistory';
import type { Step, StepBlock } from './upgradeSteps';

/**
 * The exact inverse of one upgrade operation, as Python source. Arguments are copied as written
 * (quote style, `op.f(...)`, `schema=`); a dropped table, column, index or constraint is
 * re-created only from its original definition in the revision history (see schemaHistory.ts).
 * Anything that cannot be reversed exactly returns the reason instead: no guessing.
 */

/** One statement of the downgrade. `text` uses `\n` and is indented relative to its first line. */
export interface InverseStatement {
  text: string;
  block?: StepBlock;
  /** Imports the statement needs (for names in copied definitions). */
  imports: ImportInfo[];
}

export type InverseResult = { ok: true; statements: InverseStatement[] } | { ok: false; reason: string };

export interface InverseContext {
  migration: MigrationModel;
  project?: ProjectModel;
  /** The local name of `alembic.op` in this file. */
  opName: string;
}

/** The inverses of all steps, in downgrade order (the reverse of the upgrade). */
export function invertSteps(
  steps: readonly Step[],
  context: InverseContext,
): { ok: true; statements: InverseStatement[] } | { ok: false; op: Operation; reason: string } {
  const statements: InverseStatement[] = [];
  for (const step of [...steps].reverse()) {
    const result = invertOperation(step, context);
    if (!result.ok) return { ok: false, op: step.op, reason: result.reason };
    statements.push(...result.statements);
  }
  return { ok: true, statements };
}

export function invertOperation(step: Step, context: InverseContext): InverseResult {
  const { op } = step;
  if (!op.isAlembicOp) return { ok: false, reason: 'raw SQL cannot be reversed automatically' };
  const inBatch = op.batchTable !== undefined || step.block?.kind === 'batch';
  const receiver = op.call.receiver;
  const emit = (text: string, imports: ImportInfo[] = []): InverseResult => ({
    ok: true,
    statements: [{ text, block: step.block, imports }],
  });
  const schema = keywordText(op.call, 'schema');
  const tableArg = TABLE_PARAMETER[op.name] ? op.args[TABLE_PARAMETER[op.name]] : undefined;
  const table = inBatch ? undefined : literalText(tableArg);
  const tableFirst = table ? `${table}, ` : '';
  const needTable = (): InverseResult | undefined =>
    !inBatch && !table ? { ok: false, reason: 'its table name is not a string literal' } : undefined;

  switch (op.name) {
    case 'create_table': {
      const name = literalText(op.args.table_name);
      if (!name) return { ok: false, reason: 'its table name is not a string literal' };
      return emit(`${receiver}.drop_table(${join(name, schema)})`);
    }
    case 'drop_table': {
      const name = stringValue(op.args.table_name);
      if (!name) return { ok: false, reason: 'its table name is not a string literal' };
      const definition = tableDefinition(history(context, op), name, op.schema);
      if (!definition.known) return { ok: false, reason: `${definition.reason}, so the table cannot be re-created` };
      return copyCall(definition.value, definition.entry, `${receiver}.create_table`, context, step);
    }
    case 'add_column': {
      const column = op.columns[0];
      const nameText = column
        ? (literalText(column.call.args[0]) ?? (column.name !== undefined ? JSON.stringify(column.name) : undefined))
        : undefined;
      if (!nameText) return { ok: false, reason: 'its column is not a literal `sa.Column("name", …)`' };
      return needTable() ?? emit(`${receiver}.drop_column(${join(`${tableFirst}${nameText}`, schema)})`);
    }
    case 'drop_column': {
      const column = columnNameOf(op);
      const tableName = op.table;
      if (!column || !tableName) return { ok: false, reason: 'its table or column name is not a string literal' };
      const definition = columnDefinition(history(context, op), tableName, column);
      if (!definition.known) return { ok: false, reason: `${definition.reason}, so the column cannot be re-added` };
      const copied = copyText(definition.value.call, definition.entry, context);
      if (!copied.ok) return copied;
      return (
        needTable() ?? emit(`${receiver}.add_column(${join(`${tableFirst}${copied.text}`, schema)})`, copied.imports)
      );
    }
    case 'create_index': {
      const name = nameText(op.args.index_name);
      if (!name) return { ok: false, reason: 'its index name is not a literal' };
      const extras = [
        keywordText(op.call, 'postgresql_concurrently'),
        boolValue(callKeyword(op.call, 'if_not_exists')) ? 'if_exists=True' : undefined,
      ];
      return (
        needTable() ??
        emit(`${receiver}.drop_index(${join(name, table ? `table_name=${table}` : undefined, schema, ...extras)})`)
      );
    }
    case 'drop_index':
    case 'drop_constraint': {
      const kind = op.name === 'drop_index' ? 'index' : 'constraint';
      const name = literalName(kind === 'index' ? op.args.index_name : op.args.constraint_name);
      if (!name) return { ok: false, reason: `its ${kind} name is not a literal` };
      const definition = objectDefinition(history(context, op), kind, name, op.table);
      if (!definition.known) return { ok: false, reason: `${definition.reason}, so it cannot be re-created` };
      return recreate(definition.value, definition.entry, step, context);
    }
    case 'rename_table': {
      const from = literalText(op.args.old_table_name);
      const to = literalText(op.args.new_table_name);
      if (!from || !to) return { ok: false, reason: 'its table names are not string literals' };
      return emit(`${receiver}.rename_table(${join(`${to}, ${from}`, schema)})`);
    }
    case 'alter_column':
      return invertAlterColumn(op, receiver, inBatch, emit);
    case 'create_table_comment': {
      const comment = op.args.comment;
      if (!comment) return { ok: false, reason: 'its comment is not given' };
      const existing = callKeyword(op.call, 'existing_comment');
      if (existing && existing.kind !== 'none')
        return (
          needTable() ??
          emit(
            `${receiver}.create_table_comment(${join(`${tableFirst}${existing.text}`, `existing_comment=${comment.text}`, schema)})`,
          )
        );
      return (
        needTable() ??
        emit(`${receiver}.drop_table_comment(${join(`${tableFirst}existing_comment=${comment.text}`, schema)})`)
      );
    }
    case 'drop_table_comment': {
      const existing = callKeyword(op.call, 'existing_comment');
      if (!existing || existing.kind === 'none')
        return { ok: false, reason: 'the dropped comment is unknown (give `existing_comment=`)' };
      return needTable() ?? emit(`${receiver}.create_table_comment(${join(`${tableFirst}${existing.text}`, schema)})`);
    }
    case 'execute':
      return { ok: false, reason: 'raw SQL cannot be reversed automatically' };
    case 'bulk_insert':
      return { ok: false, reason: 'the rows it inserts cannot be removed automatically' };
    default:
      if (op.name in CONSTRAINT_TYPES) {
        const name = nameText(op.args.constraint_name);
        if (!name)
          return { ok: false, reason: 'its constraint has no literal name, so the downgrade cannot name what to drop' };
        const type = CONSTRAINT_TYPES[op.name];
        return (
          needTable() ??
          emit(
            `${receiver}.drop_constraint(${join(table ? `${name}, ${table}` : name, type ? `type_="${type}"` : undefined, schema)})`,
          )
        );
      }
      return { ok: false, reason: `\`${op.name}\` has no known inverse` };
  }
}

function history(context: InverseContext, op: Operation): HistoryView {
  return historyBefore(context.project, context.migration, op);
}

/** `alter_column`: rename back, flip `nullable`, swap `type_`/`server_default`/`comment` with their `existing_*`. */
function invertAlterColumn(
  op: Operation,
  receiver: string,
  inBatch: boolean,
  emit: (text: string) => InverseResult,
): InverseResult {
  const kw = (name: string): PyValue | undefined => callKeyword(op.call, name);
  const column = literalText(op.args.column_name);
  const table = inBatch ? undefined : literalText(op.args.table_name);
  if (!column || (!inBatch && !table)) return { ok: false, reason: 'its table or column name is not a string literal' };
  const parts: string[] = [];
  let changes = 0;
  const swaps: Record<string, string> = {
    type_: 'existing_type',
    server_default: 'existing_server_default',
    comment: 'existing_comment',
  };
  const swapped = new Set(
    Object.entries(swaps)
      .filter(([k]) => kw(k))
      .map(([, v]) => v),
  );
  const renamed = kw('new_column_name');
  for (const keyword of op.call.keywords) {
    const { name, value } = keyword;
    if (name === 'table_name' || name === 'column_name') continue;
    if (name === 'new_column_name') {
      if (value.kind !== 'string') return { ok: false, reason: 'its new column name is not a string literal' };
      parts.push(`new_column_name=${column}`);
      changes++;
    } else if (name === 'nullable') {
      const flag = boolValue(value);
      if (flag === undefined) return { ok: false, reason: '`nullable=` is not True or False' };
      const existing = boolValue(kw('existing_nullable'));
      parts.push(`nullable=${pyBool(existing ?? !flag)}`);
      changes++;
    } else if (name === 'existing_nullable') {
      const now = boolValue(kw('nullable'));
      parts.push(`existing_nullable=${now === undefined ? value.text : pyBool(now)}`);
    } else if (name in swaps) {
      const previous = kw(swaps[name]);
      if (!previous)
        return {
          ok: false,
          reason: `it changes \`${name}\` without \`${swaps[name]}=\`, so the previous value is unknown`,
        };
      parts.push(`${name}=${previous.text}`);
      changes++;
    } else if (swapped.has(name)) {
      const counterpart = Object.keys(swaps).find((k) => swaps[k] === name) as string;
      parts.push(`${name}=${(kw(counterpart) as PyValue).text}`);
    } else if (name.startsWith('existing_') || name === 'schema') {
      parts.push(`${name}=${value.text}`);
    } else {
      return { ok: false, reason: `\`${name}=\` has no known inverse` };
    }
  }
  if (changes === 0) return { ok: true, statements: [] };
  const target = renamed ? renamed.text : column;
  return emit(`${receiver}.alter_column(${join(table ? `${table}, ${target}` : target, ...parts)})`);
}

/** Re-creates an index or constraint from the op that created it, in the form this step needs. */
function recreate(creator: Operation, entry: HistoryEntry, step: Step, context: InverseContext): InverseResult {
  const inBatch = step.block?.kind === 'batch';
  const creatorInBatch = creator.batchTable !== undefined;
  const receiver = inBatch ? (step.block?.alias ?? step.op.call.receiver) : context.opName;
  if (inBatch === creatorInBatch) return copyCall(creator, entry, `${receiver}.${creator.name}`, context, step);
  // Written in the other form: rebuild the call by parameter name, adding or dropping the table.
  const signature = signatureFor(creator.name, inBatch) ?? [];
  const positional: string[] = [];
  const keywords: string[] = [];
  for (const parameter of signature) {
    if (parameter.startsWith('*')) continue;
    const value = parameter === TABLE_PARAMETER[creator.name] ? undefined : creator.args[parameter];
    const text = parameter === TABLE_PARAMETER[creator.name] ? JSON.stringify(creator.table ?? '') : value?.text;
    if (text === undefined) continue;
    if (keywords.length === 0 && (value === undefined || creator.call.args.includes(value))) positional.push(text);
    else keywords.push(`${parameter}=${text}`);
  }
  for (const k of creator.call.keywords)
    if (!signature.includes(k.name) && k.name !== TABLE_PARAMETER[creator.name])
      keywords.push(`${k.name}=${k.value.text}`);
  if (creatorInBatch && !inBatch && !creator.table)
    return { ok: false, reason: 'the table it was created on is unknown' };
  const text = `${receiver}.${creator.name}(${[...positional, ...keywords].join(', ')})`;
  const imports = importsFor(creator.call, entry.migration, context, true);
  if (!imports.ok) return imports;
  return {
    ok: true,
    statements: [{ text: reindent(text, entry.migration, creator.call), block: step.block, imports: imports.imports }],
  };
}

/** Copies a call from the history with a new callee (e.g. `op.create_table`). */
function copyCall(
  creator: Operation,
  entry: HistoryEntry,
  callee: string,
  context: InverseContext,
  step: Step,
): InverseResult {
  const copied = copyText(creator.call, entry, context, true);
  if (!copied.ok) return copied;
  const calleeLength = creator.call.calleeSpan.end - creator.call.span.start;
  return {
    ok: true,
    statements: [{ text: callee + copied.text.slice(calleeLength), block: step.block, imports: copied.imports }],
  };
}

/** The source text of a call from any revision, re-indented, with the imports its names need here. */
function copyText(
  call: PyCall,
  entry: HistoryEntry,
  context: InverseContext,
  calleeReplaced = false,
): { ok: true; text: string; imports: ImportInfo[] } | { ok: false; reason: string } {
  const imports = importsFor(call, entry.migration, context, calleeReplaced);
  if (!imports.ok) return imports;
  const raw = entry.migration.source.slice(call.span.start, call.span.end);
  return { ok: true, text: reindent(raw, entry.migration, call), imports: imports.imports };
}

/** Continuation lines lose the indentation of the line the call started on (strings are left alone). */
function reindent(text: string, origin: MigrationModel, call: PyCall): string {
  const normalized = text.replace(/\r\n?/g, '\n');
  if (!normalized.includes('\n') || /"""|'''/.test(normalized)) return normalized;
  const line = origin.lines.lineText(origin.lines.positionAt(call.span.start).line);
  const base = /^[ \t]*/.exec(line)?.[0] ?? '';
  return normalized
    .split('\n')
    .map((l, i) => (i > 0 && l.startsWith(base) ? l.slice(base.length) : l))
    .join('\n');
}

const PYTHON_WORDS = new Set(['and', 'or', 'not', 'in', 'is', 'if', 'else', 'lambda', 'None', 'True', 'False', 'for']);

/**
 * Every top-level name a copied call uses must resolve in this file: it is imported here, or
 * the revision it comes from imports it (then the same import is added), or it is this file.
 */
function importsFor(
  call: PyCall,
  origin: MigrationModel,
  context: InverseContext,
  calleeReplaced: boolean,
): { ok: true; imports: ImportInfo[] } | { ok: false; reason: string } {
  const roots = new Set<string>();
  if (calleeReplaced) {
    // `op.create_index(...)` / `batch_op.create_index(...)`: the callee is rewritten, only the arguments are copied.
    for (const arg of call.args) collectRoots(arg, roots);
    for (const k of call.keywords) collectRoots(k.value, roots);
  } else {
    collectRoots({ kind: 'call', span: call.span, text: '', call }, roots);
  }
  const needed: ImportInfo[] = [];
  for (const root of roots) {
    if (context.migration.imports.some((i) => i.alias === root)) continue;
    const fromOrigin = origin.imports.find((i) => i.alias === root);
    if (fromOrigin) {
      needed.push(fromOrigin);
      continue;
    }
    if (origin === context.migration) continue; // defined in this very file
    return {
      ok: false,
      reason: `its definition uses \`${root}\`, which revision ${origin.revision ?? origin.path} does not import`,
    };
  }
  return { ok: true, imports: needed };
}

function collectRoots(value: PyValue, roots: Set<string>): void {
  switch (value.kind) {
    case 'name':
      roots.add(value.name.split('.')[0]);
      break;
    case 'call': {
      const root = /^[A-Za-z_]\w*/.exec(value.call.callee)?.[0];
      if (root) roots.add(root);
      for (const arg of value.call.args) collectRoots(arg, roots);
      for (const k of value.call.keywords) collectRoots(k.value, roots);
      // `sa.Enum(...).with_variant(...)`: the receiver's own call is opaque here, read its text.
      for (const match of value.call.receiver.matchAll(/(?:^|[^.\w])([A-Za-z_]\w*)/g)) roots.add(match[1]);
      break;
    }
    case 'sequence':
      value.items.forEach((item) => collectRoots(item, roots));
      break;
    case 'dict':
      value.entries.forEach((e) => {
        collectRoots(e.key, roots);
        collectRoots(e.value, roots);
      });
      break;
    case 'opaque':
      for (const match of value.text.replace(/(["'])(?:\\.|(?!\1).)*\1/g, '""').matchAll(/(?<![.\w])([A-Za-z_]\w*)/g)) {
        if (!PYTHON_WORDS.has(match[1])) roots.add(match[1]);
      }
      break;
    default:
      break;
  }
}

/** A string literal's text as written, or undefined for anything computed. */
function literalText(value: PyValue | undefined): string | undefined {
  return value?.kind === 'string' && value.string.analysable ? value.text : undefined;
}

/** A name as written: a string literal or `op.f("…")`. */
function nameText(value: PyValue | undefined): string | undefined {
  return literalName(value) !== undefined ? value?.text : undefined;
}

function keywordText(call: PyCall, name: string): string | undefined {
  const value = callKeyword(call, name);
  return value ? `${name}=${value.text}` : undefined;
}

function join(...parts: Array<string | undefined>): string {
  return parts.filter((p): p is string => p !== undefined && p !== '').join(', ');
}

function pyBool(value: boolean): string {
  return value ? 'True' : 'False';
}

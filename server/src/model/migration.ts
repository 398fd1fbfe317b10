import type { ParsedSqlStatement } from '../parse/sql';
import type { StringValue } from '../parse/strings';
import type { Range, Span, LineIndex } from './source';

/**
 * The typed, read-only model of one Alembic revision file. Rules read this, never the syntax tree:
 * swapping a parser touches parse/ and model/ alone.
 */

/** A Python expression, as far as the rules need to understand it. Unknown shapes stay opaque. */
export type PyValue =
  | { kind: 'string'; span: Span; text: string; value: string; string: StringValue }
  | { kind: 'number'; span: Span; text: string; value: number }
  | { kind: 'bool'; span: Span; text: string; value: boolean }
  | { kind: 'none'; span: Span; text: string }
  | { kind: 'name'; span: Span; text: string; /** dotted, e.g. `sa.DateTime` */ name: string }
  | { kind: 'call'; span: Span; text: string; call: PyCall }
  | { kind: 'sequence'; span: Span; text: string; items: PyValue[]; brackets: 'tuple' | 'list' | 'set' }
  | { kind: 'dict'; span: Span; text: string; entries: Array<{ key: PyValue; value: PyValue }> }
  | { kind: 'opaque'; span: Span; text: string; nodeType: string };

export interface PyKeyword {
  name: string;
  value: PyValue;
  span: Span;
}

export interface PyCall {
  /** The callee as written, dotted: `op.create_table`, `sa.Column`, `op.get_bind().execute`. */
  callee: string;
  /** The last segment of the callee: `create_table`, `Column`, `execute`. */
  method: string;
  /** Everything before the last dot: `op`, `sa`, `batch_op`; '' for a bare name. */
  receiver: string;
  args: PyValue[];
  keywords: PyKeyword[];
  span: Span;
  calleeSpan: Span;
  /** Span of the parentheses' content, for inserting arguments. */
  argsSpan: Span;
  /** For chained calls such as `sa.text("…").bindparams(x=1)`: the call the method is called on. */
  receiverCall?: PyCall;
}

export interface TypeRef {
  /** The type's class name: `DateTime`, `TIMESTAMP`, `UUID`, `Integer`, `String`. */
  name: string;
  /** As written: `sa.DateTime`, `postgresql.TIMESTAMP`. */
  qualified: string;
  /** `timezone=` when given as a literal. */
  timezone?: boolean;
  call?: PyCall;
  span: Span;
}

export interface ForeignKeyRef {
  target?: string;
  ondelete?: string;
  onupdate?: string;
  call: PyCall;
  span: Span;
}

export interface ColumnDef {
  name?: string;
  type?: TypeRef;
  nullable?: boolean;
  primaryKey: boolean;
  serverDefault?: PyValue;
  default?: PyValue;
  comment?: string;
  foreignKeys: ForeignKeyRef[];
  call: PyCall;
  span: Span;
}

export interface ConstraintDef {
  /** The constructor: PrimaryKeyConstraint, ForeignKeyConstraint, UniqueConstraint, CheckConstraint, Index. */
  kind: string;
  name?: string;
  columns: string[];
  ondelete?: string;
  onupdate?: string;
  call: PyCall;
  span: Span;
}

/** One SQL statement inside a Python string, with its range in the Python source. */
export interface SqlStatement {
  kind: string;
  text: string;
  range: Range;
  span: Span;
  /** Parse facts: see parse/sqlFacts.ts. */
  parsed: ParsedSqlStatement;
  /** Maps a libpg-query byte location to a source span of one character (or the statement start). */
  locate(byteLocation: number): Span;
}

export interface SqlBlock {
  /** False when the SQL is built at run time (f-string, `%`, `.format`, a variable). */
  analysable: boolean;
  reason?: string;
  text?: string;
  statements: SqlStatement[];
  error?: { message: string; span: Span };
  span: Span;
}

export type Section = 'upgrade' | 'downgrade';

export interface Operation {
  /** `create_table`, `add_column`, `execute`, `bulk_insert`, … (the method name). */
  name: string;
  call: PyCall;
  section: Section;
  /** True for `op.*`, and for `batch_op.*` inside `with op.batch_alter_table(...) as batch_op`. */
  isAlembicOp: boolean;
  /** The table given to `batch_alter_table`, when the op runs inside one. */
  batchTable?: string;
  inAutocommitBlock: boolean;
  /** The table this op acts on, when it names one as a literal. */
  table?: string;
  schema?: string;
  /** Arguments by Alembic's parameter names (positional or keyword), see opSignatures.ts. */
  args: Readonly<Record<string, PyValue>>;
  /** Positional arguments collected by a `*columns`/`*elements` parameter. */
  rest: readonly PyValue[];
  columns: ColumnDef[];
  constraints: ConstraintDef[];
  sql?: SqlBlock;
  /** The module-level helper function this op was found in, called from upgrade()/downgrade(). */
  viaHelper?: string;
  /**
   * For an op in a loop over literal names (`for table in ("a", "b"):`), the loop variables' values
   * of the iteration this op stands for: the op is unrolled, one per iteration, with the variables
   * replaced in `call` and `args` (see loops.ts).
   */
  loop?: Readonly<Record<string, string>>;
  span: Span;
  range: Range;
}

export interface Comment {
  text: string;
  line: number;
  span: Span;
}

export interface MigrationFunction {
  name: Section;
  /** Span of the `def` line up to the colon (for diagnostics), and of the whole definition. */
  headerSpan: Span;
  span: Span;
  bodySpan: Span;
  /** Indentation of the body's statements. */
  bodyIndent: string;
  /** Body is missing, `pass`, `...`, a docstring only, or only raises. */
  isEmpty: boolean;
  emptyReason?: 'pass' | 'docstring' | 'raise' | 'ellipsis' | 'missing-body';
  parameters: string[];
}

export interface RevisionIdentifiers {
  revision?: string;
  /** A string, a tuple of strings for merges, null for a root, undefined when not given. */
  downRevision?: string | string[] | null;
  branchLabels: string[];
  /**
   * `branch_labels` is set to names that cannot be read here (constants imported from the
   * application): the revision starts a labelled branch whose label is unknown.
   */
  unresolvedBranchLabels?: boolean;
  dependsOn: string[];
  revisionSpan?: Span;
  downRevisionSpan?: Span;
}

export interface MigrationModel extends RevisionIdentifiers {
  path: string;
  source: string;
  lines: LineIndex;
  docstring?: string;
  docstringSpan?: Span;
  /**
   * A string statement after the imports, where a docstring was meant (`import …` then
   * `"""Add paid_at …"""`): not the module's docstring, so Alembic shows no message for it.
   */
  misplacedDocstring?: { value: string; span: Span };
  /** The message: the first line of the docstring (Alembic's template puts `-m` there). */
  message?: string;
  upgrade?: MigrationFunction;
  downgrade?: MigrationFunction;
  operations: readonly Operation[];
  /** Every call in the file, in source order (for rules about logging, event listeners, …). */
  calls: readonly PyCall[];
  comments: readonly Comment[];
  imports: readonly ImportInfo[];
  /** Syntax errors found by tree-sitter's error recovery. */
  syntaxErrors: ReadonlyArray<{ span: Span; message: string }>;
  /**
   * Branches of tests of the database dialect that PostgreSQL never runs (`if bind.engine.name ==
   * "mysql":`, the `else` of `if is_postgres():`), sorted: their operations and calls are not in
   * the model. See dialectGuards.ts.
   */
  otherDialectSpans: readonly Span[];
  /**
   * `if` statements whose test reads the database's catalogue (`if "ix" in [i["name"] for i in
   * insp.get_indexes("t")]:`) and loops over it, sorted: code that checks an object is there (or
   * not) before acting on it. See catalogueGuards.ts.
   */
  catalogueGuardedSpans: readonly Span[];
  /** Does this look like an Alembic revision at all (has `revision =` or `upgrade`)? */
  isRevision: boolean;
}

export interface ImportInfo {
  /** `sqlalchemy` for `import sqlalchemy as sa`; `sqlalchemy.dialects` for `from sqlalchemy.dialects import postgresql`. */
  module: string;
  /** Imported name (for `from` imports) or undefined for `import x`. */
  name?: string;
  /** The local name: `sa`, `op`, `postgresql`. */
  alias: string;
  span: Span;
}

export function callKeyword(call: PyCall, name: string): PyValue | undefined {
  return call.keywords.find((k) => k.name === name)?.value;
}

export function stringValue(value: PyValue | undefined): string | undefined {
  return value?.kind === 'string' ? value.value : undefined;
}

export function boolValue(value: PyValue | undefined): boolean | undefined {
  return value?.kind === 'bool' ? value.value : undefined;
}

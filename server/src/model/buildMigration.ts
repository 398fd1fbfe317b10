import type { SyntaxTree } from '../parse/python';
import { copyTree, type PyNode as SyntaxNode } from '../parse/pyTree';
import { syntaxErrorsOf, type SyntaxErrorFound } from '../parse/syntaxErrors';
import { libpgQueryAnalyzer, type SqlAnalyzer } from '../parse/sql';
import { decodeStringNode } from '../parse/strings';
import type {
  ColumnDef,
  ConstraintDef,
  ForeignKeyRef,
  ImportInfo,
  MigrationFunction,
  MigrationModel,
  Operation,
  PyCall,
  PyValue,
  RevisionIdentifiers,
  Section,
  TypeRef,
} from './migration';
import { callKeyword, stringValue, boolValue } from './migration';
import { NON_OPERATIONS, TABLE_PARAMETER, schemaParameterOf, signatureFor } from './opSignatures';
import { calleeText, dottedName, spanOf, toCall, toValue } from './pyValues';
import { catalogueGuardedSpans } from './catalogueGuards';
import { insideAny, nonPostgresSpans } from './dialectGuards';
import { importedGuardResolver } from './importedGuards';
import { bindCall, iterationsAt, literalLoops, runOrder, type LiteralLoop, type LoopBinding } from './loops';
import { contains, scanTree, type ScannedTree } from './scan';
import { callOfNode, memoizedOperation, nestedCallsOf, sqlReadsOnlyItself } from './nodeMemo';
import { LineIndex, type Span } from './source';
import { sqlBlockOf } from './sqlBlocks';

const CONSTRAINT_CONSTRUCTORS = new Set([
  'PrimaryKeyConstraint',
  'ForeignKeyConstraint',
  'UniqueConstraint',
  'CheckConstraint',
  'Index',
  'ExcludeConstraint',
]);
const EXECUTE_METHODS = new Set(['execute', 'exec_driver_sql']);

/**
 * Builds the model of one revision file from its syntax tree. Never throws on any input:
 * unknown shapes are kept as opaque values, and a half-typed file still yields every operation
 * tree-sitter could recover.
 */
export function buildMigrationModel(
  path: string,
  source: string,
  tree: SyntaxTree,
  analyzer: SqlAnalyzer = libpgQueryAnalyzer,
): MigrationModel {
  return buildModelFromCopy(path, source, copyTree(tree, source), syntaxErrorsOf(tree.rootNode, source), analyzer);
}

/**
 * The same from a copy of the tree (`parse/pyTree.ts`) and its syntax errors, which is what a
 * worker thread that parsed the file sends (see engine/parallelAnalyze.ts).
 */
export function buildModelFromCopy(
  path: string,
  source: string,
  root: SyntaxNode,
  syntaxErrors: SyntaxErrorFound[],
  analyzer: SqlAnalyzer = libpgQueryAnalyzer,
): MigrationModel {
  return new MigrationBuilder(path, source, root, syntaxErrors, analyzer).build();
}

interface CallContext {
  section: Section;
  viaHelper?: string;
  /** Parameters of a helper that receive a caller's `batch_op`, with the batch's table. */
  batchParameters?: ReadonlyMap<string, string | undefined>;
}

interface WithContext {
  startIndex: number;
  endIndex: number;
  batchAlias?: string;
  batchTable?: string;
  autocommit: boolean;
}

class MigrationBuilder {
  private readonly lines: LineIndex;
  private readonly operations: Operation[] = [];
  private readonly calls: PyCall[] = [];
  private readonly imports: ImportInfo[] = [];
  private readonly moduleFunctions = new Map<string, SyntaxNode>();
  private readonly moduleAssignments = new Map<string, PyValue>();
  private readonly moduleAssignmentNodes = new Map<string, SyntaxNode>();
  /** Branches of dialect tests that PostgreSQL never runs: nothing in them is read. */
  private otherDialectSpans: Span[] = [];
  /** Loops over literal names, whose operations are unrolled (see loops.ts). */
  private loops: LiteralLoop[] = [];
  private readonly opAliases = new Set<string>(['op']);

  constructor(
    private readonly path: string,
    private readonly source: string,
    private readonly root: SyntaxNode,
    private readonly syntaxErrors: SyntaxErrorFound[],
    private readonly analyzer: SqlAnalyzer,
  ) {
    this.lines = new LineIndex(source);
  }

  build(): MigrationModel {
    const root = this.root;
    const scanned = scanTree(root);
    const ids: RevisionIdentifiers = { branchLabels: [], dependsOn: [] };
    let docstring: string | undefined;
    let docstringSpan: MigrationModel['docstringSpan'];

    const statements = root.namedChildren.filter((n): n is SyntaxNode => n !== null);
    const firstCode = statements.findIndex((s) => s.type !== 'comment');
    let misplacedDocstring: MigrationModel['misplacedDocstring'];
    let onlyImportsSoFar = true;
    statements.forEach((statement, index) => {
      if (statement.type === 'expression_statement') {
        const first = statement.namedChild(0);
        const isString = first?.type === 'string' || first?.type === 'concatenated_string';
        if (index === firstCode && first && isString) {
          docstring = decodeStringNode(first, this.source)?.value;
          docstringSpan = spanOf(first);
          return;
        }
        if (first && isString && onlyImportsSoFar && index > firstCode && docstring === undefined) {
          const value = decodeStringNode(first, this.source)?.value;
          if (value !== undefined) misplacedDocstring = { value, span: spanOf(first) };
        }
        onlyImportsSoFar = false;
        if (first?.type === 'assignment') this.readModuleAssignment(first, ids);
      } else if (
        statement.type === 'import_statement' ||
        statement.type === 'import_from_statement' ||
        statement.type === 'future_import_statement'
      ) {
        if (statement.type !== 'future_import_statement') this.readImport(statement);
      } else if (statement.type !== 'comment') {
        onlyImportsSoFar = false;
        const fn = functionNode(statement);
        const name = fn?.childForFieldName('name')?.text;
        if (fn && name) this.moduleFunctions.set(name, fn);
      }
    });

    const upgradeNode = this.moduleFunctions.get('upgrade');
    const downgradeNode = this.moduleFunctions.get('downgrade');
    this.otherDialectSpans = nonPostgresSpans(
      scanned.ifStatements,
      {
        functions: this.moduleFunctions,
        assignments: this.moduleAssignmentNodes,
        resolveImport: importedGuardResolver(this.path, this.imports),
      },
      this.source,
    );
    this.loops = literalLoops(
      scanned.forStatements,
      (node) => toValue(node, this.source),
      (name, fn, before) =>
        (fn ? this.localAssignment(fn, name, before) : undefined) ?? this.moduleAssignments.get(name),
    );
    this.collectOperations(scanned, ids);

    const message = docstring
      ?.split(/\r?\n/)
      .map((l) => l.trim())
      .find((l) => l !== '');
    return {
      path: this.path,
      source: this.source,
      lines: this.lines,
      ...ids,
      docstring,
      docstringSpan,
      misplacedDocstring,
      message,
      upgrade: upgradeNode ? this.describeFunction('upgrade', upgradeNode) : undefined,
      downgrade: downgradeNode ? this.describeFunction('downgrade', downgradeNode) : undefined,
      operations: this.operations,
      calls: this.calls.sort((a, b) => a.span.start - b.span.start),
      // Lines as LineIndex counts them: tree-sitter's rows do not break at a lone CR.
      comments: scanned.comments.map((c) => ({ ...c, line: this.lines.positionAt(c.span.start).line })),
      imports: this.imports,
      syntaxErrors: this.syntaxErrors,
      otherDialectSpans: this.otherDialectSpans,
      catalogueGuardedSpans: catalogueGuardedSpans(scanned.ifStatements, scanned.forStatements, {
        functions: this.moduleFunctions,
        assignments: this.moduleAssignmentNodes,
      }),
      isRevision: ids.revision !== undefined || upgradeNode !== undefined,
    };
  }

  private readModuleAssignment(assignment: SyntaxNode, ids: RevisionIdentifiers): void {
    const left = assignment.childForFieldName('left');
    const right = assignment.childForFieldName('right');
    if (!left || !right || left.type !== 'identifier') return;
    const value = toValue(right, this.source);
    this.moduleAssignments.set(left.text, value);
    this.moduleAssignmentNodes.set(left.text, right);
    switch (left.text) {
      case 'revision':
        ids.revision = stringValue(value);
        ids.revisionSpan = value.span;
        break;
      case 'down_revision':
        ids.downRevision =
          value.kind === 'none' ? null : value.kind === 'sequence' ? stringsOf(value) : stringValue(value);
        ids.downRevisionSpan = value.span;
        break;
      case 'branch_labels':
        ids.branchLabels = value.kind === 'sequence' ? stringsOf(value) : value.kind === 'string' ? [value.value] : [];
        if (
          value.kind === 'sequence'
            ? value.items.some((item) => stringValue(item) === undefined)
            : value.kind !== 'string' && value.kind !== 'none'
        )
          ids.unresolvedBranchLabels = true;
        break;
      case 'depends_on':
        ids.dependsOn = value.kind === 'sequence' ? stringsOf(value) : value.kind === 'string' ? [value.value] : [];
        break;
    }
  }

  private readImport(statement: SyntaxNode): void {
    const span = spanOf(statement);
    if (statement.type === 'import_statement') {
      for (const child of statement.namedChildren) {
        if (!child) continue;
        if (child.type === 'dotted_name') this.imports.push({ module: child.text, alias: child.text, span });
        else if (child.type === 'aliased_import') {
          const name = child.childForFieldName('name')?.text ?? '';
          this.imports.push({ module: name, alias: child.childForFieldName('alias')?.text ?? name, span });
        }
      }
      return;
    }
    const module = statement.childForFieldName('module_name')?.text ?? '';
    for (const child of statement.childrenForFieldName('name')) {
      if (!child) continue;
      if (child.type === 'aliased_import') {
        const name = child.childForFieldName('name')?.text ?? '';
        const alias = child.childForFieldName('alias')?.text ?? name;
        this.imports.push({ module, name, alias, span });
        if (module === 'alembic' && name === 'op') this.opAliases.add(alias);
      } else {
        this.imports.push({ module, name: child.text, alias: child.text, span });
      }
    }
  }

  private describeFunction(name: Section, fn: SyntaxNode): MigrationFunction {
    const body = fn.childForFieldName('body');
    const parameters = (fn.childForFieldName('parameters')?.namedChildren ?? [])
      .filter((p): p is SyntaxNode => p !== null)
      .map((p) =>
        p.type === 'identifier' ? p.text : (p.childForFieldName('name')?.text ?? p.namedChild(0)?.text ?? p.text),
      );
    const colon = fn.children.find((c) => c?.type === ':');
    const nameNode = fn.childForFieldName('name');
    const headerSpan = { start: nameNode?.startIndex ?? fn.startIndex, end: nameNode?.endIndex ?? fn.endIndex };
    const written = (body?.namedChildren ?? []).filter((s): s is SyntaxNode => s !== null && s.type !== 'comment');
    // `if already_applied(op, __name__): return` only decides whether to do nothing: a body that is
    // such guards and then `pass` does nothing either way.
    // Likewise an `if` whose every branch only another database runs (see dialectGuards.ts).
    const statements = written.filter((s) => !this.doesNothingOnPostgres(s));
    let emptyReason: MigrationFunction['emptyReason'];
    if (!body || written.length === 0) emptyReason = 'missing-body';
    else if (statements.length === 0) emptyReason = 'pass';
    else if (
      statements.every(
        (s) => s.type === 'pass_statement' || isDocstringStatement(s) || isEllipsis(s) || s.type === 'raise_statement',
      )
    ) {
      if (statements.some((s) => s.type === 'raise_statement')) emptyReason = 'raise';
      else if (statements.some((s) => s.type === 'pass_statement')) emptyReason = 'pass';
      else if (statements.some(isEllipsis)) emptyReason = 'ellipsis';
      else emptyReason = 'docstring';
    }
    const firstStatement = written[0] ?? body?.namedChild(0) ?? null;
    // The body's own indentation as written (spaces or tabs), so fixes insert matching lines.
    // Through LineIndex, not tree-sitter's row/column: rows do not break at a lone CR.
    const first = firstStatement ? this.lines.positionAt(firstStatement.startIndex) : undefined;
    const bodyIndent = first
      ? this.lines.lineText(first.line).slice(0, first.character).replace(/\S.*$/, '') || '    '
      : '    ';
    return {
      name,
      headerSpan,
      span: spanOf(fn),
      bodySpan: body ? spanOf(body) : { start: colon?.endIndex ?? fn.endIndex, end: fn.endIndex },
      bodyIndent,
      isEmpty: emptyReason !== undefined,
      emptyReason,
      parameters,
    };
  }

  /**
   * A statement that changes nothing when run on PostgreSQL: an early-return guard, a dialect
   * lookup, an `if` that only other databases take, and a `with` (a batch block) or `try` whose
   * body is only such statements (a `try`'s handlers run only when its body raises).
   */
  private doesNothingOnPostgres(statement: SyntaxNode): boolean {
    if (isEarlyReturnGuard(statement) || this.onlyOtherDialects(statement) || isConnectionLookup(statement))
      return true;
    const inert = (block: SyntaxNode | null): boolean =>
      block !== null &&
      block.namedChildren
        .filter((s) => s.type !== 'comment')
        .every((s) => s.type === 'pass_statement' || isDocstringStatement(s) || this.doesNothingOnPostgres(s));
    if (statement.type === 'with_statement') return inert(statement.childForFieldName('body'));
    if (statement.type === 'try_statement') {
      const tail = statement.namedChildren.filter((c) => c.type === 'else_clause' || c.type === 'finally_clause');
      return (
        inert(statement.childForFieldName('body')) &&
        tail.every((c) => inert(c.childForFieldName('body') ?? c.namedChildren.find((n) => n.type === 'block') ?? null))
      );
    }
    return false;
  }

  private onlyOtherDialects(statement: SyntaxNode): boolean {
    if (statement.type !== 'if_statement' || this.otherDialectSpans.length === 0) return false;
    const bodies = [
      statement.childForFieldName('consequence'),
      ...statement
        .childrenForFieldName('alternative')
        .map((c) => c.childForFieldName(c.type === 'elif_clause' ? 'consequence' : 'body')),
    ];
    return bodies.every((b) => !b || insideAny(this.otherDialectSpans, { start: b.startIndex, end: b.endIndex }));
  }

  /**
   * Walks every call of the file once, in document order. A call inside upgrade()/downgrade(), or
   * inside a module-level helper function they call, is an operation when its receiver is `op`
   * (or a `batch_op` alias) or when it executes SQL; the calls in an operation's own arguments
   * (sa.Column, sa.text …) are part of that operation, not operations of their own.
   */
  private collectOperations(scanned: ScannedTree, ids: RevisionIdentifiers): void {
    // Offsets are read once: tree-sitter's node getters cross into WASM, and these containment
    // tests run for every call against every function and `with` (thousands of each in a big file).
    const functions = [...this.moduleFunctions.entries()].map(([name, node]) => ({
      name,
      node,
      startIndex: node.startIndex,
      endIndex: node.endIndex,
    }));
    const enclosingFunction = (node: { startIndex: number; endIndex: number }) => {
      const at = { startIndex: node.startIndex, endIndex: node.endIndex };
      return functions.find((f) => contains(f, at));
    };
    const withContexts = scanned.withStatements.map((w) => this.withContext(w));
    const contextsOf = this.sectionsOfFunctions(scanned, functions, enclosingFunction, withContexts);
    const opAliasesFor = new Map<string, Set<string>>();
    let insideOperationUntil = -1;
    const otherDialect = this.otherDialectSpans;
    const loopOrder = new Map<Operation, { loop: number; iteration: number }>();
    for (const node of scanned.calls) {
      const at = { startIndex: node.startIndex, endIndex: node.endIndex };
      if (at.startIndex < insideOperationUntil) continue;
      // Code that only another database runs is neither an operation nor a call the rules see.
      if (otherDialect.length && insideAny(otherDialect, { start: at.startIndex, end: at.endIndex })) continue;
      const fn = enclosingFunction(at);
      const contexts = fn ? (contextsOf.get(fn.name) ?? []) : [];
      // A node without a callee is no call (toCall gives nothing); the callee is read from the call.
      const call = callOfNode(node, this.source);
      if (!call) continue;
      const { receiver, method } = call;
      let opAliases = this.opAliases;
      if (fn) {
        opAliases = opAliasesFor.get(fn.name) ?? this.opAliasesOf(fn.node);
        opAliasesFor.set(fn.name, opAliases);
      }
      const withs = withContexts.filter((w) => contains(w, at));
      const batchParameter = contexts.find((c) => c.batchParameters?.has(receiver));
      const batch =
        withs.filter((w) => w.batchAlias === receiver).pop() ??
        (batchParameter ? { batchTable: batchParameter.batchParameters?.get(receiver) } : undefined);
      const isAlembicOp = (opAliases.has(receiver) || batch !== undefined) && !NON_OPERATIONS.has(method);
      const isExecute = !isAlembicOp && EXECUTE_METHODS.has(method) && receiver !== '';
      this.calls.push(call);
      if (contexts.length === 0 || !(isAlembicOp || isExecute)) continue;
      insideOperationUntil = at.endIndex;
      // The calls inside an operation's arguments (sa.Column, sa.ForeignKey, sa.text …) are not
      // walked again, but rules still see them in `calls`, taken from the converted arguments.
      for (const nested of nestedCallsOf(call, nestedCalls)) this.calls.push(nested);
      const inAutocommitBlock = withs.some((w) => w.autocommit);
      const unrolled = this.loops.length
        ? iterationsAt(this.loops, { start: at.startIndex, end: at.endIndex })
        : undefined;
      for (const context of contexts) {
        for (const [iteration, loop] of (unrolled?.iterations ?? [undefined]).entries()) {
          const make = (): Operation =>
            this.makeOperation(
              loop ? bindCall(call, loop) : call,
              context,
              isAlembicOp,
              batch !== undefined,
              batch?.batchTable,
              inAutocommitBlock,
              fn?.node,
              loop,
            );
          // The same call node in the same context as in the last build: the same operation (nodeMemo.ts).
          const key = [ids.revision, context.section, context.viaHelper, isAlembicOp, batch !== undefined]
            .concat([batch?.batchTable, inAutocommitBlock])
            .join('\u0000');
          const op = memoizedOperation(call, key, () => {
            const operation = make();
            const sql = operation.name === 'execute' ? operation.args.sqltext : undefined;
            return { operation, readsOutside: loop !== undefined || !sqlReadsOnlyItself(sql) };
          });
          if (unrolled) loopOrder.set(op, { loop: unrolled.outermost, iteration });
          this.operations.push(op);
        }
      }
    }
    if (loopOrder.size > 0) this.operations.splice(0, this.operations.length, ...runOrder(this.operations, loopOrder));
  }

  /** upgrade and downgrade, and the helpers they call (directly or through other helpers). */
  private sectionsOfFunctions(
    scanned: ScannedTree,
    functions: Array<{ name: string; node: SyntaxNode }>,
    enclosing: (node: { startIndex: number; endIndex: number }) => { name: string } | undefined,
    withContexts: WithContext[],
  ): Map<string, CallContext[]> {
    const contexts = new Map<string, CallContext[]>();
    if (this.moduleFunctions.has('upgrade')) contexts.set('upgrade', [{ section: 'upgrade' }]);
    if (this.moduleFunctions.has('downgrade')) contexts.set('downgrade', [{ section: 'downgrade' }]);
    const helperCalls = scanned.calls
      .filter(
        (node) =>
          !this.otherDialectSpans.length ||
          !insideAny(this.otherDialectSpans, { start: node.startIndex, end: node.endIndex }),
      )
      .map((node) => ({ node, fn: node.childForFieldName('function') }))
      .filter(
        (c) =>
          c.fn?.type === 'identifier' &&
          this.moduleFunctions.has(c.fn.text) &&
          c.fn.text !== 'upgrade' &&
          c.fn.text !== 'downgrade',
      )
      .map((c) => ({
        callee: (c.fn as SyntaxNode).text,
        caller: enclosing(c.node)?.name,
        batchParameters: this.batchArguments(c.node, (c.fn as SyntaxNode).text, withContexts),
      }));
    for (let changed = true, rounds = 0; changed && rounds < functions.length + 1; rounds++) {
      changed = false;
      for (const { callee, caller, batchParameters } of helperCalls) {
        if (!caller || caller === callee) continue;
        for (const context of contexts.get(caller) ?? []) {
          const list = contexts.get(callee) ?? [];
          if (list.some((c) => c.section === context.section)) continue;
          list.push({ section: context.section, viaHelper: context.viaHelper ?? callee, batchParameters });
          contexts.set(callee, list);
          changed = true;
        }
      }
    }
    return contexts;
  }

  /**
   * `with op.batch_alter_table("t") as batch_op: _stamp(batch_op)` — which parameters of the helper
   * receive a batch alias, so that `batch_op.add_column(...)` inside the helper is a batch op on "t".
   */
  private batchArguments(
    call: SyntaxNode,
    helperName: string,
    withContexts: WithContext[],
  ): Map<string, string | undefined> | undefined {
    const at = { startIndex: call.startIndex, endIndex: call.endIndex };
    const enclosingBatches = withContexts.filter((w) => w.batchAlias && contains(w, at));
    if (enclosingBatches.length === 0) return undefined;
    const helper = this.moduleFunctions.get(helperName);
    const parameters = (helper?.childForFieldName('parameters')?.namedChildren ?? []).map((p) =>
      p?.type === 'identifier' ? p.text : (p?.childForFieldName('name')?.text ?? p?.namedChild(0)?.text),
    );
    const args = call.childForFieldName('arguments')?.namedChildren ?? [];
    const mapping = new Map<string, string | undefined>();
    args.forEach((arg, index) => {
      if (!arg) return;
      let parameter = parameters[index];
      let value: SyntaxNode | null = arg;
      if (arg.type === 'keyword_argument') {
        parameter = arg.childForFieldName('name')?.text;
        value = arg.childForFieldName('value');
      }
      const batch =
        value?.type === 'identifier' ? enclosingBatches.filter((w) => w.batchAlias === value?.text).pop() : undefined;
      if (batch && parameter) mapping.set(parameter, batch.batchTable);
    });
    return mapping.size ? mapping : undefined;
  }

  private opAliasesOf(fn: SyntaxNode): Set<string> {
    // Non-standard signatures such as `def upgrade(op, tables, tester)` pass `op` in.
    const firstParam = fn.childForFieldName('parameters')?.namedChild(0);
    if (firstParam?.type === 'identifier' && firstParam.text === 'op' && !this.opAliases.has('op'))
      return new Set([...this.opAliases, 'op']);
    return this.opAliases;
  }

  private withContext(node: SyntaxNode): WithContext {
    const context: WithContext = { startIndex: node.startIndex, endIndex: node.endIndex, autocommit: false };
    const clause = node.namedChildren.find((c) => c?.type === 'with_clause') ?? node;
    for (const item of clause.namedChildren) {
      if (item?.type !== 'with_item') continue;
      const value = item.childForFieldName('value');
      let callNode: SyntaxNode | null = value;
      let alias: string | undefined;
      if (value?.type === 'as_pattern') {
        callNode = value.namedChild(0);
        alias = value.childForFieldName('alias')?.text ?? value.namedChild(1)?.text;
      }
      if (callNode?.type !== 'call') continue;
      const fn = callNode.childForFieldName('function');
      const callee = fn ? calleeText(fn) : '';
      if (callee.endsWith('.batch_alter_table') && alias) {
        const call = toCall(callNode, this.source);
        context.batchAlias = alias.replace(/^as\s+/, '');
        context.batchTable = call ? stringValue(call.args[0] ?? callKeyword(call, 'table_name')) : undefined;
      } else if (callee.endsWith('.autocommit_block')) {
        context.autocommit = true;
      }
    }
    return context;
  }

  private makeOperation(
    call: PyCall,
    context: CallContext,
    isAlembicOp: boolean,
    inBatch: boolean,
    batchTable: string | undefined,
    inAutocommitBlock: boolean,
    fn: SyntaxNode | undefined,
    loop?: LoopBinding,
  ): Operation {
    const name = isAlembicOp ? call.method : 'execute';
    const { args, rest } = bindArguments(call, isAlembicOp ? signatureFor(name, inBatch) : ['sqltext']);
    const tableParameter = TABLE_PARAMETER[name];
    const table =
      inBatch && name !== 'create_table' && name !== 'drop_table'
        ? batchTable
        : tableParameter
          ? stringValue(args[tableParameter])
          : undefined;
    const columns: ColumnDef[] = [];
    const constraints: ConstraintDef[] = [];
    const candidates = name === 'create_table' ? rest : name === 'add_column' && args.column ? [args.column] : [];
    for (const value of candidates) {
      if (value.kind !== 'call') continue;
      if (value.call.method === 'Column') columns.push(columnOf(value.call));
      else if (CONSTRAINT_CONSTRUCTORS.has(value.call.method)) constraints.push(constraintOf(value.call));
    }
    const sqlArg = name === 'execute' ? args.sqltext : undefined;
    const resolveName = (n: string): PyValue | undefined =>
      (fn ? this.localAssignment(fn, n, call.span.start) : undefined) ??
      this.moduleAssignments.get(n) ??
      this.helperReturn(n);
    return {
      name,
      call,
      section: context.section,
      isAlembicOp,
      batchTable,
      inAutocommitBlock,
      table,
      schema: stringValue(callKeyword(call, schemaParameterOf(name))),
      args,
      rest,
      columns,
      constraints,
      sql: sqlArg ? sqlBlockOf(sqlArg, this.lines, this.analyzer, resolveName) : undefined,
      viaHelper: context.viaHelper,
      ...(loop ? { loop } : {}),
      span: call.span,
      range: this.lines.rangeOf(call.span.start, call.span.end),
    };
  }

  /**
   * `def _backfill_sql(): return sa.text("UPDATE …")`: the one value a module-level helper returns,
   * read as `name()` so that `op.execute(_backfill_sql())` sees the SQL the helper builds. A helper
   * with several returns, or none, gives nothing.
   */
  private helperReturn(call: string): PyValue | undefined {
    if (!call.endsWith('()')) return undefined;
    const helper = this.moduleFunctions.get(call.slice(0, -2));
    const body = helper?.childForFieldName('body');
    if (!helper || !body || call === 'upgrade()' || call === 'downgrade()') return undefined;
    const returns = body.descendantsOfType('return_statement');
    if (returns.length !== 1) return undefined;
    const value = returns[0]?.namedChildren.find((c) => c !== null && c.type !== 'comment');
    return value ? toValue(value, this.source) : undefined;
  }

  /** The value last assigned to `name` in a function before `before` (for SQL held in variables). */
  private localAssignment(fn: SyntaxNode, name: string, before: number): PyValue | undefined {
    let found: SyntaxNode | undefined;
    for (const assignment of fn.descendantsOfType('assignment')) {
      if (!assignment || assignment.startIndex >= before) continue;
      const left = assignment.childForFieldName('left');
      if (left?.type === 'identifier' && left.text === name) found = assignment.childForFieldName('right') ?? undefined;
    }
    return found ? toValue(found, this.source) : undefined;
  }
}

function nestedCalls(call: PyCall): PyCall[] {
  const found: PyCall[] = [];
  const visit = (value: PyValue): void => {
    if (value.kind === 'call') {
      found.push(value.call);
      visitCall(value.call);
    } else if (value.kind === 'sequence') value.items.forEach(visit);
    else if (value.kind === 'dict')
      value.entries.forEach((e) => {
        visit(e.key);
        visit(e.value);
      });
  };
  const visitCall = (c: PyCall): void => {
    c.args.forEach(visit);
    c.keywords.forEach((k) => visit(k.value));
  };
  visitCall(call);
  return found;
}

function functionNode(statement: SyntaxNode): SyntaxNode | undefined {
  if (statement.type === 'function_definition') return statement;
  if (statement.type === 'decorated_definition') {
    const def = statement.childForFieldName('definition');
    if (def?.type === 'function_definition') return def;
  }
  return undefined;
}

/** `if <test>: return` (no `else`, nothing but a bare `return`): a guard that can only skip the rest. */
function isEarlyReturnGuard(node: SyntaxNode): boolean {
  if (node.type !== 'if_statement') return false;
  if (node.childForFieldName('alternative')) return false;
  const consequence = node.childForFieldName('consequence');
  const inner = (consequence?.namedChildren ?? []).filter((s): s is SyntaxNode => s !== null && s.type !== 'comment');
  return inner.length > 0 && inner.every((s) => s.type === 'return_statement' && s.namedChildCount === 0);
}

/** `bind = op.get_bind()`, `dialect = bind.dialect.name`: reads which database runs, changes nothing. */
function isConnectionLookup(node: SyntaxNode): boolean {
  const assignment = node.type === 'expression_statement' ? node.namedChild(0) : null;
  const right = assignment?.type === 'assignment' ? assignment.childForFieldName('right') : null;
  if (!right || assignment?.childForFieldName('left')?.type !== 'identifier') return false;
  return /^[A-Za-z_][\w.]*(\(\))?(\.\w+)*$/.test(right.text) && /get_bind|get_context|dialect|engine/.test(right.text);
}

function isDocstringStatement(node: SyntaxNode): boolean {
  const first = node.namedChild(0);
  return (
    node.type === 'expression_statement' &&
    node.namedChildCount === 1 &&
    (first?.type === 'string' || first?.type === 'concatenated_string')
  );
}

function isEllipsis(node: SyntaxNode): boolean {
  return node.type === 'expression_statement' && node.namedChild(0)?.type === 'ellipsis';
}

function stringsOf(value: PyValue): string[] {
  return value.kind === 'sequence' ? value.items.map(stringValue).filter((s): s is string => s !== undefined) : [];
}

function bindArguments(
  call: PyCall,
  signature: readonly string[] | undefined,
): { args: Record<string, PyValue>; rest: PyValue[] } {
  const args: Record<string, PyValue> = {};
  const rest: PyValue[] = [];
  const parameters = signature ?? [];
  call.args.forEach((value, index) => {
    const parameter = parameters[index];
    if (parameter === undefined) rest.push(value);
    else if (parameter.startsWith('*')) rest.push(value);
    else args[parameter] = value;
  });
  for (const keyword of call.keywords) args[keyword.name] = keyword.value;
  return { args, rest };
}

export function columnOf(call: PyCall): ColumnDef {
  let name: string | undefined;
  let type: TypeRef | undefined;
  const foreignKeys: ForeignKeyRef[] = [];
  for (const arg of call.args) {
    if (arg.kind === 'string' && name === undefined) name = arg.value;
    else if (arg.kind === 'call' && arg.call.method === 'ForeignKey') foreignKeys.push(foreignKeyOf(arg.call));
    else if (
      arg.kind === 'call' &&
      (arg.call.method === 'Identity' || arg.call.method === 'Sequence' || arg.call.method === 'Computed')
    )
      continue;
    else if ((arg.kind === 'call' || arg.kind === 'name') && type === undefined) type = typeOf(arg);
  }
  const typeKeyword = callKeyword(call, 'type_');
  if (!type && typeKeyword && (typeKeyword.kind === 'call' || typeKeyword.kind === 'name')) type = typeOf(typeKeyword);
  return {
    name: name ?? stringValue(callKeyword(call, 'name')),
    type,
    nullable: boolValue(callKeyword(call, 'nullable')),
    primaryKey: boolValue(callKeyword(call, 'primary_key')) === true,
    serverDefault: callKeyword(call, 'server_default'),
    default: callKeyword(call, 'default'),
    comment: stringValue(callKeyword(call, 'comment')),
    foreignKeys,
    call,
    span: call.span,
  };
}

export function typeOf(value: PyValue): TypeRef | undefined {
  if (value.kind === 'name') {
    return { name: value.name.split('.').pop() as string, qualified: value.name, span: value.span };
  }
  if (value.kind === 'call') {
    const timezone =
      boolValue(callKeyword(value.call, 'timezone')) ??
      (value.call.method.toUpperCase().startsWith('TIMESTAMP') || value.call.method === 'DateTime'
        ? boolValue(value.call.args[0])
        : undefined);
    return { name: value.call.method, qualified: value.call.callee, timezone, call: value.call, span: value.span };
  }
  return undefined;
}

function foreignKeyOf(call: PyCall): ForeignKeyRef {
  return {
    target: stringValue(call.args[0]),
    ondelete: stringValue(callKeyword(call, 'ondelete')),
    onupdate: stringValue(callKeyword(call, 'onupdate')),
    call,
    span: call.span,
  };
}

function constraintOf(call: PyCall): ConstraintDef {
  return {
    kind: call.method,
    name: stringValue(callKeyword(call, 'name')) ?? (call.method === 'Index' ? stringValue(call.args[0]) : undefined),
    columns: call.args.map(stringValue).filter((s): s is string => s !== undefined),
    ondelete: stringValue(callKeyword(call, 'ondelete')),
    onupdate: stringValue(callKeyword(call, 'onupdate')),
    call,
    span: call.span,
  };
}

export { dottedName };

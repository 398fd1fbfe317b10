import type { SyntaxNode, SyntaxTree } from '../parse/python';
import { libpgQueryAnalyzer, type SqlAnalyzer } from '../parse/sql';
import { decodeStringNode } from '../parse/strings';
import type {
  ColumnDef, Comment, ConstraintDef, ForeignKeyRef, ImportInfo, MigrationFunction, MigrationModel, Operation, PyCall,
  PyValue, RevisionIdentifiers, Section, TypeRef,
} from './migration';
import { callKeyword, stringValue, boolValue } from './migration';
import { NON_OPERATIONS, TABLE_PARAMETER, signatureFor } from './opSignatures';
import { dottedName, spanOf, toCall, toValue } from './pyValues';
import { LineIndex } from './source';
import { sqlBlockOf } from './sqlBlocks';

const CONSTRAINT_CONSTRUCTORS = new Set(['PrimaryKeyConstraint', 'ForeignKeyConstraint', 'UniqueConstraint', 'CheckConstraint', 'Index', 'ExcludeConstraint']);
const EXECUTE_METHODS = new Set(['execute', 'exec_driver_sql']);

/**
 * Builds the model of one revision file from its syntax tree. Never throws on any input:
 * unknown shapes are kept as opaque values, and a half-typed file still yields every operation
 * tree-sitter could recover.
 */
export function buildMigrationModel(path: string, source: string, tree: SyntaxTree, analyzer: SqlAnalyzer = libpgQueryAnalyzer): MigrationModel {
  return new MigrationBuilder(path, source, tree, analyzer).build();
}

interface WalkContext {
  section: Section;
  batchAliases: Map<string, string | undefined>;
  opAliases: Set<string>;
  inAutocommitBlock: boolean;
  viaHelper?: string;
  helpersSeen: Set<string>;
  /** Simple `name = <expr>` assignments seen in the function, for SQL held in variables. */
  locals: Map<string, PyValue>;
}

class MigrationBuilder {
  private readonly lines: LineIndex;
  private readonly operations: Operation[] = [];
  private readonly calls: PyCall[] = [];
  private readonly comments: Comment[] = [];
  private readonly imports: ImportInfo[] = [];
  private readonly moduleFunctions = new Map<string, SyntaxNode>();
  private readonly moduleAssignments = new Map<string, PyValue>();
  private readonly opAliases = new Set<string>(['op']);

  constructor(private readonly path: string, private readonly source: string, private readonly tree: SyntaxTree, private readonly analyzer: SqlAnalyzer) {
    this.lines = new LineIndex(source);
  }

  build(): MigrationModel {
    const root = this.tree.rootNode;
    const ids: RevisionIdentifiers = { branchLabels: [], dependsOn: [] };
    let docstring: string | undefined;
    let docstringSpan: MigrationModel['docstringSpan'];
    let upgrade: MigrationFunction | undefined;
    let downgrade: MigrationFunction | undefined;

    for (const comment of root.descendantsOfType('comment')) {
      if (comment) this.comments.push({ text: comment.text, line: comment.startPosition.row, span: spanOf(comment) });
    }

    const statements = root.namedChildren.filter((n): n is SyntaxNode => n !== null);
    statements.forEach((statement, index) => {
      if (statement.type === 'expression_statement') {
        const first = statement.namedChild(0);
        if (index === this.firstCodeIndex(statements) && first && (first.type === 'string' || first.type === 'concatenated_string')) {
          docstring = decodeStringNode(first, this.source)?.value;
          docstringSpan = spanOf(first);
          return;
        }
        if (first?.type === 'assignment') this.readModuleAssignment(first, ids);
      } else if (statement.type === 'import_statement' || statement.type === 'import_from_statement') {
        this.readImport(statement);
      } else {
        const fn = functionNode(statement);
        if (fn) {
          const name = fn.childForFieldName('name')?.text;
          if (name) this.moduleFunctions.set(name, fn);
        }
      }
    });

    const upgradeNode = this.moduleFunctions.get('upgrade');
    const downgradeNode = this.moduleFunctions.get('downgrade');
    if (upgradeNode) upgrade = this.describeFunction('upgrade', upgradeNode);
    if (downgradeNode) downgrade = this.describeFunction('downgrade', downgradeNode);
    if (upgradeNode) this.walkFunction(upgradeNode, 'upgrade');
    if (downgradeNode) this.walkFunction(downgradeNode, 'downgrade');
    this.collectAllCalls(root);

    const syntaxErrors = this.syntaxErrors(root);
    const message = docstring?.split(/\r?\n/).map((l) => l.trim()).find((l) => l !== '');
    return {
      path: this.path,
      source: this.source,
      lines: this.lines,
      ...ids,
      docstring,
      docstringSpan,
      message,
      upgrade,
      downgrade,
      operations: this.operations,
      calls: this.calls,
      comments: this.comments,
      imports: this.imports,
      syntaxErrors,
      isRevision: ids.revision !== undefined || upgradeNode !== undefined,
    };
  }

  private firstCodeIndex(statements: SyntaxNode[]): number {
    return statements.findIndex((s) => s.type !== 'comment');
  }

  private readModuleAssignment(assignment: SyntaxNode, ids: RevisionIdentifiers): void {
    const left = assignment.childForFieldName('left');
    const right = assignment.childForFieldName('right');
    if (!left || !right || left.type !== 'identifier') return;
    const value = toValue(right, this.source);
    this.moduleAssignments.set(left.text, value);
    switch (left.text) {
      case 'revision':
        ids.revision = stringValue(value);
        ids.revisionSpan = value.span;
        break;
      case 'down_revision':
        ids.downRevision = value.kind === 'none' ? null : value.kind === 'sequence' ? stringsOf(value) : stringValue(value);
        ids.downRevisionSpan = value.span;
        break;
      case 'branch_labels':
        ids.branchLabels = value.kind === 'sequence' ? stringsOf(value) : value.kind === 'string' ? [value.value] : [];
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
          const alias = child.childForFieldName('alias')?.text ?? name;
          this.imports.push({ module: name, alias, span });
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
      } else {
        this.imports.push({ module, name: child.text, alias: child.text, span });
      }
    }
    for (const imported of this.imports) {
      if (imported.module === 'alembic' && imported.name === 'op') this.opAliases.add(imported.alias);
    }
  }

  private describeFunction(name: Section, fn: SyntaxNode): MigrationFunction {
    const body = fn.childForFieldName('body');
    const parameters = (fn.childForFieldName('parameters')?.namedChildren ?? [])
      .filter((p): p is SyntaxNode => p !== null)
      .map((p) => (p.type === 'identifier' ? p.text : p.childForFieldName('name')?.text ?? p.namedChild(0)?.text ?? p.text));
    const colon = fn.children.find((c) => c?.type === ':');
    const nameNode = fn.childForFieldName('name');
    const headerSpan = { start: nameNode?.startIndex ?? fn.startIndex, end: nameNode?.endIndex ?? fn.endIndex };
    const statements = (body?.namedChildren ?? []).filter((s): s is SyntaxNode => s !== null && s.type !== 'comment');
    let emptyReason: MigrationFunction['emptyReason'];
    if (!body || statements.length === 0) emptyReason = 'missing-body';
    else if (statements.every((s) => s.type === 'pass_statement' || isDocstringStatement(s) || isEllipsis(s) || s.type === 'raise_statement')) {
      if (statements.some((s) => s.type === 'raise_statement')) emptyReason = 'raise';
      else if (statements.some((s) => s.type === 'pass_statement')) emptyReason = 'pass';
      else if (statements.some(isEllipsis)) emptyReason = 'ellipsis';
      else emptyReason = 'docstring';
    }
    const firstStatement = statements[0] ?? body?.namedChild(0) ?? null;
    // The body's own indentation as written (spaces or tabs), so fixes insert matching lines.
    const bodyIndent = firstStatement
      ? this.lines.lineText(firstStatement.startPosition.row).slice(0, firstStatement.startPosition.column).replace(/\S.*$/, '') || '    '
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

  private walkFunction(fn: SyntaxNode, section: Section): void {
    const opAliases = new Set(this.opAliases);
    // Non-standard signatures such as `def upgrade(op, tables, tester)` pass `op` in.
    const firstParam = fn.childForFieldName('parameters')?.namedChild(0);
    if (firstParam?.type === 'identifier' && firstParam.text === 'op') opAliases.add('op');
    const body = fn.childForFieldName('body');
    if (!body) return;
    const context: WalkContext = { section, batchAliases: new Map(), opAliases, inAutocommitBlock: false, helpersSeen: new Set([fn.childForFieldName('name')?.text ?? '']), locals: new Map() };
    this.walk(body, context);
  }

  private walk(node: SyntaxNode, context: WalkContext): void {
    if (node.type === 'with_statement') {
      this.walkWith(node, context);
      return;
    }
    // Nested definitions (helpers, classes, lambdas) are walked like the body: when they run,
    // they run within this section.
    if (node.type === 'assignment') {
      const left = node.childForFieldName('left');
      const right = node.childForFieldName('right');
      if (left?.type === 'identifier' && right) context.locals.set(left.text, toValue(right, this.source));
    }
    if (node.type === 'call') {
      if (this.visitCall(node, context)) return;
    }
    for (const child of node.namedChildren) if (child) this.walk(child, context);
  }

  private walkWith(node: SyntaxNode, context: WalkContext): void {
    const batchAliases = new Map(context.batchAliases);
    let inAutocommitBlock = context.inAutocommitBlock;
    for (const item of node.descendantsOfType('with_item')) {
      if (!item) continue;
      const value = item.childForFieldName('value');
      let call: SyntaxNode | null = null;
      let alias: string | undefined;
      if (value?.type === 'as_pattern') {
        call = value.namedChild(0);
        alias = value.childForFieldName('alias')?.text ?? value.namedChild(1)?.text;
      } else {
        call = value;
      }
      if (call?.type !== 'call') continue;
      const parsed = toCall(call, this.source);
      if (!parsed) continue;
      if (parsed.method === 'batch_alter_table' && context.opAliases.has(parsed.receiver) && alias) {
        batchAliases.set(alias.replace(/^as\s+/, ''), stringValue(parsed.args[0] ?? callKeyword(parsed, 'table_name')));
      } else if (parsed.method === 'autocommit_block') {
        inAutocommitBlock = true;
      }
    }
    const inner: WalkContext = { ...context, batchAliases, inAutocommitBlock };
    const body = node.childForFieldName('body');
    if (body) this.walk(body, inner);
  }

  /** Returns true when the call was taken as an operation (its arguments are not searched for more). */
  private visitCall(node: SyntaxNode, context: WalkContext): boolean {
    const call = toCall(node, this.source);
    if (!call) return false;
    const isOp = context.opAliases.has(call.receiver);
    const batchTable = context.batchAliases.get(call.receiver);
    const isBatch = context.batchAliases.has(call.receiver);
    if ((isOp || isBatch) && !NON_OPERATIONS.has(call.method)) {
      this.operations.push(this.makeOperation(call, context, true, isBatch, batchTable));
      return true;
    }
    if (EXECUTE_METHODS.has(call.method) && call.receiver !== '') {
      this.operations.push(this.makeOperation(call, context, false, false, undefined));
      return true;
    }
    if (call.receiver === '' && this.moduleFunctions.has(call.method) && !context.helpersSeen.has(call.method)) {
      const helper = this.moduleFunctions.get(call.method) as SyntaxNode;
      const body = helper.childForFieldName('body');
      if (body) {
        const helpersSeen = new Set(context.helpersSeen).add(call.method);
        this.walk(body, { ...context, viaHelper: context.viaHelper ?? call.method, helpersSeen, locals: new Map() });
      }
    }
    return false;
  }

  private makeOperation(call: PyCall, context: WalkContext, isAlembicOp: boolean, inBatch: boolean, batchTable: string | undefined): Operation {
    const name = isAlembicOp ? call.method : 'execute';
    const { args, rest } = bindArguments(call, isAlembicOp ? signatureFor(name, inBatch) : ['sqltext']);
    const tableParameter = TABLE_PARAMETER[name];
    const table = inBatch && name !== 'create_table' && name !== 'drop_table' ? batchTable : tableParameter ? stringValue(args[tableParameter]) : undefined;
    const columns: ColumnDef[] = [];
    const constraints: ConstraintDef[] = [];
    const candidates = name === 'create_table' ? rest : name === 'add_column' && args.column ? [args.column] : [];
    for (const value of candidates) {
      if (value.kind !== 'call') continue;
      if (value.call.method === 'Column') columns.push(columnOf(value.call));
      else if (CONSTRAINT_CONSTRUCTORS.has(value.call.method)) constraints.push(constraintOf(value.call));
    }
    const sqlArg = name === 'execute' ? args.sqltext : undefined;
    const resolveName = (n: string): PyValue | undefined => context.locals.get(n) ?? this.moduleAssignments.get(n);
    return {
      name,
      call,
      section: context.section,
      isAlembicOp,
      batchTable,
      inAutocommitBlock: context.inAutocommitBlock,
      table,
      schema: stringValue(callKeyword(call, 'schema')),
      args,
      rest,
      columns,
      constraints,
      sql: sqlArg ? sqlBlockOf(sqlArg, this.lines, this.analyzer, resolveName) : undefined,
      viaHelper: context.viaHelper,
      span: call.span,
      range: this.lines.rangeOf(call.span.start, call.span.end),
    };
  }

  private collectAllCalls(root: SyntaxNode): void {
    for (const node of root.descendantsOfType('call')) {
      if (!node) continue;
      const call = toCall(node, this.source);
      if (call) this.calls.push(call);
    }
  }

  private syntaxErrors(root: SyntaxNode): Array<{ span: { start: number; end: number }; message: string }> {
    if (!root.hasError) return [];
    const errors: Array<{ span: { start: number; end: number }; message: string }> = [];
    const visit = (node: SyntaxNode): void => {
      if (errors.length >= 20) return;
      if (node.isMissing) {
        errors.push({ span: spanOf(node), message: `Syntax error: missing \`${node.type}\`` });
        return;
      }
      if (node.type === 'ERROR') {
        const text = node.text.split(/\r?\n/)[0].slice(0, 40);
        errors.push({ span: { start: node.startIndex, end: Math.max(node.startIndex + 1, Math.min(node.endIndex, node.startIndex + 80)) }, message: `Syntax error near \`${text}\`` });
        return;
      }
      if (!node.hasError) return;
      for (const child of node.children) if (child) visit(child);
    };
    visit(root);
    return errors;
  }
}

function functionNode(statement: SyntaxNode): SyntaxNode | undefined {
  if (statement.type === 'function_definition') return statement;
  if (statement.type === 'decorated_definition') {
    const def = statement.childForFieldName('definition');
    if (def?.type === 'function_definition') return def;
  }
  return undefined;
}

function isDocstringStatement(node: SyntaxNode): boolean {
  const first = node.namedChild(0);
  return node.type === 'expression_statement' && node.namedChildCount === 1 && (first?.type === 'string' || first?.type === 'concatenated_string');
}

function isEllipsis(node: SyntaxNode): boolean {
  return node.type === 'expression_statement' && node.namedChild(0)?.type === 'ellipsis';
}

function stringsOf(value: PyValue): string[] {
  return value.kind === 'sequence' ? value.items.map(stringValue).filter((s): s is string => s !== undefined) : [];
}

function bindArguments(call: PyCall, signature: readonly string[] | undefined): { args: Record<string, PyValue>; rest: PyValue[] } {
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
    else if (arg.kind === 'call' && (arg.call.method === 'Identity' || arg.call.method === 'Sequence' || arg.call.method === 'Computed')) continue;
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
    const timezone = boolValue(callKeyword(value.call, 'timezone')) ?? (value.call.method.toUpperCase().startsWith('TIMESTAMP') || value.call.method === 'DateTime' ? boolValue(value.call.args[0]) : undefined);
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

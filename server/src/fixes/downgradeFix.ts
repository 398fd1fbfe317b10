import type { ImportInfo, MigrationModel } from '../model/migration';
import type { ProjectModel } from '../model/project';
import type { Span } from '../model/source';
import { parsePython, type SyntaxNode } from '../parse/python';
import type { Fix, TextEdit } from './edit';
import { invertSteps, type InverseStatement } from './inverse';
import { upgradeSteps, type StepBlock } from './upgradeSteps';

/**
 * The "Add downgrade" fix of SW101: writes the exact inverse of the upgrade into an empty
 * `downgrade()` (keeping its docstring and comments) or appends a new `def downgrade()` in the
 * style of `def upgrade` (parameters, `-> None`), with the file's indentation and line breaks,
 * and the imports the new code needs. When some operation cannot be reversed exactly, no fix
 * is made and `blocker` names that operation and its line.
 */
export type DowngradeFix = { fix: Fix } | { blocker: string; span?: Span };

export function downgradeFix(migration: MigrationModel, project: ProjectModel | undefined): DowngradeFix | undefined {
  if (migration.syntaxErrors.length > 0 || !migration.upgrade) return undefined;
  const tree = parsePython(migration.source);
  try {
    const functions = topLevelFunctions(tree.rootNode);
    const upgradeNode = functions.get('upgrade');
    if (!upgradeNode) return undefined;
    const steps = upgradeSteps(migration, upgradeNode);
    if (!steps.ok)
      return {
        blocker: `${steps.blocker.description}, so it cannot be reversed automatically`,
        span: steps.blocker.span,
      };
    const opName = migration.imports.find((i) => i.module === 'alembic' && i.name === 'op')?.alias ?? 'op';
    const inverse = invertSteps(steps.steps, { migration, project, opName });
    if (!inverse.ok) {
      return {
        blocker: `\`${inverse.op.call.callee}\` at line ${inverse.op.range.start.line + 1} cannot be reversed automatically: ${inverse.reason}`,
        span: inverse.op.call.calleeSpan,
      };
    }
    if (inverse.statements.length === 0) return undefined;
    const style = fileStyle(migration);
    const edits: TextEdit[] = [];
    const downgradeNode = functions.get('downgrade');
    const body = downgradeNode
      ? fillEmptyBody(migration, downgradeNode, inverse.statements, style)
      : appendDowngrade(migration, upgradeNode, inverse.statements, style);
    if (!body) return undefined;
    edits.push(body);
    const imports = importEdit(migration, inverse.statements, opName, downgradeNode, upgradeNode, style);
    if (imports) edits.push(imports);
    return { fix: { title: 'Add downgrade (the inverse of the upgrade)', edits, safe: false } };
  } finally {
    tree.delete();
  }
}

interface Style {
  eol: string;
  unit: string;
}

function fileStyle(migration: MigrationModel): Style {
  return { eol: /\r\n/.test(migration.source) ? '\r\n' : '\n', unit: migration.upgrade?.bodyIndent || '    ' };
}

function topLevelFunctions(root: SyntaxNode): Map<string, SyntaxNode> {
  const functions = new Map<string, SyntaxNode>();
  for (const statement of root.namedChildren) {
    const fn = statement?.type === 'decorated_definition' ? statement.childForFieldName('definition') : statement;
    const name = fn?.type === 'function_definition' ? fn.childForFieldName('name')?.text : undefined;
    if (fn && name) functions.set(name, fn);
  }
  return functions;
}

/** The statements as lines at `indent`; statements of one `with` block are grouped under its header. */
function renderBody(statements: readonly InverseStatement[], indent: string, style: Style): string[] {
  const lines: string[] = [];
  let open: StepBlock | undefined;
  for (const statement of statements) {
    if (statement.block !== open) {
      open = statement.block;
      if (open) lines.push(indent + open.header);
    }
    const at = open ? indent + style.unit : indent;
    statement.text.split('\n').forEach((line) => lines.push(line === '' ? '' : at + line));
  }
  return lines;
}

/** Replaces `pass` / `...` / `raise …` in an empty downgrade, keeping its docstring and comments. */
function fillEmptyBody(
  migration: MigrationModel,
  fn: SyntaxNode,
  statements: readonly InverseStatement[],
  style: Style,
): TextEdit | undefined {
  const body = fn.childForFieldName('body');
  if (!body) return undefined;
  const children = body.namedChildren.filter((c): c is SyntaxNode => c !== null && c.type !== 'comment');
  const placeholders = children.filter((c) => !isDocstring(c));
  const colon = fn.children.find((c) => c?.type === ':');
  const sameLine = children.length > 0 && children[0].startPosition.row === fn.startPosition.row;
  if (sameLine || !colon) {
    // `def downgrade(): pass`: the body moves onto lines of its own.
    const indent = defIndent(migration, fn) + style.unit;
    const start = colon?.endIndex ?? body.startIndex;
    return {
      span: { start, end: body.endIndex },
      newText: style.eol + renderBody(statements, indent, style).join(style.eol),
    };
  }
  const indent = migration.downgrade?.bodyIndent || style.unit;
  const lines = renderBody(statements, indent, style);
  if (placeholders.length === 0) {
    // After the docstring; a half-typed `def downgrade():` at the end of the file has no body at all.
    const at = children.length > 0 ? children[children.length - 1].endIndex : colon.endIndex;
    return { span: { start: at, end: at }, newText: style.eol + lines.join(style.eol) };
  }
  const first = placeholders[0];
  const last = placeholders[placeholders.length - 1];
  return { span: { start: first.startIndex, end: last.endIndex }, newText: lines.join(style.eol).slice(indent.length) };
}

/** Appends `def downgrade…` with the signature of `def upgrade` (parameters and annotations). */
function appendDowngrade(
  migration: MigrationModel,
  upgradeNode: SyntaxNode,
  statements: readonly InverseStatement[],
  style: Style,
): TextEdit {
  const name = upgradeNode.childForFieldName('name');
  const colon = upgradeNode.children.find((c) => c?.type === ':');
  const signature = name && colon ? migration.source.slice(name.endIndex, colon.endIndex) : '():';
  const indent = defIndent(migration, upgradeNode);
  const end = migration.source.replace(/\s+$/, '').length;
  const lines = [indent + `def downgrade${signature}`, ...renderBody(statements, indent + style.unit, style)];
  return {
    span: { start: end, end: migration.source.length },
    newText: style.eol + style.eol + style.eol + lines.join(style.eol) + style.eol,
  };
}

function defIndent(migration: MigrationModel, fn: SyntaxNode): string {
  return /^[ \t]*/.exec(migration.lines.lineText(fn.startPosition.row))?.[0] ?? '';
}

function isDocstring(node: SyntaxNode): boolean {
  const first = node.namedChild(0);
  return (
    node.type === 'expression_statement' &&
    node.namedChildCount === 1 &&
    (first?.type === 'string' || first?.type === 'concatenated_string')
  );
}

/** `from alembic import op` and the imports copied definitions need, after the last import. */
function importEdit(
  migration: MigrationModel,
  statements: readonly InverseStatement[],
  opName: string,
  downgradeNode: SyntaxNode | undefined,
  upgradeNode: SyntaxNode,
  style: Style,
): TextEdit | undefined {
  const lines: string[] = [];
  const have = new Set(migration.imports.map((i) => i.alias));
  const parameters = (downgradeNode ?? upgradeNode).childForFieldName('parameters')?.text ?? '';
  if (!have.has(opName) && !new RegExp(`\\b${opName}\\b`).test(parameters)) {
    lines.push('from alembic import op');
    have.add(opName);
  }
  for (const needed of statements.flatMap((s) => s.imports)) {
    if (have.has(needed.alias)) continue;
    have.add(needed.alias);
    lines.push(importLine(needed));
  }
  if (lines.length === 0) return undefined;
  const lastImport = migration.imports.reduce<number>((end, i) => Math.max(end, i.span.end), -1);
  if (lastImport >= 0)
    return { span: { start: lastImport, end: lastImport }, newText: style.eol + lines.join(style.eol) };
  if (migration.docstringSpan)
    return {
      span: { start: migration.docstringSpan.end, end: migration.docstringSpan.end },
      newText: style.eol + style.eol + lines.join(style.eol),
    };
  return { span: { start: 0, end: 0 }, newText: lines.join(style.eol) + style.eol };
}

function importLine(i: ImportInfo): string {
  if (i.name === undefined) return i.alias === i.module ? `import ${i.module}` : `import ${i.module} as ${i.alias}`;
  return `from ${i.module} import ${i.name}${i.alias === i.name ? '' : ` as ${i.alias}`}`;
}

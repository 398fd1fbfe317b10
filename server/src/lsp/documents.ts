import { TextDocument } from 'vscode-languageserver-textdocument';
import type { TextDocumentContentChangeEvent } from 'vscode-languageserver';
import { buildModelFromCopy } from '../model/buildMigration';
import type { MigrationModel } from '../model/migration';
import { reusingNodes } from '../model/nodeMemo';
import { parsePython, type SyntaxEdit, type SyntaxTree } from '../parse/python';
import { copyTree, type PyNode } from '../parse/pyTree';
import { composeChanges, copyTreeReusing, type TextChange } from '../parse/pyTreeReuse';
import { syntaxErrorsOf } from '../parse/syntaxErrors';

/**
 * One document open in the editor. Python documents keep their tree-sitter tree between edits:
 * every content change is replayed on the tree with `tree.edit(...)` before the text changes, so
 * the next parse is incremental. Indices, rows and columns are UTF-16 code units, like LSP's.
 */
export class OpenDocument {
  private tree: SyntaxTree | undefined;
  /** The plain copy of `tree` (parse/pyTree.ts), and the one change made to the text since. */
  private copy: PyNode | undefined;
  private changeSinceCopy: TextChange | undefined;
  private analysed: MigrationModel | undefined;

  constructor(
    public text: TextDocument,
    readonly path: string | undefined,
  ) {}

  get uri(): string {
    return this.text.uri;
  }
  get version(): number {
    return this.text.version;
  }
  get languageId(): string {
    return this.text.languageId;
  }
  get isPython(): boolean {
    return this.text.languageId === 'python' || (this.path?.endsWith('.py') ?? false);
  }

  applyChanges(changes: readonly TextDocumentContentChangeEvent[], version: number): void {
    for (const change of changes) {
      if ('range' in change && this.tree) {
        const edit = treeEdit(this.text, change.range, change.text);
        this.tree.edit(edit);
        if (this.copy) this.changeSinceCopy = this.changeSinceCopy ? composeChanges(this.changeSinceCopy, edit) : edit;
      } else if (!('range' in change)) {
        this.dropTree(); // a full-text replacement: nothing to reuse
      }
      this.text = TextDocument.update(this.text, [change], version);
    }
    this.analysed = undefined;
  }

  /**
   * The migration model of the current text, parsed incrementally from the previous tree. The
   * copy of the tree the model is built from keeps the subtrees the edits did not touch
   * (parse/pyTreeReuse.ts), so the model builder's memos keyed by node hold for them.
   */
  model(): MigrationModel {
    if (this.analysed) return this.analysed;
    const old = this.tree;
    const source = this.text.getText();
    const tree = parsePython(source, old);
    let copy: PyNode | undefined;
    if (old && this.copy && this.changeSinceCopy)
      copy = copyTreeReusing(tree, source, this.copy, this.changeSinceCopy, old.getChangedRanges(tree));
    copy ??= copyTree(tree, source);
    const root = copy;
    const model = reusingNodes(() =>
      buildModelFromCopy(this.path ?? this.uri, source, root, syntaxErrorsOf(tree.rootNode, source)),
    );
    this.tree = tree;
    this.copy = copy;
    this.changeSinceCopy = undefined;
    old?.delete();
    this.analysed = model;
    return model;
  }

  dispose(): void {
    this.dropTree();
    this.analysed = undefined;
  }

  private dropTree(): void {
    this.tree?.delete();
    this.tree = undefined;
    this.copy = undefined;
    this.changeSinceCopy = undefined;
  }
}

/** The tree-sitter edit for replacing `range` of `doc` (before the change) with `newText`. */
export function treeEdit(
  doc: TextDocument,
  range: { start: { line: number; character: number }; end: { line: number; character: number } },
  newText: string,
): SyntaxEdit {
  const startIndex = doc.offsetAt(range.start);
  const oldEndIndex = doc.offsetAt(range.end);
  // offsetAt clamps positions past a line's end; take the positions back from the clamped offsets.
  const startPosition = toPoint(doc.positionAt(startIndex));
  const oldEndPosition = toPoint(doc.positionAt(oldEndIndex));
  const lastBreak = newText.lastIndexOf('\n');
  const newRows = lastBreak < 0 ? 0 : countBreaks(newText);
  const newEndPosition =
    lastBreak < 0
      ? { row: startPosition.row, column: startPosition.column + newText.length }
      : { row: startPosition.row + newRows, column: newText.length - lastBreak - 1 };
  return {
    startIndex,
    oldEndIndex,
    newEndIndex: startIndex + newText.length,
    startPosition,
    oldEndPosition,
    newEndPosition,
  };
}

function toPoint(p: { line: number; character: number }): { row: number; column: number } {
  return { row: p.line, column: p.character };
}

function countBreaks(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** False when `position` lies past the end of its line or of the document (TextDocument then takes the end). */
export function inDocument(text: TextDocument, position: { line: number; character: number }): boolean {
  const back = text.positionAt(text.offsetAt(position));
  return back.line === position.line && back.character === position.character;
}

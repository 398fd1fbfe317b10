// Wraps the long string literals that Prettier leaves alone: a string or template literal on a line
// longer than LIMIT characters becomes a concatenation of shorter literals, cut at spaces, so the
// text it produces is the same. Run `node out/scripts/wrap-long-lines.js [files…]`, then
// `npx prettier --write` on the files it names (Prettier lays the concatenation out and drops
// parentheses it does not need).
import * as fs from 'node:fs';
import * as ts from 'typescript';

const LIMIT = 160;
/** Longest piece of literal text in one part of the concatenation. */
const PIECE = 90;

/** Cut points (offsets into `raw`, the literal's source without its quotes) at spaces outside `${…}`. */
function cutPoints(raw: string, template: boolean): number[] {
  const cuts: number[] = [];
  let depth = 0;
  let last = 0;
  let candidate = -1;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (template && c === '$' && raw[i + 1] === '{') {
      if (depth === 0 && i > 0) candidate = i; // before a substitution
      depth++;
      i++;
      continue;
    }
    if (template && depth > 0) {
      if (c === '{') depth++;
      else if (c === '}') depth--;
      continue;
    }
    // A word's space (not indentation after a `\n`, not a run of spaces) stays at the end of the piece.
    const wordSpace = c === ' ' && i > 0 && raw[i - 1] !== ' ' && !(raw[i - 1] === 'n' && raw[i - 2] === '\\');
    if (wordSpace && i + 1 < raw.length && raw[i + 1] !== ' ') candidate = i + 1;
    if (i - last >= PIECE && candidate > last) {
      cuts.push(candidate);
      last = candidate;
      candidate = -1;
    }
  }
  return cuts;
}

function splitLiteral(node: ts.StringLiteral | ts.TemplateLiteral, source: ts.SourceFile): string | undefined {
  const text = node.getText(source);
  const quote = text[0];
  const template = quote === '`';
  const raw = text.slice(1, -1);
  const cuts = cutPoints(raw, template);
  if (cuts.length === 0) return undefined;
  const pieces: string[] = [];
  let from = 0;
  for (const cut of [...cuts, raw.length]) {
    pieces.push(quote + raw.slice(from, cut) + quote);
    from = cut;
  }
  return `(${pieces.join(' +\n')})`;
}

/** Literals that are values: not module names, types, property names or tagged templates. */
function isValue(node: ts.Node): boolean {
  const parent = node.parent;
  if (ts.isImportDeclaration(parent) || ts.isExportDeclaration(parent) || ts.isExternalModuleReference(parent))
    return false;
  if (ts.isLiteralTypeNode(parent) || ts.isTaggedTemplateExpression(parent)) return false;
  if ((ts.isPropertyAssignment(parent) || ts.isPropertySignature(parent)) && parent.name === node) return false;
  if (ts.isExpressionStatement(parent)) return false; // directives
  return true;
}

export function wrapFile(file: string): boolean {
  const text = fs.readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const longLines = new Set<number>();
  text.split('\n').forEach((line, i) => {
    if (line.length > LIMIT) longLines.add(i);
  });
  if (longLines.size === 0) return false;
  const edits: Array<{ start: number; end: number; text: string }> = [];
  const visit = (node: ts.Node): void => {
    if (
      (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateExpression(node)) &&
      isValue(node)
    ) {
      const start = node.getStart(source);
      const first = source.getLineAndCharacterOfPosition(start).line;
      const last = source.getLineAndCharacterOfPosition(node.end).line;
      const onLongLine = [...longLines].some((l) => l >= first && l <= last);
      if (onLongLine && node.end - start > PIECE) {
        const replacement = splitLiteral(node as ts.StringLiteral | ts.TemplateLiteral, source);
        if (replacement) edits.push({ start, end: node.end, text: replacement });
        return;
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  if (edits.length === 0) return false;
  let out = text;
  for (const edit of edits.sort((a, b) => b.start - a.start))
    out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
  fs.writeFileSync(file, out);
  return true;
}

if (require.main === module) {
  for (const file of process.argv.slice(2)) if (wrapFile(file)) console.log(file);
}

import type { SyntaxNode } from './python';

/** A syntax error tree-sitter's error recovery found: an ERROR node or a MISSING token. */
export interface SyntaxErrorFound {
  span: { start: number; end: number };
  message: string;
}

/** The first 20 syntax errors of a tree, read where the tree lives (the main thread or a parse worker). */
export function syntaxErrorsOf(root: SyntaxNode, source: string): SyntaxErrorFound[] {
  if (!root.hasError) return [];
  const errors: SyntaxErrorFound[] = [];
  const visit = (node: SyntaxNode): void => {
    if (errors.length >= 20) return;
    if (node.isMissing) {
      errors.push({
        span: { start: node.startIndex, end: node.endIndex },
        message: `Syntax error: missing \`${node.type}\``,
      });
      return;
    }
    if (node.type === 'ERROR') {
      const text = node.text.split(/\r?\n/)[0].slice(0, 40);
      const end = Math.max(node.startIndex + 1, Math.min(node.endIndex, node.startIndex + 80));
      // The cut at 80 (or the minimum of 1) must not split an astral character in two.
      errors.push({
        span: { start: node.startIndex, end: wholeCharacterEnd(source, end) },
        message: `Syntax error near \`${text}\``,
      });
      return;
    }
    if (!node.hasError) return;
    for (const child of node.children) if (child) visit(child);
  };
  visit(root);
  return errors;
}

/** `end`, moved past the low half of a surrogate pair it would otherwise split. */
function wholeCharacterEnd(text: string, end: number): number {
  const before = text.charCodeAt(end - 1);
  const after = text.charCodeAt(end);
  return before >= 0xd800 && before <= 0xdbff && after >= 0xdc00 && after <= 0xdfff ? end + 1 : end;
}

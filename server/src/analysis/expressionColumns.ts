import { libpgQueryAnalyzer } from '../parse/sql';
import { columnRefs } from '../parse/sqlFacts';
import { ParserNotReadyError } from '../parse/parserReady';

/**
 * The columns a SQL expression written in Python reads (`sa.text("indico_unaccent(lower(name))")`
 * → `name`), parsed by PostgreSQL's grammar so that function names are not taken for columns. An
 * expression the grammar rejects falls back to its words that are not followed by `(`: too many
 * columns at worst, so that dropping one of them still counts as dropping the index.
 */
export function expressionColumns(expression: string): string[] {
  try {
    const parsed = libpgQueryAnalyzer.parse(`SELECT ${expression}`);
    const statement = parsed.statements[0];
    if (!parsed.error && parsed.statements.length === 1 && statement.kind === 'SelectStmt')
      return columnRefs(statement.node.targetList);
  } catch (err) {
    // The CLI loads the parser and runs again (parse/parserReady.ts): its answer is the parser's.
    if (err instanceof ParserNotReadyError) throw err;
    // The parser is not loaded (a caller outside the engine): read the words.
  }
  const unquoted = expression.replace(/'(?:[^']|'')*'/g, ' ');
  return [...new Set([...unquoted.matchAll(/([A-Za-z_]\w*)(?!\s*[(\w])/g)].map((m) => m[1].toLowerCase()))];
}

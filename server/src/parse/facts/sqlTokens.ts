/**
 * A small PostgreSQL lexer for the spots libpg-query gives no location for (the `TABLE` keyword
 * of `DROP TABLE`, the `DROP` of one `ALTER TABLE` command, the end of a DEFAULT expression).
 * It only has to tell words, literals, quoted names and punctuation apart; comments and white
 * space are skipped. Offsets are indices into the text given (UTF-16).
 */
export type SqlTokenType = 'word' | 'quoted' | 'string' | 'number' | 'punct' | 'param';

export interface SqlToken {
  type: SqlTokenType;
  text: string;
  /** Upper-case text for words, the text otherwise. */
  upper: string;
  start: number;
  end: number;
}

export function tokenizeSql(text: string, from = 0, to = text.length): SqlToken[] {
  const tokens: SqlToken[] = [];
  let i = from;
  const push = (type: SqlTokenType, start: number, end: number): void => {
    const t = text.slice(start, end);
    tokens.push({ type, text: t, upper: type === 'word' ? t.toUpperCase() : t, start, end });
  };
  while (i < to) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '-' && text[i + 1] === '-') {
      while (i < to && text[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      let depth = 1;
      i += 2;
      while (i < to && depth > 0) {
        if (text[i] === '/' && text[i + 1] === '*') {
          depth++;
          i += 2;
        } else if (text[i] === '*' && text[i + 1] === '/') {
          depth--;
          i += 2;
        } else i++;
      }
      continue;
    }
    const start = i;
    if (c === "'" || ((c === 'E' || c === 'e') && text[i + 1] === "'")) {
      const backslashes = c !== "'";
      i += backslashes ? 2 : 1;
      while (i < to) {
        if (backslashes && text[i] === '\\') {
          i += 2;
          continue;
        }
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            i += 2;
            continue;
          }
          i++;
          break;
        }
        i++;
      }
      push('string', start, Math.min(i, to));
      continue;
    }
    if (c === '"') {
      i++;
      while (i < to) {
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            i += 2;
            continue;
          }
          i++;
          break;
        }
        i++;
      }
      push('quoted', start, Math.min(i, to));
      continue;
    }
    if (c === '$') {
      const tag = /^\$([A-Za-z_]\w*)?\$/.exec(text.slice(i, Math.min(to, i + 64)));
      if (tag) {
        const close = text.indexOf(tag[0], i + tag[0].length);
        i = close < 0 || close >= to ? to : close + tag[0].length;
        push('string', start, i);
        continue;
      }
      const param = /^\$\d+/.exec(text.slice(i, to));
      if (param) {
        i += param[0].length;
        push('param', start, i);
        continue;
      }
    }
    if (c === ':' && /[A-Za-z_]/.test(text[i + 1] ?? '') && text[i - 1] !== ':') {
      i++;
      while (i < to && /\w/.test(text[i])) i++;
      push('param', start, i);
      continue;
    }
    if (/[A-Za-z_\u0080-\uffff]/.test(c)) {
      while (i < to && /[\w$\u0080-\uffff]/.test(text[i])) i++;
      push('word', start, i);
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(text[i + 1] ?? ''))) {
      while (i < to && /[0-9.eE_]/.test(text[i])) i++;
      push('number', start, i);
      continue;
    }
    i++;
    push('punct', start, i);
  }
  return tokens;
}

/** Index of the token that starts at `offset` (or the first one after it), -1 when none. */
export function tokenAt(tokens: readonly SqlToken[], offset: number): number {
  return tokens.findIndex((t) => t.end > offset);
}

/**
 * The end of the expression that starts at token `from`: the first top-level `,`, `)` or `;`,
 * or a keyword that starts the next column constraint. Returns the index one past its last token.
 */
const CONSTRAINT_STARTS = new Set([
  'NOT',
  'NULL',
  'CONSTRAINT',
  'PRIMARY',
  'UNIQUE',
  'CHECK',
  'REFERENCES',
  'COLLATE',
  'GENERATED',
  'DEFERRABLE',
  'INITIALLY',
]);
export function expressionEnd(tokens: readonly SqlToken[], from: number): number {
  let depth = 0;
  for (let k = from; k < tokens.length; k++) {
    const t = tokens[k];
    if (t.type === 'punct' && (t.text === '(' || t.text === '[')) depth++;
    else if (t.type === 'punct' && (t.text === ')' || t.text === ']')) {
      if (depth === 0) return k;
      depth--;
    } else if (depth === 0 && t.type === 'punct' && (t.text === ',' || t.text === ';')) return k;
    else if (depth === 0 && k > from && t.type === 'word' && CONSTRAINT_STARTS.has(t.upper)) {
      // `IS NOT NULL` and `NOT` inside an expression are rare in defaults; `x IS NULL` keeps going.
      if (!(
        tokens[k - 1]?.upper === 'IS' ||
        (t.upper === 'NULL' && tokens[k - 1]?.upper === 'NOT' && tokens[k - 2]?.upper === 'IS')
      ))
        return k;
    }
  }
  return tokens.length;
}

// Grammar snapshot tests for syntaxes/alembic-sql.injection.tmLanguage.json: tokenises fixtures
// with vscode-textmate + vscode-oniguruma (the engine VS Code uses) and VS Code 1.100.3's own
// Python and SQL grammars (test/syntaxes/grammars), then compares a readable token dump with the
// committed snapshot (UPDATE_SNAPSHOTS=1 rewrites it). Targeted assertions below say what matters.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const HERE = path.join(ROOT, 'test', 'syntaxes');
const INJECTION = path.join(ROOT, 'syntaxes', 'alembic-sql.injection.tmLanguage.json');
const CODE_SERVER_MODULES = path.join(ROOT, '.e2e', 'code-server', 'node_modules', 'code-server', 'lib', 'vscode', 'node_modules');

/** vscode-textmate and vscode-oniguruma: a devDependency if present, else the copies inside code-server (the e2e editor). */
function load<T>(name: string): { module: T; dir: string } | undefined {
  for (const base of [path.join(ROOT, 'node_modules'), CODE_SERVER_MODULES]) {
    const dir = path.join(base, name);
    if (fs.existsSync(path.join(dir, 'package.json'))) return { module: require(dir) as T, dir };
  }
  return undefined;
}

interface Token { text: string; scopes: string[] }

/** The parts of vscode-textmate / vscode-oniguruma used here (typed locally: they may come from code-server). */
interface TextMate {
  INITIAL: unknown;
  Registry: new (options: Record<string, unknown>) => { loadGrammar(scope: string): Promise<{ tokenizeLine(line: string, state: unknown): { tokens: Array<{ startIndex: number; endIndex: number; scopes: string[] }>; ruleStack: unknown } } | null> };
  parseRawGrammar(content: string, file: string): unknown;
}
interface Oniguruma {
  loadWASM(data: ArrayBuffer): Promise<void>;
  OnigScanner: new (patterns: string[]) => unknown;
  OnigString: new (text: string) => unknown;
}
type Tokenize = (source: string) => Token[][];

async function tokenizer(): Promise<Tokenize | undefined> {
  const tm = load<TextMate>('vscode-textmate');
  const onig = load<Oniguruma>('vscode-oniguruma');
  if (!tm || !onig) return undefined;
  const wasm = fs.readFileSync(path.join(onig.dir, 'release', 'onig.wasm'));
  await onig.module.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const files: Record<string, string> = {
    'source.python': path.join(HERE, 'grammars', 'MagicPython.tmLanguage.json'),
    'source.sql': path.join(HERE, 'grammars', 'sql.tmLanguage.json'),
    'source.python.embedded.alembic-sql': INJECTION,
  };
  const registry = new tm.module.Registry({
    onigLib: Promise.resolve({ createOnigScanner: (p: string[]) => new onig.module.OnigScanner(p), createOnigString: (s: string) => new onig.module.OnigString(s) }),
    loadGrammar: async (scope: string) => (files[scope] ? tm.module.parseRawGrammar(fs.readFileSync(files[scope], 'utf8'), files[scope]) : null),
    // package.json's `injectTo: ["source.python"]`, as VS Code applies it
    getInjections: (scope: string) => (scope === 'source.python' ? ['source.python.embedded.alembic-sql'] : undefined),
  });
  const grammar = await registry.loadGrammar('source.python');
  if (!grammar) throw new Error('could not load source.python');
  return (source) => {
    let state = tm.module.INITIAL;
    return source.split('\n').map((line) => {
      const result = grammar.tokenizeLine(line, state);
      state = result.ruleStack;
      return result.tokens.map((t) => ({ text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes }));
    });
  };
}

/** One line per non-blank token: its text and its innermost two scopes (enough to read, stable enough to diff). */
function dump(lines: Token[][], source: string): string {
  const src = source.split('\n');
  const out: string[] = [];
  lines.forEach((tokens, i) => {
    if (!src[i].trim()) return;
    out.push(`${i + 1}: ${src[i]}`);
    for (const t of tokens) if (t.text.trim()) out.push(`    ${JSON.stringify(t.text)} ${t.scopes.slice(1).slice(-2).join(' ')}`);
  });
  return out.join('\n') + '\n';
}

const isSql = (t: Token): boolean => t.scopes.some((s) => s.startsWith('meta.embedded.') && s.endsWith('.sql.alembic'));

describe('SQL injection grammar (syntaxes/alembic-sql.injection.tmLanguage.json)', () => {
  let tokenize: Tokenize | undefined;
  const fixture = fs.readFileSync(path.join(HERE, 'fixtures', 'sql-in-migrations.py'), 'utf8');
  let lines: Token[][] = [];
  const line = (needle: string): Token[] => {
    const i = fixture.split('\n').findIndex((l) => l.includes(needle));
    assert.ok(i >= 0, `fixture has no line with ${needle}`);
    return lines[i];
  };
  /** The tokens of the last line that is exactly `text`. */
  const exactLine = (text: string): Token[] => {
    const i = fixture.split('\n').lastIndexOf(text);
    assert.ok(i >= 0, `fixture has no line ${JSON.stringify(text)}`);
    return lines[i];
  };
  const isKeyword = (t: Token): boolean => t.scopes.some((s) => s.startsWith('keyword.') && s.endsWith('.sql'));
  const token = (tokens: Token[], text: string): Token => {
    const found = tokens.find((t) => t.text.trim() === text);
    assert.ok(found, `no token ${JSON.stringify(text)} in ${JSON.stringify(tokens.map((t) => t.text))}`);
    return found;
  };

  before(async function () {
    tokenize = await tokenizer();
    if (!tokenize) {
      // Both modules come with code-server (scripts/e2e/install-code-server.sh) or as devDependencies.
      console.warn('    vscode-textmate / vscode-oniguruma not found: install them (devDependencies) or code-server to run the grammar tests');
      this.skip();
    }
    lines = tokenize(fixture);
  });

  it('matches the committed token snapshot', () => {
    const actual = dump(lines, fixture);
    const snap = path.join(HERE, '__snapshots__', 'sql-in-migrations.snap');
    if (process.env.UPDATE_SNAPSHOTS === '1' || !fs.existsSync(snap)) {
      fs.mkdirSync(path.dirname(snap), { recursive: true });
      fs.writeFileSync(snap, actual);
    }
    assert.equal(actual, fs.readFileSync(snap, 'utf8'));
  });

  it('highlights SQL in op.execute("…") with the SQL grammar', () => {
    const tokens = line('CREATE INDEX CONCURRENTLY');
    for (const word of ['CREATE', 'INDEX', 'ON']) assert.ok(isKeyword(token(tokens, word)) && isSql(token(tokens, word)), `${word} is an SQL keyword`);
    assert.ok(token(tokens, 'op').scopes.every((s) => !s.includes('sql')), 'the receiver stays Python');
  });

  it('highlights a triple-quoted SQL block over several lines, and ends it at the closing quotes', () => {
    assert.ok(token(line('CREATE TABLE audit_log'), 'CREATE').scopes.includes('keyword.other.create.sql'));
    const pk = line('id uuid PRIMARY KEY');
    assert.ok(token(pk, 'PRIMARY KEY').scopes.includes('storage.modifier.sql'));
    assert.ok(isSql(pk[pk.length - 1]));
    const closing = exactLine('        """');
    assert.ok(token(closing, '"""').scopes.includes('punctuation.definition.string.end.python'));
    assert.ok(!isSql(token(closing, '"""')), 'the closing quotes are not SQL');
    const after = exactLine('    )');
    assert.ok(!after.some(isSql), 'the line after the block is Python again');
    assert.ok(token(after, ')').scopes.includes('punctuation.definition.arguments.end.python'));
  });

  it('highlights sa.text("…") and text("…") inside .execute(...), and keeps the parameters dict Python', () => {
    const update = line("UPDATE account SET status");
    assert.ok(token(update, 'UPDATE').scopes.includes('keyword.other.DML.sql'));
    assert.ok(token(update, 'active').scopes.includes('string.quoted.single.sql'), 'an SQL string literal inside the Python string');
    const select = line('SELECT id FROM account WHERE email');
    assert.ok(isSql(token(select, 'SELECT')));
    const key = select.find((t) => t.text === 'email' && !isSql(t));
    assert.ok(key, 'the "email" key of the parameters dict is Python');
    assert.ok(key.scopes.some((s) => s.startsWith('string.quoted') && s.endsWith('.python')));
  });

  it('handles raw strings, escaped quotes and batch_op.execute', () => {
    assert.ok(isSql(token(line('DELETE FROM session'), 'DELETE')));
    const escaped = line('DROP VIEW IF EXISTS');
    assert.ok(token(escaped, "\\'").scopes.includes('constant.character.escape.python'));
    assert.ok(isSql(token(line('ADD COLUMN note'), 'ALTER')));
  });

  it('leaves variables, f-strings and unrelated calls alone', () => {
    assert.ok(!line('op.execute(statement)').some(isSql));
    assert.ok(!line('GRANT SELECT ON').some(isSql), 'an f-string keeps Python\'s interpolation highlighting');
    assert.ok(!line('print(').some(isSql));
    assert.ok(!line('self.text(').some(isSql));
  });
});

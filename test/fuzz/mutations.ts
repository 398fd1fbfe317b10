import fc from 'fast-check';

/**
 * Mutations of revision files, as plain data so that fast-check can print and shrink them.
 * Positions are free naturals taken modulo the number of places in the text, so that any
 * mutation applies to any seed.
 */
export type Mutation =
  | { kind: 'truncate'; at: number }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'strayIndent'; line: number; indent: string }
  | { kind: 'duplicateLine'; line: number }
  | { kind: 'swapLines'; a: number; b: number }
  | { kind: 'crlf' }
  | { kind: 'loneCr' }
  | { kind: 'tabs' }
  | { kind: 'rawBytes'; at: number; bytes: number[] }
  | { kind: 'nul'; at: number }
  | { kind: 'hugeString'; at: number; size: number; quote: string }
  | { kind: 'sqlExecute'; line: number; sql: string; form: number }
  | { kind: 'statement'; line: number; text: string };

/** Python tokens, roughly: enough to cut a file between any two of them. */
const TOKEN =
  /"""[\s\S]*?(?:"""|$)|'''[\s\S]*?(?:'''|$)|[rRbBuUfF]{0,2}"(?:\\.|[^"\\\n])*"?|[rRbBuUfF]{0,2}'(?:\\.|[^'\\\n])*'?|#[^\n]*|[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)?|\r\n|\n|[ \t]+|\*\*|->|==|!=|<=|>=|[^\s]/g;

/** Offsets where a token starts, plus the end: every place a file can be cut "between tokens". */
export function tokenBoundaries(source: string): number[] {
  const cuts = new Set<number>([0, source.length]);
  for (const match of source.matchAll(TOKEN)) cuts.add(match.index ?? 0);
  return [...cuts].sort((a, b) => a - b);
}

/** Token boundaries inside string literals too (cuts inside SQL), every 1/3 of a long literal. */
export function tokenBoundariesWithin(source: string): number[] {
  const cuts = new Set(tokenBoundaries(source));
  for (const match of source.matchAll(TOKEN)) {
    const text = match[0];
    if (text.length > 12 && /^[rRbBuUfF]{0,2}['"]/.test(text)) {
      for (const word of text.matchAll(/[A-Za-z_]+|[(),;$]/g)) cuts.add((match.index ?? 0) + (word.index ?? 0));
    }
  }
  return [...cuts].sort((a, b) => a - b);
}

const pick = (n: number, size: number): number => (size <= 0 ? 0 : n % size);

/** Text fragments that break Python, SQL or both when dropped anywhere. */
export const FRAGMENTS = [
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  '"',
  "'",
  '"""',
  "'''",
  '\\',
  ':',
  ',',
  '=',
  '@',
  '#',
  '\n',
  '\r',
  '\t',
  '\u00a0',
  'op.',
  'op.execute(',
  'sa.Column(',
  'sa.text(',
  'with op.batch_alter_table("t") as batch_op:\n',
  'def upgrade():\n',
  'def downgrade():',
  'lambda: ',
  'async ',
  'await ',
  'yield ',
  'f"{',
  '}"',
  'b"\\xff"',
  '\\N{',
  '\u{1F600}',
  '\uD800',
  '\uFFFD',
  'revision = ',
  'down_revision = (',
  '"""',
  '# schema-warden: allow SW101 decision=0001',
  '# rationale:',
  'pass',
  'None',
  'op.create_table("t", sa.Column("x", sa.DateTime()))',
  'op.drop_column("t", ',
  'server_default=',
  'primary_key=True',
];

function lines(source: string): string[] {
  return source.split('\n');
}

function spliceBytes(source: string, at: number, bytes: number[]): string {
  const buffer = Buffer.from(source, 'utf8');
  const offset = pick(at, buffer.length + 1);
  // Decoded as the CLI does (engine/loadProject.ts readText): invalid UTF-8 becomes U+FFFD.
  return Buffer.concat([buffer.subarray(0, offset), Buffer.from(bytes), buffer.subarray(offset)]).toString('utf8');
}

/** Python string forms SQL may be written in inside `op.execute(...)`. */
export function pythonSqlLiteral(sql: string, form: number): string {
  const escaped = sql.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
  switch (form % 7) {
    case 0:
      return `"${escaped}"`;
    case 1:
      return `"""\n${sql}\n"""`;
    case 2:
      return `sa.text("""${sql}""")`;
    case 3:
      return `r'''${sql}'''`;
    case 4:
      return `"${escaped.slice(0, escaped.length >> 1)}" "${escaped.slice(escaped.length >> 1)}"`;
    case 5:
      return `sa.text("${escaped}").bindparams(x=1)`;
    default:
      return `"${sql}"`; // raw, unescaped: quotes and newlines may break the Python too
  }
}

export function applyMutation(source: string, m: Mutation): string {
  switch (m.kind) {
    case 'truncate': {
      const cuts = tokenBoundariesWithin(source);
      return source.slice(0, cuts[pick(m.at, cuts.length)]);
    }
    case 'delete': {
      const at = pick(m.at, source.length + 1);
      return source.slice(0, at) + source.slice(at + m.length);
    }
    case 'insert': {
      const at = pick(m.at, source.length + 1);
      return source.slice(0, at) + m.text + source.slice(at);
    }
    case 'strayIndent': {
      const all = lines(source);
      const i = pick(m.line, all.length);
      all[i] = m.indent + all[i];
      return all.join('\n');
    }
    case 'duplicateLine': {
      const all = lines(source);
      const i = pick(m.line, all.length);
      all.splice(i, 0, all[i]);
      return all.join('\n');
    }
    case 'swapLines': {
      const all = lines(source);
      const a = pick(m.a, all.length);
      const b = pick(m.b, all.length);
      [all[a], all[b]] = [all[b], all[a]];
      return all.join('\n');
    }
    case 'crlf':
      return source.replace(/\r?\n/g, '\r\n');
    case 'loneCr':
      return source.replace(/\r?\n/g, '\r');
    case 'tabs':
      return source.replace(/^((?: {4})+)/gm, (indent) => '\t'.repeat(indent.length / 4));
    case 'rawBytes':
      return spliceBytes(source, m.at, m.bytes);
    case 'nul': {
      const at = pick(m.at, source.length + 1);
      return source.slice(0, at) + '\0' + source.slice(at);
    }
    case 'hugeString': {
      const at = pick(m.at, source.length + 1);
      const body = 'x'.repeat(m.size);
      return source.slice(0, at) + m.quote + body + m.quote + source.slice(at);
    }
    case 'sqlExecute':
      return insertStatement(source, m.line, `op.execute(${pythonSqlLiteral(m.sql, m.form)})`);
    case 'statement':
      return insertStatement(source, m.line, m.text);
  }
}

/** Inserts a statement into the body of a function when there is one (after a `def` line), else anywhere. */
function insertStatement(source: string, line: number, statement: string): string {
  const all = lines(source);
  const defs = all.map((l, i) => (/^\s*def \w+\(.*:\s*$/.test(l) ? i : -1)).filter((i) => i >= 0);
  const after = defs.length ? defs[pick(line, defs.length)] + 1 : pick(line, all.length + 1);
  const indent = defs.length ? /^\s*/.exec(all[after - 1])?.[0] + '    ' : '';
  all.splice(after, 0, ...statement.split('\n').map((l) => indent + l));
  return all.join('\n');
}

/** Realistic PostgreSQL statements of the kinds the rules look at. */
export const SQL_STATEMENTS = [
  'CREATE TABLE account (id uuid PRIMARY KEY, email text NOT NULL, created_at timestamp DEFAULT now())',
  'CREATE TABLE IF NOT EXISTS orders (id serial PRIMARY KEY, account_id uuid REFERENCES account (id) ON DELETE CASCADE)',
  'ALTER TABLE account ADD COLUMN note text',
  'ALTER TABLE account ADD COLUMN score integer NOT NULL DEFAULT random()',
  'ALTER TABLE account ALTER COLUMN email TYPE varchar(200)',
  'ALTER TABLE account DROP COLUMN note',
  "ALTER TABLE account ADD CONSTRAINT ck_email CHECK (email <> '') NOT VALID",
  'ALTER TABLE account VALIDATE CONSTRAINT ck_email',
  'CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_account_email ON account (lower(email))',
  'CREATE UNIQUE INDEX ix_u ON account (email) WHERE deleted_at IS NULL',
  'DROP INDEX ix_account_email',
  'DROP TABLE IF EXISTS orders CASCADE',
  'CREATE OR REPLACE VIEW account_summary AS SELECT a.id, count(*) FROM account a JOIN orders o ON o.account_id = a.id GROUP BY a.id',
  'CREATE MATERIALIZED VIEW mv AS SELECT * FROM account WITH NO DATA',
  'REFRESH MATERIALIZED VIEW CONCURRENTLY mv',
  'CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at := now(); RETURN NEW; END $$',
  'CREATE TRIGGER t_touch BEFORE UPDATE ON account FOR EACH ROW EXECUTE FUNCTION touch()',
  "DO $body$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'mood') THEN CREATE TYPE mood AS ENUM ('ok'); END IF; END $body$",
  'CREATE EXTENSION IF NOT EXISTS citext',
  "COMMENT ON COLUMN account.email IS 'login e-mail'",
  'UPDATE account SET email = lower(email) WHERE email <> lower(email)',
  "INSERT INTO account (id, email) VALUES (gen_random_uuid(), 'a@b.c') ON CONFLICT DO NOTHING",
  "DELETE FROM orders WHERE created_at < now() - interval '1 year'",
  "SET lock_timeout = '2s'",
  "ALTER TYPE mood ADD VALUE 'sad'",
  'CREATE SEQUENCE s START 1',
  'GRANT SELECT ON account TO reporting',
  'SELECT pg_advisory_lock(1); SELECT 1',
];

const SQL_NOISE = [
  '(',
  ')',
  "'",
  '"',
  '$$',
  '$x$',
  ';',
  '--',
  '/*',
  '*/',
  '\\',
  '%s',
  '%(name)s',
  ':name',
  'NULL',
  'CASCADE',
  'ONLY',
  ',',
  'é',
  '\u{1F600}',
  '\0',
  "E'\\n'",
  '::',
  '[',
  ']',
];

export const sqlArbitrary: fc.Arbitrary<string> = fc
  .tuple(
    fc.array(fc.constantFrom(...SQL_STATEMENTS), { minLength: 1, maxLength: 3 }),
    fc.array(fc.tuple(fc.nat(), fc.constantFrom(...SQL_NOISE), fc.nat({ max: 6 }), fc.boolean()), { maxLength: 3 }),
    fc.option(fc.nat(), { nil: undefined }),
  )
  .map(([statements, noise, cut]) => {
    let sql = statements.join(';\n');
    for (const [at, token, drop, replace] of noise) {
      const i = at % (sql.length + 1);
      sql = sql.slice(0, i) + token + sql.slice(replace ? i + drop : i);
    }
    if (cut !== undefined) {
      const words = [...sql.matchAll(/\S+/g)].map((w) => w.index ?? 0);
      sql = sql.slice(0, words[cut % Math.max(1, words.length)] ?? sql.length);
    }
    return sql;
  });

/** Statements most rules have an opinion on, and a fix for. */
export const FIX_TRIGGERS = [
  'op.add_column("account", sa.Column("seen_at", sa.DateTime(), server_default=sa.func.now()))',
  'op.add_column("account", sa.Column("token", sa.Text(), server_default=sa.text("gen_random_uuid()")))',
  'op.create_table("events", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("at", sa.TIMESTAMP()))',
  'op.create_index("ix_account_email", "account", ["email"])',
  'op.drop_column("account", "note")',
  'op.alter_column("account", "email", type_=sa.String(100))',
  'op.create_foreign_key("fk_o_a", "orders", "account", ["account_id"], ["id"], ondelete="CASCADE")',
  'op.execute("CREATE TABLE audit_log (id uuid PRIMARY KEY, at timestamp DEFAULT now())")',
  'op.execute("CREATE INDEX ix_a ON account (email)")',
  'op.execute("ALTER TABLE account ADD CONSTRAINT ck CHECK (email <> \'\')")',
  'op.execute("CREATE VIEW account_emails AS SELECT id, email FROM account")',
  'op.execute("DROP TABLE legacy")',
  'with op.batch_alter_table("account") as batch_op:\n    batch_op.add_column(sa.Column("at", sa.DateTime()))',
  'op.add_column("account", sa.Column("n", sa.Integer(), nullable=False))',
  '# schema-warden: allow SW999 decision=0001',
];

const position = fc.nat();

export const mutationArbitrary: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: position }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('delete' as const),
      at: position,
      length: fc.integer({ min: 1, max: 40 }),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('insert' as const),
      at: position,
      text: fc.oneof(
        fc.constantFrom(...FRAGMENTS),
        fc.string({ unit: 'grapheme', maxLength: 8 }),
        fc.string({ unit: 'binary', maxLength: 4 }),
      ),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('strayIndent' as const),
      line: position,
      indent: fc.constantFrom(' ', '  ', '\t', '     ', ' \t', '\u000c'),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('duplicateLine' as const), line: position }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('swapLines' as const), a: position, b: position }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'crlf' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'loneCr' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'tabs' as const }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('rawBytes' as const),
      at: position,
      bytes: fc.array(fc.oneof(fc.integer({ min: 0x80, max: 0xff }), fc.integer({ min: 0, max: 0xff })), {
        minLength: 1,
        maxLength: 6,
      }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('nul' as const), at: position }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('hugeString' as const),
      at: position,
      size: fc.integer({ min: 10_000, max: 200_000 }),
      quote: fc.constantFrom('"', "'", '"""'),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('sqlExecute' as const),
      line: position,
      sql: sqlArbitrary,
      form: fc.nat({ max: 6 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('statement' as const),
      line: position,
      text: fc.constantFrom(...FIX_TRIGGERS),
    }),
  },
);

/** A seed index and one to four mutations applied in turn. */
export const mutatedFileArbitrary = (seedCount: number): fc.Arbitrary<{ seed: number; mutations: Mutation[] }> =>
  fc.record({
    seed: fc.nat({ max: seedCount - 1 }),
    mutations: fc.array(mutationArbitrary, { minLength: 1, maxLength: 4 }),
  });

export function mutate(source: string, mutations: readonly Mutation[]): string {
  return mutations.reduce(applyMutation, source);
}

/** `op.execute(f(f(f(…))))` nested `depth` levels, in an otherwise ordinary revision. */
export function deeplyNested(depth: number, open: string, close: string): string {
  return (
    `"""deep\n\nRevision ID: deep\nRevises: n0002\n"""\nfrom alembic import op\n\nrevision = ` +
    `"deep"\ndown_revision = "n0002"\n\n\ndef upgrade():\n    op.execute(` +
    `${open.repeat(depth)}"SELECT 1"${close.repeat(depth)})\n\n\ndef downgrade():\n    pass\n`
  );
}

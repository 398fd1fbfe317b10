// Revisions of about 80 lines in the shapes real histories have, for the keystroke benchmark
// (bench/lsp.bench.ts, test/lsp/latency.ts). Each ends with a downgrade whose last line is where
// latency.ts types; each parses without syntax errors and gives its rules something to say.

/** The module head every shape shares: docstring, imports, identifiers, `def upgrade():`. */
function head(title: string): string[] {
  return [
    `"""${title}`,
    '',
    'Revision ID: r1',
    'Revises:',
    '"""',
    'from alembic import op',
    'import sqlalchemy as sa',
    '',
    'revision = "r1"',
    'down_revision = None',
    'branch_labels = None',
    'depends_on = None',
    '',
    '',
    'def upgrade():',
  ];
}

function withDowngrade(upgrade: string[], downgrade: string[]): string {
  return [...upgrade, '', '', 'def downgrade():', ...downgrade, ''].join('\n');
}

/** Nine `op.create_table` calls with audit columns (the 72-line shape). */
export function createTableRevision(): string {
  const tables = ['account', 'invoice', 'payment', 'refund', 'ledger', 'vendor', 'receipt', 'voucher', 'transfer'];
  const body: string[] = [];
  for (const table of tables) {
    body.push(
      '    op.create_table(',
      `        "${table}",`,
      '        sa.Column("id", sa.Integer(), primary_key=True),',
      '        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),',
      '        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),',
      '    )',
    );
  }
  return withDowngrade(
    [...head('create the billing tables'), ...body],
    [...tables].reverse().map((t) => `    op.drop_table("${t}")`),
  );
}

/** `op.execute` of multi-statement SQL: DDL, backfills, functions' worth of text. */
export function sqlRevision(): string {
  const body: string[] = [];
  const tables = ['customer', 'shipment', 'parcel', 'carrier', 'depot', 'route'];
  for (const table of tables) {
    body.push(
      '    op.execute(',
      '        """',
      `        ALTER TABLE ${table} ADD COLUMN region text;`,
      `        UPDATE ${table} SET region = 'eu' WHERE region IS NULL;`,
      `        CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_${table}_region ON ${table} (region);`,
      `        COMMENT ON COLUMN ${table}.region IS 'sales region of the ${table}';`,
      '        """',
      '    )',
    );
  }
  body.push(
    '    op.execute(',
    '        """',
    '        CREATE TABLE region_audit (id bigint PRIMARY KEY, region text NOT NULL, seen timestamptz);',
    '        INSERT INTO region_audit (id, region, seen) SELECT id, region, now() FROM customer;',
    '        """',
    '    )',
  );
  const down = ['    op.execute("DROP TABLE region_audit")'];
  for (const table of [...tables].reverse())
    down.push(
      `    op.execute("DROP INDEX IF EXISTS ix_${table}_region")`,
      `    op.execute("ALTER TABLE ${table} DROP COLUMN region")`,
    );
  return withDowngrade([...head('add sales regions'), ...body], down);
}

/** `with op.batch_alter_table(...) as batch_op:` blocks, as SQLite-minded histories write them. */
export function batchRevision(): string {
  const tables = ['author', 'book', 'shelf', 'loan', 'member', 'genre'];
  const body: string[] = [];
  const down: string[] = [];
  for (const table of tables) {
    body.push(
      `    with op.batch_alter_table("${table}", schema=None) as batch_op:`,
      '        batch_op.add_column(sa.Column("note", sa.String(length=200), nullable=True))',
      '        batch_op.add_column(sa.Column("rank", sa.Integer(), nullable=True))',
      `        batch_op.create_index(batch_op.f("ix_${table}_rank"), ["rank"], unique=False)`,
      `        batch_op.alter_column("name", existing_type=sa.VARCHAR(length=80), nullable=False)`,
    );
    down.unshift(
      `    with op.batch_alter_table("${table}", schema=None) as batch_op:`,
      '        batch_op.alter_column("name", existing_type=sa.VARCHAR(length=80), nullable=True)',
      `        batch_op.drop_index(batch_op.f("ix_${table}_rank"))`,
      '        batch_op.drop_column("rank")',
      '        batch_op.drop_column("note")',
    );
  }
  // Keystrokes go into the last line, which in the other shapes is a plain op call.
  down.push('    op.execute("SELECT 1")');
  return withDowngrade([...head('ranks and notes in the library tables'), ...body], down);
}

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { engineReady, model } from '../support/engine';

const fixtures = path.resolve(__dirname, '../../../test/fixtures/revisions');
const stringOf = (v: { kind: string; value?: unknown } | undefined): unknown =>
  v?.kind === 'string' ? v.value : undefined;
const fixture = (name: string) => model(fs.readFileSync(path.join(fixtures, name), 'utf8'), path.join(fixtures, name));

describe('the migration model on real-world shapes', () => {
  before(() => engineReady);

  it('reads revision ids, annotations, docstring and message', () => {
    const m = fixture('nonstandard_signature.py');
    assert.equal(m.revision, '3f2a9c1d');
    assert.equal(m.downRevision, '1b2c3d4e');
    assert.equal(m.message, 'add tester flags');
    assert.deepEqual(m.syntaxErrors, []);
  });

  it('follows helper functions and loops from a non-standard upgrade(op, tables, tester)', () => {
    const m = fixture('nonstandard_signature.py');
    const up = m.operations.filter((o) => o.section === 'upgrade');
    assert.deepEqual(
      up.map((o) => o.name),
      ['add_column', 'sync_enum_values', 'create_entity', 'execute'],
    );
    assert.equal(up[0].viaHelper, '_add_flag');
    assert.equal(up[0].table, 'tester');
    const execute = up[3];
    assert.equal(execute.sql, undefined, 'a SQLAlchemy DDL object is not SQL text');
    // The loop over the module-level FLAGS tuple is unrolled (#13), reversed() kept.
    assert.deepEqual(
      m.operations.filter((o) => o.section === 'downgrade').map((o) => [o.name, stringOf(o.args.column_name)]),
      [
        ['drop_column', 'flag_beta'],
        ['drop_column', 'flag_alpha'],
      ],
    );
    assert.deepEqual(m.upgrade?.parameters, ['op', 'tables', 'tester']);
  });

  it('knows batch tables, aliases and autocommit blocks', () => {
    const m = fixture('batch_and_autocommit.py');
    const up = m.operations.filter((o) => o.section === 'upgrade');
    assert.deepEqual(
      up.map((o) => [o.name, o.table, o.batchTable, o.inAutocommitBlock]),
      [
        ['add_column', 'account', 'account', false],
        ['create_index', 'account', 'account', false],
        ['create_index', 'account', undefined, true],
        ['execute', undefined, undefined, false],
      ],
    );
    assert.equal(up[0].columns[0].name, 'nickname');
    assert.equal(up[0].columns[0].comment, 'shown name');
    assert.equal(up[1].args.index_name?.kind, 'string');
    assert.equal(up[3].sql?.statements[0].kind, 'UpdateStmt');
    const down = m.operations.filter((o) => o.section === 'downgrade');
    assert.deepEqual(
      down.map((o) => [o.name, o.table]),
      [
        ['drop_index', 'account'],
        ['drop_index', 'account'],
        ['drop_column', 'account'],
      ],
    );
  });

  it('reads merge revisions and depends_on', () => {
    const m = fixture('merge_revision.py');
    assert.deepEqual(m.downRevision, ['a1b2', 'c3d4']);
    assert.deepEqual(m.dependsOn, ['x9y8']);
    assert.equal(m.upgrade?.isEmpty, true);
  });

  it('reads columns: types, timezone, nullability, defaults, comments and foreign keys', () => {
    const m = model(
      [
        'def upgrade():',
        '    op.create_table(',
        '        "order",',
        '        sa.Column("id", sa.Uuid(), primary_key=True),',
        '        sa.Column("account_id", sa.Uuid(), sa.ForeignKey("account.id", ondelete="CASCADE"), nullable=False),',
        '        sa.Column("placed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), comment="when"),',
        '        sa.Column("at", postgresql.TIMESTAMP(), default=None),',
        '        sa.PrimaryKeyConstraint("id", name="pk_order"),',
        '    )',
        '',
      ].join('\n'),
    );
    const [op] = m.operations;
    assert.equal(op.table, 'order');
    const [id, account, placed, at] = op.columns;
    assert.equal(id.primaryKey, true);
    assert.equal(account.nullable, false);
    assert.equal(account.foreignKeys[0].ondelete, 'CASCADE');
    assert.equal(account.foreignKeys[0].target, 'account.id');
    assert.equal(placed.type?.timezone, true);
    assert.equal(placed.comment, 'when');
    assert.equal(placed.serverDefault?.kind, 'call');
    assert.equal(at.type?.qualified, 'postgresql.TIMESTAMP');
    assert.equal(at.type?.timezone, undefined);
    assert.equal(op.constraints[0].kind, 'PrimaryKeyConstraint');
    assert.equal(op.constraints[0].name, 'pk_order');
  });

  it('keeps comments with their lines', () => {
    const m = model('def upgrade():\n    # rationale: needed for search\n    op.create_index("ix", "t", ["a"])\n');
    assert.deepEqual(
      m.comments.map((c) => [c.line, c.text]),
      [[1, '# rationale: needed for search']],
    );
  });

  it('never throws on a half-typed file and still finds the complete operations', () => {
    const m = model(
      'def upgrade():\n    op.create_table("a", sa.Column("id", sa.Uuid(), ' +
        'primary_key=True))\n    op.add_column("a", sa.Column("b", \n\ndef ' +
        'downgrade():\n    op.drop_table("a")\n',
    );
    assert.ok(m.syntaxErrors.length > 0);
    assert.ok(m.operations.some((o) => o.name === 'create_table' && o.table === 'a'));
  });

  it('models a squashed 7,000-line root revision', () => {
    const lines = ['revision = "root"', 'down_revision = None', '', 'def upgrade():'];
    for (let i = 0; i < 1000; i++) {
      lines.push(
        `    op.create_table(`,
        `        "t${i}",`,
        `        sa.Column("id", sa.Uuid(), primary_key=True),`,
        `        sa.Column("v", sa.Text()),`,
        `    )`,
        `    op.create_index("ix_t${i}_v", "t${i}", ["v"])`,
        '',
      );
    }
    lines.push('def downgrade():', '    pass', '');
    const m = model(lines.join('\n'));
    assert.ok(lines.length > 7000);
    assert.equal(m.operations.length, 2000);
    assert.equal(m.operations[1999].range.start.line, 7002);
  });

  it('keeps unknown shapes as opaque values and never throws on odd Python', () => {
    const odd = [
      'match x:',
      '    case {"a": 1}: pass',
      'def upgrade():',
      '    op.execute(*args, **kwargs)',
      '    op.create_table(name := "t", *cols)',
      '    lambda: op.drop_table("x")',
      '    async def f(): await op.run_async(g)',
      '',
    ].join('\n');
    const m = model(odd);
    assert.ok(m.operations.length >= 2);
  });
});

describe('the migration model: every call', () => {
  before(() => engineReady);
  it('lists the calls inside operation arguments too, in source order', () => {
    const m = model(
      'def upgrade():\n    op.create_table("a", sa.Column("b", sa.Uuid(), sa.ForeignKey("c.id", ondelete="CASCADE")))\n',
    );
    assert.deepEqual(
      m.calls.map((c) => c.callee),
      ['op.create_table', 'sa.Column', 'sa.Uuid', 'sa.ForeignKey'],
    );
  });
});

describe('the migration model: batch_op handed to a helper', () => {
  before(() => engineReady);
  it('treats ops on a helper parameter that receives batch_op as batch ops on that table', () => {
    const m = model(
      [
        'def _stamp(b, name):',
        '    b.add_column(sa.Column(name, sa.DateTime(timezone=True)))',
        '',
        'def upgrade():',
        '    with op.batch_alter_table("account") as batch_op:',
        '        _stamp(batch_op, "seen_at")',
        '',
      ].join('\n'),
    );
    assert.deepEqual(
      m.operations.map((o) => [o.name, o.table, o.batchTable, o.viaHelper]),
      [['add_column', 'account', 'account', '_stamp']],
    );
  });
  it('leaves out code that only another database runs, however the dialect test is written (#13)', () => {
    const m = model(
      [
        'from alembic import op',
        'from app.db import is_mysql',
        'ON_SQLITE = op.get_context().dialect.name == "sqlite"',
        'def is_postgres():',
        '    """Which database?"""',
        '    bind = op.get_bind()',
        '    return bind.dialect.name == "postgresql"',
        'def upgrade():',
        '    bind = op.get_bind()',
        '    name = bind.dialect.name',
        '    if bind.engine.name == "mysql":',
        '        op.execute("mysql 1")',
        '    elif str(bind.url).startswith("sqlite"):',
        '        op.execute("sqlite 1")',
        '    else:',
        '        op.execute("SELECT 1")',
        '    if name in ("mysql", "mariadb") or ON_SQLITE:',
        '        op.execute("mysql 2")',
        '    if name != "postgresql":',
        '        op.execute("other 3")',
        '    if not is_postgres():',
        '        op.execute("other 4")',
        '    if is_postgres():',
        '        op.execute("SELECT 2")',
        '    else:',
        '        op.execute("other 5")',
        '    if is_mysql():',
        '        op.execute("unknown A")',
        '    else:',
        '        op.execute("unknown B")',
        '    if bind.url.drivername.startswith(("mysql", "sqlite")):',
        '        op.execute("other 6")',
        '    url = str(bind.engine.url)',
        '    if url.startswith("sqlite") is False:',
        '        op.execute("SELECT 4")',
        '    else:',
        '        op.execute("other 8")',
        'def downgrade():',
        '    if op.get_bind().dialect.name == "postgresql":',
        '        op.execute("SELECT 3")',
        '        return',
        '    op.execute("other 7")',
        '',
      ].join('\n'),
    );
    assert.deepEqual(
      m.operations.map((o) => o.sql?.text),
      ['SELECT 1', 'SELECT 2', 'unknown A', 'unknown B', 'SELECT 4', 'SELECT 3'],
    );
    assert.ok(m.otherDialectSpans.length >= 8);
    assert.ok(
      !m.calls.some((c) => /^"(other|mysql|sqlite) \d/.test(c.args[0]?.text ?? '')),
      'no call from those branches',
    );
  });

  it('an upgrade of only dialect lookups, early-return guards and other databases’ branches is empty (#13)', () => {
    const m = model(
      [
        'def upgrade():',
        '    if already_applied(op, __name__):',
        '        return',
        '    bind = op.get_bind()',
        '    if bind.dialect.name == "sqlite":',
        '        op.execute("PRAGMA foreign_keys=OFF")',
        '    pass',
        '',
      ].join('\n'),
    );
    assert.equal(m.upgrade?.isEmpty, true);
  });
  it('unrolls loops over literal names, binding the loop variables (#13)', () => {
    const m = model(
      [
        'TABLES = ("invoice", "payment")',
        'def upgrade():',
        '    for table in TABLES:',
        '        op.add_column(table, sa.Column("kind", sa.Text(), nullable=False))',
        '        op.create_index(f"ix_{table}_kind", table, ["kind"])',
        '    for table, column in (("a", "x"), ("b", "y")):',
        '        op.alter_column(table, column, nullable=False)',
        '    for name in run_time_names():',
        '        op.drop_column("t", name)',
        'def downgrade():',
        '    for table in reversed(TABLES):',
        '        op.drop_column(table, "kind")',
        '',
      ].join('\n'),
    );
    assert.deepEqual(
      m.operations.map((o) => [
        o.section,
        o.name,
        o.table,
        o.args.index_name?.kind === 'string' ? o.args.index_name.value : stringOf(o.args.column_name),
      ]),
      [
        // In the order they run: iteration by iteration.
        ['upgrade', 'add_column', 'invoice', undefined],
        ['upgrade', 'create_index', 'invoice', 'ix_invoice_kind'],
        ['upgrade', 'add_column', 'payment', undefined],
        ['upgrade', 'create_index', 'payment', 'ix_payment_kind'],
        ['upgrade', 'alter_column', 'a', 'x'],
        ['upgrade', 'alter_column', 'b', 'y'],
        ['upgrade', 'drop_column', 't', undefined],
        ['downgrade', 'drop_column', 'payment', 'kind'],
        ['downgrade', 'drop_column', 'invoice', 'kind'],
      ],
    );
    assert.deepEqual(m.operations[0].loop, { table: 'invoice' });
    assert.equal(m.operations[6].loop, undefined, 'a loop over names known only at run time stays as written');
  });
});

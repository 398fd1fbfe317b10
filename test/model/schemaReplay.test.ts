import * as assert from 'node:assert/strict';
import { withRevision } from '../../server/src/model/project';
import { replayProject, revisionSchema, schemaBefore, type Schema } from '../../server/src/model/schema';
import { typeLabel } from '../../server/src/model/schema/types';
import { lockInfo } from '../../server/src/rules/util/locks';
import { dedent, engineReady, model, project } from '../support/engine';

/** A revision file whose upgrade() runs the given lines. */
const rev = (id: string, down: string | null, body: string): string =>
  [
    `revision = "${id}"`,
    `down_revision = ${down === null ? 'None' : down.startsWith('(') ? down : `"${down}"`}`,
    '',
    'def upgrade():',
    ...body.split('\n').map((line) => `    ${line}`),
    '',
    'def downgrade():',
    '    pass',
    '',
  ].join('\n');

const columns = (schema: Schema, table: string): string[] =>
  [...(schema.tables.get(table)?.columns.values() ?? [])].map(
    (c) => `${c.name}:${c.type ? typeLabel(c.type) : '?'}${c.nullable ? '' : '!'}${c.primaryKey ? '*' : ''}`,
  );

describe('replayed schema', () => {
  before(() => engineReady);

  it('replays op.* operations and SQL in graph order, per revision', () => {
    const proj = project({
      'a.py': rev(
        'a',
        null,
        dedent(`
        op.create_table("invoice", sa.Column("id", sa.UUID(), primary_key=True), sa.Column("number", sa.String(20), nullable=False))
        op.execute("""
            CREATE TABLE customer (id uuid PRIMARY KEY, name text NOT NULL, created_at timestamptz DEFAULT now());
            CREATE TYPE mood AS ENUM ('ok', 'bad');
        """)
      `),
      ),
      'b.py': rev(
        'b',
        'a',
        dedent(`
        with op.batch_alter_table("invoice") as batch_op:
            batch_op.add_column(sa.Column("total", sa.Numeric(12, 2)))
            batch_op.alter_column("number", type_=sa.Text(), new_column_name="ref")
        op.execute("ALTER TABLE customer ADD COLUMN email varchar(320), ALTER COLUMN name DROP NOT NULL, DROP COLUMN created_at")
        op.create_index("ix_customer_email", "customer", ["email"], unique=True)
        op.execute("ALTER TYPE mood ADD VALUE 'meh'")
      `),
      ),
      'c.py': rev(
        'c',
        'b',
        dedent(`
        op.rename_table("customer", "client")
        op.execute("CREATE VIEW client_email AS WITH x AS (SELECT * FROM client) SELECT id, email AS address FROM x JOIN billing.payment i ON true")
      `),
      ),
    });
    const replayed = replayProject(proj);
    assert.equal(replayProject(proj), replayed, 'memoized per project model');
    const a = replayed.byRevision.get('a');
    const b = replayed.byRevision.get('b');
    const c = replayed.byRevision.get('c');
    assert.ok(a && b && c);
    assert.deepEqual(columns(a.after, 'invoice'), ['id:uuid!*', 'number:varchar(20)!']);
    assert.deepEqual(columns(a.after, 'customer'), ['id:uuid!*', 'name:text!', 'created_at:timestamptz']);
    assert.deepEqual(a.after.tables.get('customer')?.columns.get('created_at')?.default?.functions, ['now']);
    assert.deepEqual([...a.created.tables].sort(), ['customer', 'invoice']);
    assert.equal(b.before, a.after, "a revision starts from its parent's schema");
    assert.deepEqual(columns(b.after, 'invoice'), ['id:uuid!*', 'total:numeric(12, 2)', 'ref:text!']);
    assert.deepEqual(columns(b.after, 'customer'), ['id:uuid!*', 'name:text', 'email:varchar(320)']);
    assert.deepEqual(b.after.indexes.get('ix_customer_email'), {
      ...b.after.indexes.get('ix_customer_email'),
      table: 'customer',
      columns: ['email'],
      unique: true,
    });
    assert.deepEqual(b.after.enums.get('mood')?.values, ['ok', 'bad', 'meh']);
    assert.deepEqual(
      columns(a.after, 'customer'),
      ['id:uuid!*', 'name:text!', 'created_at:timestamptz'],
      'earlier schemas are not changed',
    );
    assert.equal(c.after.tables.has('customer'), false);
    assert.equal(c.after.indexes.get('ix_customer_email')?.table, 'client', 'indexes follow a renamed table');
    assert.deepEqual(c.after.views.get('client_email'), {
      ...c.after.views.get('client_email'),
      materialized: false,
      reads: ['client', 'billing.payment'],
      columns: ['id', 'address'],
    });
    assert.deepEqual(
      replayed.heads.map((h) => h.head),
      ['c'],
    );
  });

  it('gives each head its own schema and a merge the union of its parents', () => {
    const proj = project({
      'a.py': rev('a', null, 'op.create_table("core", sa.Column("id", sa.UUID(), primary_key=True))'),
      'b.py': rev('b', 'a', 'op.create_table("left_side", sa.Column("id", sa.UUID()))'),
      'c.py': rev('c', 'a', 'op.create_table("right_side", sa.Column("id", sa.UUID()))\nop.drop_table("core")'),
    });
    const heads = replayProject(proj).heads;
    assert.deepEqual(
      heads.map((h) => [h.head, [...h.schema.tables.keys()].sort()]),
      [
        ['b', ['core', 'left_side']],
        ['c', ['right_side']],
      ],
    );
    const merged = project({
      'a.py': rev('a', null, 'op.create_table("core", sa.Column("id", sa.UUID(), primary_key=True))'),
      'b.py': rev('b', 'a', 'op.create_table("left_side", sa.Column("id", sa.UUID()))'),
      'c.py': rev('c', 'a', 'op.create_table("right_side", sa.Column("id", sa.UUID()))'),
      'm.py': rev('m', '("b", "c")', 'pass'),
    });
    const m = replayProject(merged).byRevision.get('m');
    assert.deepEqual([...(m?.before.tables.keys() ?? [])].sort(), ['core', 'left_side', 'right_side']);
  });

  it('replays a file the graph does not hold on top of its parent (an unsaved edit)', () => {
    const proj = project({
      'a.py': rev('a', null, 'op.create_table("core", sa.Column("id", sa.UUID(), primary_key=True))'),
    });
    const editing = model(
      rev('b', 'a', 'op.add_column("core", sa.Column("note", sa.Text()))'),
      '/project/alembic/versions/b.py',
    );
    assert.deepEqual([...schemaBefore(proj, editing).tables.keys()], ['core']);
    assert.deepEqual(columns(revisionSchema(proj, editing).after, 'core'), ['id:uuid!*', 'note:text']);
  });

  it('replays only the edited revision and its descendants when the project is rebuilt for an edit', () => {
    const files: Record<string, string> = {
      'a.py': rev('a', null, 'op.create_table("core", sa.Column("id", sa.UUID(), primary_key=True))'),
      'b.py': rev('b', 'a', 'op.add_column("core", sa.Column("note", sa.Text()))'),
      'c.py': rev('c', 'b', 'op.add_column("core", sa.Column("size", sa.Integer()))'),
      'd.py': rev('d', 'c', 'op.create_table("other", sa.Column("id", sa.UUID(), primary_key=True))'),
    };
    const first = project(files);
    const before = replayProject(first).byRevision;
    // The language server's way: the same models, one of them replaced (withRevision).
    const editLast = withRevision(
      first,
      model(
        rev('d', 'c', 'op.create_table("renamed", sa.Column("id", sa.UUID(), primary_key=True))'),
        first.byPath.get('/project/alembic/versions/d.py')?.path,
      ),
    );
    const afterLast = replayProject(editLast).byRevision;
    for (const id of ['a', 'b', 'c']) assert.equal(afterLast.get(id), before.get(id), `${id} is reused`);
    assert.notEqual(afterLast.get('d'), before.get('d'));
    assert.deepEqual([...replayProject(editLast).heads[0].schema.tables.keys()].sort(), ['core', 'renamed']);
    // An edit in the middle: the revisions after it start from the new schema.
    const editMiddle = withRevision(
      editLast,
      model(
        rev('b', 'a', 'op.add_column("core", sa.Column("memo", sa.Text()))'),
        editLast.byPath.get('/project/alembic/versions/b.py')?.path,
      ),
    );
    const afterMiddle = replayProject(editMiddle).byRevision;
    assert.equal(afterMiddle.get('a'), afterLast.get('a'), 'a is reused');
    for (const id of ['b', 'c', 'd'])
      assert.notEqual(afterMiddle.get(id), afterLast.get(id), `${id} is replayed again`);
    assert.deepEqual(columns(afterMiddle.get('c')?.after as Schema, 'core'), ['id:uuid!*', 'memo:text', 'size:int4']);
    assert.deepEqual(columns(replayProject(editMiddle).heads[0].schema, 'core'), [
      'id:uuid!*',
      'memo:text',
      'size:int4',
    ]);
    // The first project's replay is untouched by the later ones.
    assert.deepEqual(columns(replayProject(first).heads[0].schema, 'core'), ['id:uuid!*', 'note:text', 'size:int4']);
  });

  it('stays linear: 2,000 revisions replay in well under a second', () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 2000; i++) {
      files[`r${i}.py`] = rev(
        `r${i}`,
        i === 0 ? null : `r${i - 1}`,
        i % 2 === 0
          ? `op.create_table("t${i}", sa.Column("id", sa.UUID(), primary_key=True))\nop.create_index("ix_t${i}", "t${i}", ["id"])`
          : `op.add_column("t${i - 1}", sa.Column("note", sa.Text()))`,
      );
    }
    const proj = project(files);
    const heads = replayProject(proj).heads;
    assert.equal(heads[0].schema.tables.size, 1000);
    assert.equal(heads[0].schema.indexes.size, 1000);
    assert.deepEqual(columns(heads[0].schema, 't1998'), ['id:uuid!*', 'note:text']);
  });
});

describe('lockInfo', () => {
  before(() => engineReady);
  const op = (line: string) => model(rev('x', null, line)).operations[0];

  it('names the lock and whether the table is rewritten', () => {
    assert.deepEqual(lockInfo(op('op.create_index("ix", "t", ["a"])'), 15), {
      lock: 'SHARE',
      rewrites: false,
      note: 'CREATE INDEX builds the index while holding the lock — takes SHARE (blocks writes (INSERT, UPDATE, DELETE), not reads).',
    });
    assert.equal(
      lockInfo(op('op.create_index("ix", "t", ["a"], postgresql_concurrently=True)'), 15)?.lock,
      'SHARE UPDATE EXCLUSIVE',
    );
    assert.deepEqual(
      {
        ...lockInfo(
          op('op.add_column("t", sa.Column("u", sa.UUID(), server_default=sa.text("gen_random_uuid()")))'),
          15,
        ),
        note: '',
      },
      { lock: 'ACCESS EXCLUSIVE', rewrites: true, note: '' },
    );
    assert.equal(
      lockInfo(op('op.add_column("t", sa.Column("n", sa.Integer(), server_default="0"))'), 15)?.rewrites,
      false,
    );
    assert.equal(
      lockInfo(op('op.add_column("t", sa.Column("n", sa.Integer(), server_default="0"))'), 10)?.rewrites,
      true,
    );
    assert.equal(
      lockInfo(op('op.alter_column("t", "c", type_=sa.Text(), existing_type=sa.String(20))'), 15)?.rewrites,
      false,
    );
    assert.equal(
      lockInfo(op('op.alter_column("t", "c", type_=sa.BigInteger(), existing_type=sa.Integer())'), 15)?.rewrites,
      true,
    );
    const sql = op(
      'op.execute("ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES u (id) NOT VALID; ALTER TABLE t VALIDATE CONSTRAINT fk")',
    );
    assert.equal(lockInfo(sql, 15)?.lock, 'SHARE ROW EXCLUSIVE');
    const statements = sql.sql?.statements ?? [];
    assert.equal(lockInfo(statements[1], 15)?.lock, 'SHARE UPDATE EXCLUSIVE');
    assert.equal(lockInfo(op('op.execute("REFRESH MATERIALIZED VIEW CONCURRENTLY mv")'), 15)?.lock, 'EXCLUSIVE');
  });
});

// The traced locks in the editor (server/src/lsp/tracedLocks.ts): a traced statement's revision
// line mapped back to the `op.*` call that issued it, the hover text, and the verdict on SW6xx
// findings. The traces here have the shape `verify --format json` prints (see
// test/runner/lockTrace.test.ts for the real PostgreSQL behind them).
import * as assert from 'node:assert/strict';
import type { Diagnostic } from 'vscode-languageserver';
import {
  describeLocks,
  locksOfOperation,
  operationAtLine,
  pgModeName,
  sha256Of,
  TracedLocks,
  verdictOf,
} from '../../server/src/lsp/tracedLocks';
import type { TracedRevisionLocks } from '../../server/src/shared/protocol';
import { dedent, engineReady, model } from '../support/engine';

const PATH = '/project/alembic/versions/0002_widen.py';

const SOURCE = dedent(`
  revision = "0002"
  down_revision = "0001"

  def _backfill():
      op.execute("UPDATE account SET note = ''")

  def upgrade():
      op.create_index("ix_account_email", "account", ["email"])
      op.alter_column(
          "account",
          "balance",
          existing_type=sa.Integer(),
          type_=sa.BigInteger(),
      )
      _backfill()
      op.execute("ALTER TABLE account ADD CONSTRAINT ck_balance CHECK (balance >= 0); ANALYZE account")
      op.create_table("ledger", sa.Column("id", sa.Integer(), primary_key=True))

  def downgrade():
      op.drop_index("ix_account_email", table_name="account")
`);

const TRACE: TracedRevisionLocks = {
  uri: `file://${PATH}`,
  revision: '0002',
  locks: [
    {
      table: 'account',
      mode: 'ShareLock',
      statement: 'CREATE INDEX ix_account_email ON account (email)',
      line: 8,
      heldMs: 1210,
    },
    // The tracer records the line Python reports for the call: any line of a multi-line call.
    {
      table: 'account',
      mode: 'AccessExclusiveLock',
      statement: 'ALTER TABLE account ALTER COLUMN balance TYPE BIGINT',
      line: 10,
      heldMs: 1180,
    },
    { table: 'account', mode: 'RowExclusiveLock', statement: "UPDATE account SET note = ''", line: 5, heldMs: 40 },
    {
      table: 'ledger',
      mode: 'AccessExclusiveLock',
      statement: 'CREATE TABLE ledger (id SERIAL NOT NULL)',
      line: 17,
      heldMs: 3,
      new: true,
    },
  ],
  rewrites: ['account'],
};

describe('traced locks in the editor (lsp/tracedLocks.ts)', () => {
  before(() => engineReady);

  it('maps a traced line to the op.* call that issued it: its first line, a middle line, a helper', () => {
    const m = model(SOURCE, PATH);
    assert.equal(operationAtLine(m, 8)?.name, 'create_index');
    assert.equal(operationAtLine(m, 10)?.name, 'alter_column');
    assert.equal(operationAtLine(m, 13)?.name, 'alter_column');
    // The UPDATE in the helper: its own line (the innermost frame of the revision file).
    assert.equal(operationAtLine(m, 5)?.name, 'execute');
    // Lines outside a call, and the downgrade (never traced), map to nothing.
    assert.equal(operationAtLine(m, 7), undefined);
    assert.equal(operationAtLine(m, 20), undefined);
  });

  it('describes the locks of a call: mode, table, time held, rewrite; a new table says nobody waits', () => {
    const m = model(SOURCE, PATH);
    const alter = m.operations.find((o) => o.name === 'alter_column')!;
    assert.deepEqual(describeLocks(m, TRACE, locksOfOperation(m, TRACE, alter), alter, 15), [
      'traced: AccessExclusiveLock on account, held 1.2 s, table rewritten',
    ]);
    const index = m.operations.find((o) => o.name === 'create_index')!;
    // The rewrite belongs to the type change, not to the index build before it.
    assert.deepEqual(describeLocks(m, TRACE, locksOfOperation(m, TRACE, index), index, 15), [
      'traced: ShareLock on account, held 1.2 s',
    ]);
    const create = m.operations.find((o) => o.name === 'create_table')!;
    assert.match(
      describeLocks(m, TRACE, locksOfOperation(m, TRACE, create), create, 15)[0],
      /ledger, held 3 ms \(created by this upgrade/,
    );
  });

  it('the hover over a call adds what the trace saw; over a later statement, the lock already held', () => {
    const m = model(SOURCE, PATH);
    const store = new TracedLocks();
    assert.deepEqual(
      store.receive({ revisions: [TRACE] }, () => SOURCE),
      [PATH],
    );
    const at = (needle: string) => SOURCE.indexOf(needle);
    const hover = store.withTrace(undefined, m, at('op.alter_column') + 4, 15);
    const text = (hover?.contents as { value: string }).value;
    assert.match(text, /traced: AccessExclusiveLock on account, held 1\.2 s, table rewritten/);
    // The CHECK was added under the lock the type change took: no new lock, and since when.
    const check = store.withTrace(undefined, m, at('ADD CONSTRAINT ck_balance'), 15);
    assert.match(
      (check?.contents as { value: string }).value,
      /no new lock here — AccessExclusiveLock on account already held since line 10/,
    );
    // The downgrade was not traced.
    assert.equal(store.withTrace(undefined, m, at('op.drop_index') + 4, 15), undefined);
  });

  it('a trace of another text of the file (edited since) is not used', () => {
    const m = model(SOURCE, PATH);
    const store = new TracedLocks();
    store.receive({ revisions: [TRACE] }, () => SOURCE.replace('ix_account_email', 'ix_account_mail'));
    assert.equal(store.withTrace(undefined, m, SOURCE.indexOf('op.create_index') + 4, 15), undefined);
  });

  it('a trace sent with the hash of its text is kept only while the file on disk has that text (a resend after a reload)', () => {
    const m = model(SOURCE, PATH);
    const at = SOURCE.indexOf('op.create_index') + 4;
    const store = new TracedLocks();
    const edited = SOURCE.replace('ix_account_email', 'ix_account_mail');
    // The file was saved with other text after the verification: the resent trace is left out.
    assert.deepEqual(
      store.receive({ revisions: [{ ...TRACE, sha256: sha256Of(SOURCE) }] }, () => edited),
      [],
    );
    assert.equal(store.withTrace(undefined, m, at, 15), undefined);
    assert.equal(store.stamp(PATH), 0);
    // Unchanged since: kept, and used.
    assert.deepEqual(
      store.receive({ revisions: [{ ...TRACE, sha256: sha256Of(SOURCE) }] }, () => SOURCE),
      [PATH],
    );
    assert.match(
      (store.withTrace(undefined, m, at, 15)?.contents as { value: string }).value,
      /traced: ShareLock on account/,
    );
    // The hash is of the UTF-8 bytes the runner hashed (fs.readFileSync → sha256).
    // (`printf 'é\\n' | sha256sum`)
    assert.equal(sha256Of('é\n'), 'edd3a863872a04239eb29ad4bc12fc892b3d4ae57cc7e786a3697816f8e141c2');
  });

  it('names the PostgreSQL version the trace was taken on, in the hover and the verdicts', () => {
    const m = model(SOURCE, PATH);
    const store = new TracedLocks();
    store.receive({ revisions: [TRACE], postgresVersion: '15.18' }, () => SOURCE);
    const at = (needle: string) => SOURCE.indexOf(needle);
    assert.match(
      (store.withTrace(undefined, m, at('op.create_index') + 4, 15)?.contents as { value: string }).value,
      /first upgrade on PostgreSQL 15\.18\)/,
    );
    const line = 7; // op.create_index (0-based)
    const [sw601] = store.annotate(
      [{ range: { start: { line, character: 4 }, end: { line, character: 19 } }, message: 'msg', code: 'SW601' }],
      m,
      15,
    );
    assert.equal(sw601.message, 'msg — confirmed by trace on PostgreSQL 15.18: ShareLock on account, held 1.2 s');
    const on1518 = { ...TRACE, postgresVersion: '15.18' };
    assert.equal(
      verdictOf('SW601', m, { ...on1518, locks: [] }, at('op.create_index'), 15),
      'contradicted by trace on PostgreSQL 15.18: no lock on account was seen here (predicted ShareLock)',
    );
    assert.equal(
      verdictOf('SW604', m, { ...on1518, rewrites: [] }, at('op.alter_column'), 15),
      'contradicted by trace on PostgreSQL 15.18: account was not rewritten on the verification database',
    );
    // A version that is not a string is ignored, not shown.
    store.receive({ revisions: [TRACE], postgresVersion: 15 }, () => SOURCE);
    assert.doesNotMatch(
      (store.withTrace(undefined, m, at('op.create_index') + 4, 15)?.contents as { value: string }).value,
      /PostgreSQL/,
    );
  });

  it('bad notifications are skipped, never thrown on', () => {
    const store = new TracedLocks();
    assert.deepEqual(store.receive(undefined), []);
    assert.deepEqual(store.receive({ revisions: 'x' }), []);
    assert.deepEqual(
      store.receive(
        { revisions: [null, { uri: 5 }, { uri: 'file:///nope.py', revision: 'a', locks: [] }] },
        () => undefined,
      ),
      [],
    );
    // Malformed locks inside a good entry are dropped, the rest kept.
    const kept = store.receive({ revisions: [{ ...TRACE, locks: [{ table: 1 }, TRACE.locks[0]] }] }, () => SOURCE);
    assert.deepEqual(kept, [PATH]);
  });

  it('SW6xx verdicts: confirmed by the trace, contradicted by it, or not told', () => {
    const m = model(SOURCE, PATH);
    const at = (needle: string) => SOURCE.indexOf(needle);
    assert.equal(
      verdictOf('SW601', m, TRACE, at('op.create_index'), 15),
      'confirmed by trace: ShareLock on account, held 1.2 s',
    );
    assert.equal(
      verdictOf('SW604', m, TRACE, at('op.alter_column'), 15),
      'confirmed by trace: account was rewritten (AccessExclusiveLock, held 1.2 s)',
    );
    assert.equal(
      verdictOf('SW605', m, TRACE, at('ADD CONSTRAINT ck_balance'), 15),
      'confirmed by trace: AccessExclusiveLock on account taken at line 10, held 1.2 s (through this statement)',
    );
    const noRewrite = { ...TRACE, rewrites: [] };
    assert.equal(
      verdictOf('SW604', m, noRewrite, at('op.alter_column'), 15),
      'contradicted by trace: account was not rewritten on the verification database',
    );
    const weaker = {
      ...TRACE,
      locks: [{ ...TRACE.locks[1], mode: 'ShareUpdateExclusiveLock' }],
    };
    assert.equal(
      verdictOf('SW610', m, weaker, at('op.alter_column'), 15),
      'contradicted by trace: only ShareUpdateExclusiveLock on account (predicted AccessExclusiveLock)',
    );
    assert.equal(
      verdictOf('SW601', m, { ...TRACE, locks: [] }, at('op.create_index'), 15),
      'contradicted by trace: no lock on account was seen here (predicted ShareLock)',
    );
  });

  it('annotates the SW6xx diagnostics only, and only while the text is the traced one', () => {
    const m = model(SOURCE, PATH);
    const store = new TracedLocks();
    store.receive({ revisions: [TRACE] }, () => SOURCE);
    const line = 7; // op.create_index (0-based)
    const diagnostic = (code: string): Diagnostic => ({
      range: { start: { line, character: 4 }, end: { line, character: 19 } },
      message: 'msg',
      code,
    });
    const [sw601, sw201] = store.annotate([diagnostic('SW601'), diagnostic('SW201')], m, 15);
    assert.equal(sw601.message, 'msg — confirmed by trace: ShareLock on account, held 1.2 s');
    assert.equal(sw201.message, 'msg');
    const edited = model(SOURCE.replace('"email"', '"e_mail"'), PATH);
    assert.equal(store.annotate([diagnostic('SW601')], edited, 15)[0].message, 'msg');
    assert.ok(store.stamp(PATH) > 0);
  });

  it("names PostgreSQL's lock modes as pg_locks does", () => {
    assert.equal(pgModeName('ACCESS EXCLUSIVE'), 'AccessExclusiveLock');
    assert.equal(pgModeName('SHARE UPDATE EXCLUSIVE'), 'ShareUpdateExclusiveLock');
    assert.equal(pgModeName('SHARE'), 'ShareLock');
  });
});

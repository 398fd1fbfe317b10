// The accepted history in the editor: the bundled server over stdio publishes no diagnostics on
// revisions up to `baseline`, keeps them on newer ones, and says so in its status.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ALEMBIC_INI, bundleServer, codes, LspSession, makeWorkspace, uriOf } from './lspSession';

const A1 = `"""create accounts"""
revision = "a1"
down_revision = None


def upgrade():
    op.create_table("accounts", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("created", sa.DateTime()))


def downgrade():
    op.drop_table("accounts")
`;
const B1 = `"""add seen at"""
revision = "b1"
down_revision = "a1"


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.add_column("accounts", sa.Column("seen_at", sa.DateTime(), comment="last activity"))


def downgrade():
    op.drop_column("accounts", "seen_at")
`;

describe('language server: the accepted history (baseline)', function () {
  this.timeout(60_000);
  before(() => bundleServer());
  let session: LspSession | undefined;
  let root: string | undefined;
  afterEach(async () => {
    await session?.stop();
    session = undefined;
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  function workspace(pyproject: string): { a1: string; b1: string } {
    root = makeWorkspace({
      'alembic.ini': ALEMBIC_INI,
      'alembic/env.py': '',
      'alembic/versions/a1_accounts.py': A1,
      'alembic/versions/b1_seen_at.py': B1,
      'pyproject.toml': pyproject,
    });
    return {
      a1: path.join(root, 'alembic', 'versions', 'a1_accounts.py'),
      b1: path.join(root, 'alembic', 'versions', 'b1_seen_at.py'),
    };
  }

  it('publishes nothing on accepted revisions, even while they are edited, and names the baseline in its status', async () => {
    const { a1, b1 } = workspace('[project]\nname = "legacy"\n\n[tool.schema-warden]\nbaseline = "a1"\n');
    session = new LspSession(root as string);
    await session.initialize();
    const status = await session.waitForStatus((s) => s.state === 'ready' && s.filesAnalysed === 2, 30_000);
    assert.deepEqual(status.baseline, { ids: ['a1'], accepted: 1 });
    const newer = await session.waitForDiagnostics(b1, (d) => d.diagnostics.length > 0);
    assert.deepEqual(codes(newer.diagnostics), ['SW204']);
    // Published in the same sweep as b1's, before them: an accepted revision with findings would be here.
    assert.deepEqual(session.diagnostics.get(uriOf(a1))?.diagnostics ?? [], []);

    // Typing in an accepted revision still shows nothing (its findings are accepted, not hidden until a save).
    await session.open(a1);
    await session.change(a1, [{ text: A1.replace('sa.DateTime()', 'sa.DateTime(), sa.Column("note", sa.Text())') }]);
    await session.open(b1);
    await session.change(b1, [{ text: `# edited\n${B1}` }]);
    const edited = await session.waitForDiagnostics(b1, (d) => d.version === 2);
    assert.deepEqual(codes(edited.diagnostics), ['SW204']);
    assert.deepEqual(session.diagnostics.get(uriOf(a1))?.diagnostics ?? [], []);
  });

  it('without a baseline the same history has diagnostics (the test above could fail)', async () => {
    const { a1 } = workspace('[project]\nname = "legacy"\n');
    session = new LspSession(root as string);
    await session.initialize();
    const published = await session.waitForDiagnostics(a1, (d) => d.diagnostics.length > 0, 30_000);
    assert.ok(codes(published.diagnostics).includes('SW204'));
    const status = await session.waitForStatus((s) => s.state === 'ready' && s.filesAnalysed === 2, 30_000);
    assert.equal(status.baseline, undefined);
  });

  it('a baseline naming no revision is shown on the configuration file, naming the key', async () => {
    workspace('[project]\nname = "legacy"\n\n[tool.schema-warden]\nbaseline = "zz9"\n');
    session = new LspSession(root as string);
    await session.initialize();
    const config = await session.waitForDiagnostics(
      path.join(root as string, 'pyproject.toml'),
      (d) => d.diagnostics.length > 0,
      30_000,
    );
    assert.match(
      String(config.diagnostics[0].message),
      /`tool\.schema-warden\.baseline` names "zz9", which is not a revision/,
    );
  });
});

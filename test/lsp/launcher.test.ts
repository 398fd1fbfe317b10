// The language server as editors start it: dist/serverLauncher.js (server/src/lsp/launch.ts) loads
// dist/server.js with V8's code cache. In real processes over stdio: the first start writes the
// entry as the server exits, the next uses it (and leaves it as it is), a damaged entry is never
// handed to V8, and each start reports the same. And the status "ready" means what it says: when
// it arrives, every revision's diagnostics have been published (the cache's warm-up comes after).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ALEMBIC_INI, bundleServer, LspSession, makeWorkspace, SERVER_LAUNCHER, uriOf } from './lspSession';

const revision = (id: string, parent: string | null): string => `"""step ${id}

Revision ID: ${id}
Revises: ${parent ?? ''}
Create Date: 2025-01-02 00:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = "${id}"
down_revision = ${parent ? `"${parent}"` : 'None'}
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("account", sa.Column("${id}_flag", sa.Boolean(), nullable=False))


def downgrade() -> None:
    pass
`;

const COUNT = 30;

describe('language server started by dist/serverLauncher.js (V8 code cache)', function () {
  this.timeout(60_000);
  let root: string;
  let cacheDir: string;
  const files: string[] = [];

  before(() => bundleServer());

  beforeEach(() => {
    const layout: Record<string, string> = { 'alembic.ini': ALEMBIC_INI, 'alembic/env.py': '' };
    files.length = 0;
    for (let i = 0; i < COUNT; i++) {
      const rel = `alembic/versions/r${String(i).padStart(3, '0')}.py`;
      layout[rel] = revision(`r${i}`, i ? `r${i - 1}` : null);
      files.push(rel);
    }
    root = makeWorkspace(layout);
    cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-server-code-cache-'));
  });

  afterEach(() => {
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(cacheDir, { recursive: true, force: true });
  });

  /** Starts the server, waits for "ready"; every file's codes as they stood when the status came. */
  async function start(): Promise<{ atReady: Map<string, string[]>; stderr: string }> {
    const session = new LspSession(root, [SERVER_LAUNCHER, '--stdio'], {
      ...process.env,
      SCHEMA_WARDEN_CODE_CACHE: cacheDir,
    });
    try {
      await session.initialize();
      await session.waitForStatus((s) => s.state === 'ready' && s.filesAnalysed === COUNT, 30_000);
      const atReady = new Map<string, string[]>();
      for (const rel of files) {
        const published = session.diagnostics.get(uriOf(path.join(root, rel)));
        atReady.set(rel, published ? published.diagnostics.map((d) => String(d.code)).sort() : ['(none yet)']);
      }
      return { atReady, stderr: session.stderr };
    } finally {
      await session.stop();
    }
  }
  const entries = () => (fs.existsSync(cacheDir) ? fs.readdirSync(cacheDir) : []);

  it('"ready" comes after every revision\'s diagnostics; the first start writes the entry, the next uses it', async () => {
    const first = await start();
    for (const [rel, found] of first.atReady) assert.ok(found.includes('SW101'), `${rel}: ${found.join(', ')}`);
    assert.equal(first.stderr, '');
    assert.equal(entries().length, 1, 'one entry, written as the server exited');
    const entry = path.join(cacheDir, entries()[0] ?? '');
    assert.match(path.basename(entry), /^server-[0-9a-f]{32}\.bin$/);
    if (process.platform !== 'win32') assert.equal(fs.statSync(entry).mode & 0o777, 0o600);
    const written = fs.readFileSync(entry);

    const second = await start();
    assert.deepEqual(second.atReady, first.atReady);
    assert.deepEqual(entries(), [path.basename(entry)]);
    assert.ok(fs.readFileSync(entry).equals(written), 'used as it was, not written again');
  });

  it('a damaged entry is compiled afresh and replaced; the server reports the same', async () => {
    const first = await start();
    const entry = path.join(cacheDir, entries()[0] ?? '');
    const bytes = fs.readFileSync(entry);
    bytes[bytes.length - 100] ^= 0xff; // its checksum no longer holds
    fs.writeFileSync(entry, bytes);
    const second = await start();
    assert.deepEqual(second.atReady, first.atReady);
    assert.equal(second.stderr, '');
    assert.notDeepEqual(fs.readFileSync(entry), bytes, 'written again');
  });
});

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CliIo } from '../../server/src/cli/io';
import { main } from '../../server/src/cli/main';
import { analyzeOnce } from '../../server/src/engine/analyze';
import { writeFileAtomic } from '../../server/src/fixes/atomicWrite';
import { engineReady } from '../support/engine';

// The module object itself (the namespace import above only has getters): to intercept reads.
const nodeFs = require('node:fs') as { readFileSync: typeof fs.readFileSync };

/** `schema-warden lint --fix` writes through a temp file and a rename, and only text that parses. */

// SW404's dependency-mapping fix is one that --fix applies (safe): it writes "Depends on: account".
const FIXABLE = `"""add orders view

Revision ID: a1
"""
from alembic import op
import sqlalchemy as sa

revision = "a1"
down_revision = None


def upgrade():
    op.execute("CREATE VIEW account_emails AS SELECT id, email FROM account")


def downgrade():
    op.execute("DROP VIEW account_emails")
`;

async function lintFix(dir: string, extra: string[] = []): Promise<{ code: number; stderr: string; stdout: string }> {
  let stderr = '';
  let stdout = '';
  const io: CliIo = {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    cwd: dir,
    isTTY: false,
  };
  const code = await main(['lint', '--fix', ...extra, dir], io);
  return { code, stderr, stdout };
}

function project(source: string): { dir: string; file: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-fix-atomic-'));
  fs.writeFileSync(path.join(dir, 'alembic.ini'), '[alembic]\nscript_location = %(here)s/alembic\n');
  fs.mkdirSync(path.join(dir, 'alembic/versions'), { recursive: true });
  const file = path.join(dir, 'alembic/versions/a1_orders.py');
  fs.writeFileSync(file, source);
  return { dir, file };
}

describe('CLI --fix writes atomically', function () {
  this.timeout(60_000);
  const dirs: string[] = [];
  before(() => engineReady);
  after(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('replaces the file by a rename (new inode), keeps its mode, and leaves no temp file', async () => {
    const { dir, file } = project(FIXABLE);
    dirs.push(dir);
    fs.chmodSync(file, 0o640);
    const before = fs.statSync(file);
    await lintFix(dir);
    const text = fs.readFileSync(file, 'utf8');
    assert.notEqual(text, FIXABLE, 'a safe fix was applied');
    assert.match(text, /account_emails depends on: account|Depends on: account/i);
    const after = fs.statSync(file);
    assert.notEqual(after.ino, before.ino, 'written through a new file renamed over the old one');
    assert.equal(after.mode & 0o777, 0o640);
    assert.deepEqual(
      fs.readdirSync(path.dirname(file)).filter((f) => f !== 'a1_orders.py' && f !== '__pycache__'),
      [],
    );
  });

  it('writeFileAtomic leaves the old file and no temp file when the write fails', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-fix-atomic-'));
    dirs.push(dir);
    const file = path.join(dir, 'rev.py');
    fs.writeFileSync(file, 'old\n');
    // A directory where the temp file's rename target is: the rename fails after the temp write.
    const blocked = path.join(dir, 'sub');
    fs.mkdirSync(blocked);
    fs.writeFileSync(path.join(blocked, 'x'), '');
    assert.throws(() => writeFileAtomic(blocked, 'new\n'));
    assert.deepEqual(fs.readdirSync(dir).sort(), ['rev.py', 'sub']);
    if (process.getuid?.() !== 0) {
      // Read-only folder: no temp file can be created, the file stays as it was.
      fs.chmodSync(dir, 0o555);
      try {
        assert.throws(() => writeFileAtomic(file, 'new\n'));
        assert.equal(fs.readFileSync(file, 'utf8'), 'old\n');
      } finally {
        fs.chmodSync(dir, 0o755);
      }
    }
  });

  it('never makes a file parse worse: with a syntax error in it, --fix writes nothing that adds one', async () => {
    const broken = FIXABLE.replace('def downgrade():', 'def downgrade(:');
    const { dir, file } = project(broken);
    dirs.push(dir);
    const errorsBefore = analyzeOnce(file, broken).syntaxErrors.length;
    assert.ok(errorsBefore > 0);
    await lintFix(dir);
    const text = fs.readFileSync(file, 'utf8');
    assert.ok(analyzeOnce(file, text).syntaxErrors.length <= errorsBefore, 'no new syntax error written');
    assert.deepEqual(
      fs.readdirSync(path.dirname(file)).filter((f) => f.startsWith('.')),
      [],
      'no temp file left',
    );
  });

  it('leaves a file alone when it changed on disk during the run', async () => {
    const { dir, file } = project(FIXABLE);
    dirs.push(dir);
    const edited = FIXABLE.replace('add orders view', 'add orders view (edited meanwhile)');
    // The user saves the file after it was read: simulate by changing it when the CLI first reads it back.
    // The CLI reads the file twice: to lint it, and just before writing, to see it is unchanged
    // (--no-cache: the analysis cache's lookup would be one more read before the lint's own).
    const realRead = nodeFs.readFileSync;
    let reads = 0;
    nodeFs.readFileSync = ((p: fs.PathOrFileDescriptor, ...rest: unknown[]) => {
      if (p === file && ++reads === 2) fs.writeFileSync(file, edited);
      return (realRead as (...args: unknown[]) => unknown)(p, ...rest);
    }) as typeof fs.readFileSync;
    let output: string;
    try {
      const { stderr, stdout } = await lintFix(dir, ['--no-cache']);
      output = stdout + stderr; // --fix's summary goes beside the text report
    } finally {
      nodeFs.readFileSync = realRead;
    }
    assert.equal(fs.readFileSync(file, 'utf8'), edited, 'the edit made during the run is kept');
    assert.match(output, /changed while it was being fixed; left as it is/);
  });
});

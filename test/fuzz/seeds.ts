import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeSyntheticHistory } from '../../bench/synthetic';

/** The repository root (tests run from `out/test/fuzz`). */
export const REPO_ROOT = path.resolve(__dirname, '../../..');

export interface SeedFile {
  name: string;
  source: string;
}

function pythonFilesIn(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.py') && f !== '__init__.py')
    .sort()
    .map((f) => path.join(dir, f));
}

/** `test/fixtures/runner/<case>/**\/versions/*.py` */
function runnerFixtureFiles(): string[] {
  const root = path.join(REPO_ROOT, 'test/fixtures/runner');
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name === 'versions') found.push(...pythonFilesIn(full));
        else walk(full);
      }
    }
  };
  if (fs.existsSync(root)) walk(root);
  return found.sort();
}

let cached: SeedFile[] | undefined;

/**
 * Realistic revision files to mutate: the model fixtures, the demo project, the runner's
 * projects, and one synthetic revision of each shape `bench/synthetic.ts` writes.
 */
export function seedFiles(): SeedFile[] {
  if (cached) return cached;
  const files = [
    ...pythonFilesIn(path.join(REPO_ROOT, 'test/fixtures/revisions')),
    ...pythonFilesIn(path.join(REPO_ROOT, 'examples/demo/alembic/versions')),
    ...runnerFixtureFiles(),
  ];
  const seeds = files.map((file) => ({ name: path.relative(REPO_ROOT, file), source: fs.readFileSync(file, 'utf8') }));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-fuzz-synthetic-'));
  try {
    writeSyntheticHistory(dir, 10);
    // Revisions 5..9 cover the five shapes (the first five are all create_table).
    for (const file of pythonFilesIn(path.join(dir, 'alembic/versions')).slice(4)) {
      seeds.push({ name: `synthetic/${path.basename(file)}`, source: fs.readFileSync(file, 'utf8') });
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  if (seeds.length < 10) throw new Error(`only ${seeds.length} seed revisions found under ${REPO_ROOT}`);
  cached = seeds;
  return seeds;
}

/** Two ordinary revisions every fuzzed file is linted next to, so project rules see a graph. */
export const NEIGHBOURS: Record<string, string> = {
  'n0001_accounts.py': `"""create account

Revision ID: n0001
Revises:
Create Date: 2026-01-01 00:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = "n0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    # rationale: one row per customer account.
    op.create_table(
        "account",
        sa.Column("id", sa.Uuid(), primary_key=True, comment="identifier"),
        sa.Column("email", sa.Text(), nullable=False, comment="login e-mail"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("timezone('utc', now())")),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("timezone('utc', now())")),
        comment="customer accounts",
    )


def downgrade() -> None:
    op.drop_table("account")
`,
  'n0002_account_note.py': `"""add account note

Revision ID: n0002
Revises: n0001
Create Date: 2026-01-02 00:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = "n0002"
down_revision = "n0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("account", sa.Column("note", sa.Text(), nullable=True, comment="free text"))


def downgrade() -> None:
    op.drop_column("account", "note")
`,
};

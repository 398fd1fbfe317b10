import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyzeOnce } from '../../server/src/engine/analyze';
import { lintProjectRules } from '../../server/src/engine/lint';
import { defaultConfig } from '../../server/src/config/config';
import { createProjectModel } from '../../server/src/model/project';
import { sameMeaning } from '../../server/src/model/meaning';
import rule from '../../server/src/rules/SW108-edited-history';
import { dedent, engineReady } from '../support/engine';

const A1 = dedent(`
  """Add invoice."""
  revision = "a1"
  down_revision = None
  def upgrade():
      op.create_table("invoice", sa.Column("id", sa.UUID(), primary_key=True))
  def downgrade():
      op.drop_table("invoice")
`);
const B1 = dedent(`
  """Add note."""
  revision = "b1"
  down_revision = "a1"
  def upgrade():
      op.add_column("invoice", sa.Column("note", sa.Text()))
  def downgrade():
      op.drop_column("invoice", "note")
`);

/** A temporary repository; `git` runs with a fixed identity so commits work anywhere. */
class Repo {
  readonly root = fs.mkdtempSync(path.join(os.tmpdir(), 'sw108-'));
  readonly versions = path.join(this.root, 'alembic', 'versions');
  constructor(init = true) {
    fs.mkdirSync(this.versions, { recursive: true });
    if (init) this.git('init', '-q');
  }
  git(...args: string[]): void {
    execFileSync(
      'git',
      ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', ...args],
      { cwd: this.root, stdio: 'ignore' },
    );
  }
  write(name: string, text: string): void {
    fs.writeFileSync(path.join(this.versions, name), text);
  }
  commit(message: string): void {
    this.git('add', '-A');
    this.git('commit', '-q', '-m', message);
  }
  lint(): string[] {
    const files = fs
      .readdirSync(this.versions)
      .filter((f) => f.endsWith('.py'))
      .sort();
    const models = files.map((f) =>
      analyzeOnce(path.join(this.versions, f), fs.readFileSync(path.join(this.versions, f), 'utf8')),
    );
    const project = createProjectModel(this.root, defaultConfig(this.root), models);
    return [...lintProjectRules(project, { rules: [rule] }).values()]
      .flat()
      .map((f) => `${path.basename(f.path)}:${f.range.start.line + 1} ${f.message}`);
  }
  head(): string {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: this.root, encoding: 'utf8' }).trim();
  }
  dispose(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

describe('SW108 edited-history', () => {
  before(() => engineReady);
  let repo: Repo | undefined;
  afterEach(() => repo?.dispose());

  it('stays quiet on untouched history, on a parent whose child is not committed, and outside git', () => {
    repo = new Repo();
    repo.write('a1.py', A1);
    repo.commit('a1');
    repo.write('b1.py', B1);
    repo.write('a1.py', A1.replace('Add invoice.', 'Add invoice table.'));
    assert.deepEqual(repo.lint(), [], 'child b1 is not committed: editing a1 is still fine');
    repo.commit('b1 and a1 together');
    assert.deepEqual(repo.lint(), [], 'a1 changed in the same commit that added b1');
    repo.dispose();
    repo = new Repo(false);
    repo.write('a1.py', A1);
    repo.write('b1.py', B1);
    assert.deepEqual(repo.lint(), [], 'not a repository');
  });

  it('reports uncommitted changes to a revision with a committed child', () => {
    repo = new Repo();
    repo.write('a1.py', A1);
    repo.write('b1.py', B1);
    repo.commit('history');
    repo.write('a1.py', A1.replace('primary_key=True)', 'primary_key=True), sa.Column("note", sa.Text())'));
    const findings = repo.lint();
    assert.equal(findings.length, 1);
    assert.match(
      findings[0],
      /^a1\.py:2 Revision a1 already has a committed child \(b1, added in [0-9a-f]{8}\) but has uncommitted changes: a revision that may already be applied is fixed with a new one/,
    );
  });

  it('reports a commit that changed the revision after its child was added', () => {
    repo = new Repo();
    repo.write('a1.py', A1);
    repo.commit('a1');
    repo.write('b1.py', B1);
    repo.commit('b1');
    repo.write('a1.py', A1.replace('"invoice", sa.Column', '"invoice", sa.Column("total", sa.Numeric()), sa.Column'));
    repo.commit('edit a1');
    const findings = repo.lint();
    assert.equal(findings.length, 1);
    assert.match(
      findings[0],
      /^a1\.py:2 Revision a1 already has a committed child \(b1, added in [0-9a-f]{8}\) but was changed afterwards in [0-9a-f]{8}:/,
    );
  });

  it('compares meaning: a reformat commit (quotes, layout, comments, licence header, import order) is no edit', () => {
    repo = new Repo();
    const original = `"""Add invoice."""
import sqlalchemy as sa
from alembic import op

revision = "a1"
down_revision = None


def upgrade():
    op.create_table("invoice", sa.Column("id", sa.UUID(), primary_key=True), sa.Column("total", sa.Numeric(12, 2)))


def downgrade():
    op.drop_table("invoice")
`;
    const reformatted = `# Copyright 2024 Example Ltd. Licensed under the MIT licence.
"""Add invoice (docstring reworded)."""
from alembic import op
import sqlalchemy as sa

revision = 'a1'
down_revision = None


def upgrade():
    # the invoice table
    op.create_table(
        'invoice',
        sa.Column('id', sa.UUID(), primary_key=True),
        sa.Column('total', sa.Numeric(12, 2)),
    )


def downgrade():
    op.drop_table('invoice')
`;
    repo.write('a1.py', original);
    repo.commit('a1');
    repo.write('b1.py', B1);
    repo.commit('b1');
    repo.write('a1.py', reformatted);
    assert.deepEqual(repo.lint(), [], 'an uncommitted reformat is not an edit');
    repo.commit('black + single quotes + licence header');
    assert.deepEqual(repo.lint(), [], 'a committed reformat is not an edit');
    // A real edit after the reformat is still one.
    repo.write('a1.py', reformatted.replace('sa.Numeric(12, 2)', 'sa.Numeric(14, 2)'));
    assert.equal(repo.lint().length, 1, 'an uncommitted change of a value is an edit');
    repo.commit('widen total');
    const findings = repo.lint();
    assert.equal(findings.length, 1);
    assert.match(findings[0], /but was changed afterwards in [0-9a-f]{8}:/);
  });

  it('skips commits listed in the ignore-revs file (blame.ignoreRevsFile, else .git-blame-ignore-revs)', () => {
    repo = new Repo();
    repo.write('a1.py', A1);
    repo.commit('a1');
    repo.write('b1.py', B1);
    repo.commit('b1');
    // A mechanical change that does change the code (a rename of the primary key's type helper).
    repo.write('a1.py', A1.replace('sa.UUID()', 'postgresql.UUID()'));
    repo.commit('codemod: postgresql.UUID');
    assert.equal(repo.lint().length, 1, 'without the ignore-revs file the codemod is an edit of history');
    const codemod = repo.head();
    fs.writeFileSync(path.join(repo.root, '.git-blame-ignore-revs'), `# mechanical changes\n${codemod}\n`);
    assert.deepEqual(repo.lint(), [], 'listed in .git-blame-ignore-revs');
    fs.rmSync(path.join(repo.root, '.git-blame-ignore-revs'));
    fs.writeFileSync(path.join(repo.root, 'ignored-commits.txt'), `${codemod.slice(0, 12)} # abbreviated\n`);
    repo.git('config', 'blame.ignoreRevsFile', 'ignored-commits.txt');
    repo.git('commit', '-q', '--allow-empty', '-m', 'configure blame'); // HEAD moves: git is asked again
    assert.deepEqual(repo.lint(), [], 'listed in the file blame.ignoreRevsFile names');
    repo.write('a1.py', A1.replace('sa.UUID()', 'postgresql.UUID()').replace('"invoice"', '"invoices"'));
    repo.commit('a real edit');
    assert.equal(repo.lint().length, 1, 'a later real edit is still reported');
  });

  it('a revision deleted and added back as it was is no edit; added back changed, it is one', () => {
    repo = new Repo();
    repo.write('a1.py', A1);
    repo.commit('a1');
    repo.write('b1.py', B1);
    repo.commit('b1');
    fs.rmSync(path.join(repo.versions, 'a1.py'));
    repo.commit('drop a1 by mistake');
    repo.write('a1.py', A1);
    repo.commit('restore a1');
    assert.deepEqual(repo.lint(), [], 'restored as it was');
    fs.rmSync(path.join(repo.versions, 'a1.py'));
    repo.commit('drop a1 again');
    repo.write('a1.py', A1.replace('sa.UUID()', 'sa.Integer()'));
    repo.commit('restore a1 with another key type');
    const findings = repo.lint();
    assert.equal(findings.length, 1);
    assert.match(findings[0], /^a1\.py:2 Revision a1 .* but was changed afterwards in [0-9a-f]{8}:/);
  });

  it('a reformat after merging a side branch that edited the revision is compared with its parent, not the side branch', () => {
    repo = new Repo();
    repo.write('a1.py', A1);
    repo.write('b1.py', B1);
    repo.commit('history');
    repo.git('branch', '-m', 'trunk');
    repo.git('checkout', '-q', '-b', 'side');
    repo.write('a1.py', A1.replace('sa.UUID()', 'sa.BigInteger()'));
    repo.write('c1.py', 'revision = "c1"\ndown_revision = "b1"\n');
    repo.commit('side: another key type, and a new revision');
    repo.git('checkout', '-q', 'trunk');
    repo.write('a1.py', A1.replace('sa.UUID()', 'sa.Integer()'));
    repo.commit('trunk: another key type');
    const edit = repo.head().slice(0, 8);
    // The merge keeps trunk's a1 and takes c1: `git log` then lists the side commit right after the reformat.
    assert.throws(() => repo?.git('merge', '-q', '--no-edit', 'side'), 'a conflict on a1');
    repo.git('checkout', '--ours', 'alembic/versions/a1.py');
    repo.commit('merge side');
    repo.write('a1.py', A1.replace('sa.UUID()', 'sa.Integer()').replace(/"/g, "'"));
    repo.commit('reformat');
    const findings = repo.lint();
    assert.equal(findings.length, 1);
    assert.ok(!findings[0].includes(repo.head().slice(0, 8)), `the reformat is no edit: ${findings[0]}`);
    assert.match(findings[0], new RegExp(`changed afterwards in (${edit}|[0-9a-f]{8}):`));
  });

  it('meaningOf keeps every change to what runs', () => {
    const base =
      'revision = "a1"\ndef upgrade():\n    op.add_column("t", sa.Column("n", sa.Integer(), nullable=False))\n';
    assert.ok(sameMeaning(base, base.replace(/"/g, "'")));
    assert.ok(sameMeaning(base, `# licence\n${base}\n\n`));
    assert.ok(sameMeaning(base, base.replace('op.add_column(', 'op.add_column(\n        ').replace('))', '),\n    )')));
    assert.ok(!sameMeaning(base, base.replace('False', 'True')));
    assert.ok(!sameMeaning(base, base.replace('"n"', '"m"')));
    assert.ok(!sameMeaning('x = a + b\n', 'x = a - b\n'), 'operators are kept');
    assert.ok(
      !sameMeaning('def upgrade():\n    a()\n    b()\n', 'def upgrade():\n    b()\n    a()\n'),
      'statement order is kept',
    );
    assert.ok(sameMeaning('import b\nimport a\nx = 1\n', 'import a\nimport b\nx = 1_0 // 10\n') === false);
    assert.ok(sameMeaning('import b\nimport a\nx = 10\n', 'import a\nimport b\nx = 1_0\n'));
    assert.ok(sameMeaning('x = "ab"\n', "x = ('a'\n     'b')\n"));
  });

  it('meaningOf: removing an import the file never uses, or rewording a log message, is no edit', () => {
    const base =
      'import six\nimport sqlalchemy as sa\nfrom alembic import op\nfrom sqlalchemy.dialects import mysql\n' +
      'def upgrade():\n    log.info("done %s" % n)\n    op.add_column("t", sa.Column("n", sa.Integer()))\n';
    const cleaned =
      'import sqlalchemy as sa\nfrom alembic import op\n' +
      'def upgrade():\n    log.info("done {}".format(n))\n    op.add_column("t", sa.Column("n", sa.Integer()))\n';
    assert.ok(sameMeaning(base, cleaned), 'dead imports (six, mysql) removed and a log message reworded');
    assert.ok(!sameMeaning(base, base.replace('import sqlalchemy as sa\n', '')), 'an import in use is kept');
    assert.ok(
      sameMeaning(`from sqlalchemy import Integer\n${base}`, base),
      'a name used only as an attribute (sa.Integer) or a keyword is not a use of the import',
    );
    assert.ok(
      !sameMeaning(base, base.replace('from alembic import op', 'from myapp.migration import op')),
      'where a used name comes from is kept',
    );
    assert.ok(!sameMeaning(base, base.replace('log.info(', 'op.execute(')), 'only logging calls are text');
    assert.ok(
      sameMeaning(base, base.replace('def upgrade():\n', 'def upgrade():\n    print("start")\n')),
      'a print added',
    );
    assert.ok(!sameMeaning('from __future__ import annotations\nx = 1\n', 'x = 1\n'), 'future imports are kept');
    assert.ok(
      sameMeaning(
        'from sqlalchemy.dialects import postgresql\nt = postgresql.JSON()\n',
        'from sqlalchemy.dialects.postgresql import JSON\nt = JSON()\n',
      ),
      'a name imported another way is the same name',
    );
    assert.ok(
      !sameMeaning(
        'from sqlalchemy.dialects.postgresql import JSON\nt = JSON()\n',
        'from sqlalchemy.types import JSON\nt = JSON()\n',
      ),
      'a name imported from elsewhere is another name',
    );
    const sql = 'op.execute("""\n    UPDATE t  -- every row\n    SET n = 1\n""")\n';
    assert.ok(sameMeaning(sql, 'op.execute("""\n  UPDATE t SET n = 1  \n""")\n'), 'SQL layout and comments');
    assert.ok(!sameMeaning(sql, sql.replace('n = 1', 'n = 2')), 'SQL text is kept');
    assert.ok(
      sameMeaning(
        'op.execute("DROP TABLE {}.{}".format(schema, name))\n',
        'op.execute(f"DROP TABLE {schema}.{name}")\n',
      ),
      'str.format() rewritten as an f-string',
    );
    assert.ok(
      sameMeaning(
        'op.execute("DELETE FROM t WHERE id IN(SELECT id FROM {})".format(s))\n',
        'op.execute(f"""\n    DELETE FROM t WHERE id IN (\n        SELECT id FROM {s}\n    )\n""")\n',
      ),
      'an f-string rewrite that also re-wraps the SQL',
    );
    assert.ok(sameMeaning('x = "{0}-{1}-{0}".format(a, b)\n', 'x = f"{a}-{b}-{a}"\n'), 'numbered fields');
    assert.ok(!sameMeaning('x = "{}-{}".format(a, b)\n', 'x = f"{b}-{a}"\n'), 'field order is kept');
  });
});

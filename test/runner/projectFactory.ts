// Small Alembic projects written on the fly for fault tests (a migration that sleeps, a broken
// alembic.ini), built from the clean fixture's env.py and alembic.ini.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fixtureDir } from '../support/postgres';

export interface TempProject {
  dir: string;
  remove(): void;
}

/** A one-revision project whose upgrade body is `upgradeBody` (Python, indented by 4). */
export function projectWithUpgrade(upgradeBody: string): TempProject {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-test-project-'));
  const clean = fixtureDir('clean');
  fs.copyFileSync(path.join(clean, 'alembic.ini'), path.join(dir, 'alembic.ini'));
  fs.mkdirSync(path.join(dir, 'migrations', 'versions'), { recursive: true });
  fs.copyFileSync(path.join(clean, 'migrations', 'env.py'), path.join(dir, 'migrations', 'env.py'));
  fs.writeFileSync(
    path.join(dir, 'migrations', 'versions', 'ee0000000001_only.py'),
    [
      '"""only revision"""',
      'import time',
      'from alembic import op',
      '',
      'revision = "ee0000000001"',
      'down_revision = None',
      'branch_labels = None',
      'depends_on = None',
      '',
      '',
      'def upgrade():',
      ...upgradeBody.split('\n').map((line) => `    ${line}`),
      '',
      '',
      'def downgrade():',
      '    pass',
      '',
    ].join('\n'),
  );
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** A copy of the clean fixture with alembic.ini replaced by `iniText`. */
export function projectWithIni(iniText: string): TempProject {
  const project = projectWithUpgrade('pass');
  fs.writeFileSync(path.join(project.dir, 'alembic.ini'), iniText);
  return project;
}

/**
 * A linear history of `count` revisions, each creating a table with an index and a foreign key to
 * the previous one (downgrades drop them): the shape of the runner's performance budget.
 */
export function syntheticProject(count: number): TempProject {
  const project = projectWithUpgrade('pass');
  const versions = path.join(project.dir, 'migrations', 'versions');
  fs.rmSync(path.join(versions, 'ee0000000001_only.py'));
  const id = (i: number) => `syn${String(i).padStart(9, '0')}`;
  for (let i = 1; i <= count; i++) {
    const fk = i > 1 ? `, sa.Column("prev_id", sa.Integer, sa.ForeignKey("t${i - 1}.id"))` : '';
    fs.writeFileSync(
      path.join(versions, `${id(i)}_t${i}.py`),
      [
        `"""table t${i}"""`,
        'from alembic import op',
        'import sqlalchemy as sa',
        '',
        `revision = "${id(i)}"`,
        `down_revision = ${i > 1 ? `"${id(i - 1)}"` : 'None'}`,
        'branch_labels = None',
        'depends_on = None',
        '',
        '',
        'def upgrade():',
        `    op.create_table("t${i}", sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.Text, nullable=False)${fk})`,
        `    op.create_index("ix_t${i}_name", "t${i}", ["name"])`,
        '',
        '',
        'def downgrade():',
        `    op.drop_index("ix_t${i}_name", table_name="t${i}")`,
        `    op.drop_table("t${i}")`,
        '',
      ].join('\n'),
    );
  }
  return project;
}

/** A copy of `project` whose migrations/env.py is `envPy` (or none, when null). */
export function replaceEnvPy(project: TempProject, envPy: string | null): TempProject {
  const file = path.join(project.dir, 'migrations', 'env.py');
  if (envPy === null) fs.rmSync(file);
  else fs.writeFileSync(file, envPy);
  return project;
}

/** Replaces the body of `def downgrade():` in the synthetic revision number `i` (1-based). */
export function breakDowngrade(project: TempProject, i: number, body: string): void {
  const versions = path.join(project.dir, 'migrations', 'versions');
  const name = fs.readdirSync(versions).find((f) => f.startsWith(`syn${String(i).padStart(9, '0')}_`));
  if (!name) throw new Error(`no synthetic revision ${i}`);
  const file = path.join(versions, name);
  const text = fs.readFileSync(file, 'utf8');
  const start = text.indexOf('def downgrade():');
  fs.writeFileSync(
    file,
    `${text.slice(0, start)}def downgrade():\n${body
      .split('\n')
      .map((line) => `    ${line}`)
      .join('\n')}\n`,
  );
}

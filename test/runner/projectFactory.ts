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
  fs.writeFileSync(path.join(dir, 'migrations', 'versions', 'ee0000000001_only.py'), [
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
  ].join('\n'));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** A copy of the clean fixture with alembic.ini replaced by `iniText`. */
export function projectWithIni(iniText: string): TempProject {
  const project = projectWithUpgrade('pass');
  fs.writeFileSync(path.join(project.dir, 'alembic.ini'), iniText);
  return project;
}

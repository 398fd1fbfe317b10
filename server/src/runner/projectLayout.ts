// Where Alembic runs for a given config file. Alembic runs from the repository root: for a plain
// project that is the folder of alembic.ini; Flask-Migrate keeps alembic.ini inside migrations/
// (beside env.py, with no script_location: Flask-Migrate sets it) and runs from the folder above,
// where the application (wsgi.py / app.py) is.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface AlembicProjectLocation {
  /** The working directory of the helper: the project's root. */
  projectDir: string;
  /** The config file, relative to projectDir. */
  configFile: string;
}

export function alembicProjectOf(iniPath: string): AlembicProjectLocation {
  const folder = path.dirname(iniPath);
  let text = '';
  try {
    text = fs.readFileSync(iniPath, 'utf8');
  } catch {
    // unreadable: the helper reports it
  }
  const flaskMigrate = !/^\s*script_location\s*=/m.test(text) && fs.existsSync(path.join(folder, 'env.py'));
  const projectDir = flaskMigrate ? path.dirname(folder) : folder;
  return { projectDir, configFile: path.relative(projectDir, iniPath) };
}

// The Flask-Migrate fixture of the runner's tests (issue #12): an application factory (shop/) with
// Flask-SQLAlchemy models, a wsgi.py, and migrations/ made by Flask-Migrate's own `flask db init`
// (its alembic.ini without script_location, its env.py using current_app), then two revisions. The
// app's config holds a development URL where nothing may ever connect.
//
// Used by test/runner/realProjects.test.ts (the CLI) and, through its command line, by
// scripts/test-e2e.sh, which makes one to open as the workspace of the sidebar's real-editor test
// (test/e2e/suite/flaskSidebar.e2e.ts):
//   node out/test/support/flaskMigrateProject.js DIR [PYTHON]
// PYTHON needs Flask-Migrate and Flask-SQLAlchemy (Debian's python3-flask-migrate and
// python3-flask-sqlalchemy for /usr/bin/python3, the default).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The file of the application factory, whose config line holds the development URL. */
export const FLASK_APP_FILE = path.join('shop', '__init__.py');
/** The config line of FLASK_APP_FILE, to point the development URL elsewhere. */
export const DEV_URL_LINE = /^ {4}app\.config\["SQLALCHEMY_DATABASE_URI"\] = ".*"$/m;
export const FLASK_REVISIONS = ['f1a5c0000001', 'f1a5c0000002'];

export interface FlaskProject {
  dir: string;
  remove(): void;
}

/** Writes the project into `dir` (made if needed; a new temp folder when not given). */
export function flaskMigrateProject(python: string, devUrl: string, dir?: string): FlaskProject {
  if (dir) fs.mkdirSync(dir, { recursive: true });
  const root = dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'sw-test-flask-'));
  const write = (file: string, lines: string[]) => {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), `${lines.join('\n')}\n`);
  };
  write(FLASK_APP_FILE, [
    'from flask import Flask',
    'from flask_migrate import Migrate',
    '',
    'from shop.models import db',
    '',
    '',
    'def create_app():',
    '    app = Flask(__name__)',
    `    app.config["SQLALCHEMY_DATABASE_URI"] = "${devUrl}"`,
    '    db.init_app(app)',
    '    Migrate(app, db)',
    '    return app',
  ]);
  write('shop/models.py', [
    'from flask_sqlalchemy import SQLAlchemy',
    '',
    'db = SQLAlchemy()',
    '',
    '',
    'class Product(db.Model):',
    '    id = db.Column(db.Integer, primary_key=True)',
    '    title = db.Column(db.Text, nullable=False)',
    '    price_cents = db.Column(db.Integer)',
  ]);
  write('wsgi.py', ['from shop import create_app', '', 'app = create_app()']);
  execFileSync(python, ['-m', 'flask', '--app', 'wsgi', 'db', 'init'], {
    cwd: root,
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    stdio: 'pipe',
  });
  const revision = (id: string, down: string | null, upgrade: string[], downgrade: string[]) =>
    write(`migrations/versions/${id}_.py`, [
      '"""revision"""',
      'from alembic import op',
      'import sqlalchemy as sa',
      '',
      `revision = "${id}"`,
      `down_revision = ${down ? `"${down}"` : 'None'}`,
      'branch_labels = None',
      'depends_on = None',
      '',
      '',
      'def upgrade():',
      ...upgrade.map((line) => `    ${line}`),
      '',
      '',
      'def downgrade():',
      ...downgrade.map((line) => `    ${line}`),
    ]);
  revision(
    'f1a5c0000001',
    null,
    [
      'op.create_table("product", sa.Column("id", sa.Integer, primary_key=True), sa.Column("title", sa.Text, nullable=False))',
    ],
    ['op.drop_table("product")'],
  );
  revision(
    'f1a5c0000002',
    'f1a5c0000001',
    ['op.add_column("product", sa.Column("price_cents", sa.Integer))'],
    ['op.drop_column("product", "price_cents")'],
  );
  return { dir: root, remove: () => fs.rmSync(root, { recursive: true, force: true }) };
}

/** Points the application's development URL at `devUrl` (a test's listener that counts connections). */
export function setDevUrl(dir: string, devUrl: string): void {
  const file = path.join(dir, FLASK_APP_FILE);
  const text = fs.readFileSync(file, 'utf8');
  if (!DEV_URL_LINE.test(text)) throw new Error(`${file} has no SQLALCHEMY_DATABASE_URI line to change`);
  fs.writeFileSync(file, text.replace(DEV_URL_LINE, `    app.config["SQLALCHEMY_DATABASE_URI"] = "${devUrl}"`));
}

if (require.main === module) {
  const [dir, python = '/usr/bin/python3'] = process.argv.slice(2);
  if (!dir) {
    process.stderr.write('usage: node out/test/support/flaskMigrateProject.js DIR [PYTHON]\n');
    process.exit(2);
  }
  // Port 9 (discard): nothing listens there; the e2e test points it at its own counting listener.
  flaskMigrateProject(python, 'postgresql://shop:devpass@127.0.0.1:9/shop_dev', path.resolve(dir));
  process.stdout.write(`${path.resolve(dir)}\n`);
}

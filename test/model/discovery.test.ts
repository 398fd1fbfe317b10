// The discovery module's parts on their own: package resources, source roots, content
// classification, where revisions may sit. The whole layouts are tested through the CLI
// (test/cli/layouts.test.ts) and the language server (test/lsp/layouts.test.ts).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readAlembicProject } from '../../server/src/model/alembicConfig';
import {
  alembicRunLocation,
  enclosingProject,
  findProjects,
  inVersionLocations,
} from '../../server/src/model/discovery';
import { isRevisionSource } from '../../server/src/model/revisionContent';
import {
  isPackageResource,
  projectRootOf,
  resolvePackageResource,
  sourceRoots,
} from '../../server/src/model/sourceRoots';

const LAYOUTS = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'layouts');

describe('discovery (model/discovery.ts and its parts)', () => {
  const temps: string[] = [];
  after(() => {
    for (const d of temps) fs.rmSync(d, { recursive: true, force: true });
  });
  const write = (files: Record<string, string>): string => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-discovery-'));
    temps.push(root);
    for (const [name, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
      fs.writeFileSync(path.join(root, name), text);
    }
    return root;
  };

  it("says where Alembic runs: a plain project from alembic.ini's folder, Flask-Migrate's migrations/alembic.ini from the folder above", () => {
    const flask = path.join(LAYOUTS, 'flask-migrate');
    assert.deepEqual(alembicRunLocation(path.join(flask, 'migrations', 'alembic.ini')), {
      projectDir: flask,
      configFile: path.join('migrations', 'alembic.ini'),
    });
    const plain = write({
      'alembic.ini': '[alembic]\nscript_location = %(here)s/migrations\n',
      'migrations/env.py': '',
      'migrations/versions/.keep': '',
    });
    assert.deepEqual(alembicRunLocation(path.join(plain, 'alembic.ini')), {
      projectDir: plain,
      configFile: 'alembic.ini',
    });
    // An ini beside env.py that names its script location is not Flask-Migrate's: it runs from its folder.
    const named = write({ 'db/alembic.ini': '[alembic]\nscript_location = %(here)s\n', 'db/env.py': '' });
    assert.deepEqual(alembicRunLocation(path.join(named, 'db', 'alembic.ini')), {
      projectDir: path.join(named, 'db'),
      configFile: 'alembic.ini',
    });
  });

  it('tells package resources from paths', () => {
    for (const yes of ['mypkg:migrations', 'mypkg.sub:path', 'a.b:c:d', '_pkg:x/y'])
      assert.ok(isPackageResource(yes), yes);
    for (const no of ['migrations', '/abs/path:x', 'C:\\migrations', 'C:/migrations', './a:b', '%(here)s/alembic'])
      assert.ok(!isPackageResource(no), no);
  });

  it('resolves `pkg.sub:path` and `pkg:a:b` (each further colon is a path step, as importlib.resources does)', () => {
    const root = path.join(LAYOUTS, 'src-package');
    const roots = sourceRoots(root);
    assert.ok(roots.includes(path.join(root, 'src')));
    assert.equal(
      resolvePackageResource('ledger.db:migrations', roots),
      path.join(root, 'src', 'ledger', 'db', 'migrations'),
    );
    assert.equal(
      resolvePackageResource('ledger:db:migrations', roots),
      path.join(root, 'src', 'ledger', 'db', 'migrations'),
    );
    assert.equal(resolvePackageResource('nosuchpkg:migrations', roots), undefined);
  });

  it('finds package folders declared in setup.cfg, Poetry and Hatch', () => {
    const cfg = write({
      'setup.cfg': '[metadata]\nname = x\n\n[options]\npackage_dir =\n    =lib\npackages = find:\n',
      'lib/pkg/__init__.py': '',
    });
    assert.ok(sourceRoots(cfg).includes(path.join(cfg, 'lib')));
    const poetry = write({
      'pyproject.toml': '[tool.poetry]\nname = "x"\npackages = [{ include = "pkg", from = "code" }]\n',
      'code/pkg/__init__.py': '',
    });
    assert.ok(sourceRoots(poetry).includes(path.join(poetry, 'code')));
    const hatch = write({
      'pyproject.toml': '[tool.hatch.build.targets.wheel]\npackages = ["python/pkg"]\n',
      'python/pkg/__init__.py': '',
    });
    assert.ok(sourceRoots(hatch).includes(path.join(hatch, 'python')));
  });

  it('[tool.alembic] with a package resource, and a package that is nowhere: a problem naming the folders searched', () => {
    const root = write({
      'pyproject.toml': '[project]\nname = "x"\n\n[tool.alembic]\nscript_location = "app.store:alembic"\n',
      'src/app/store/alembic/env.py': '',
    });
    const project = readAlembicProject(root);
    assert.equal(project?.scriptLocation, path.join(root, 'src', 'app', 'store', 'alembic'));
    assert.deepEqual(project?.problems, []);
    const missing = write({ 'alembic.ini': '[alembic]\nscript_location = ghost:migrations\n' });
    const broken = readAlembicProject(missing);
    assert.match(broken?.problems.join('\n') ?? '', /names the Python package ghost, which is in none of/);
  });

  it('the project root is the nearest folder holding pyproject.toml, setup.cfg, setup.py or .git', () => {
    const root = path.join(LAYOUTS, 'several-projects');
    assert.equal(projectRootOf(path.join(root, 'core', 'alembic')), root);
    assert.equal(
      projectRootOf(path.join(root, 'plugins', 'billing', 'billing', 'migrations')),
      path.join(root, 'plugins', 'billing'),
    );
    const found = findProjects(root).projects.map((p) => [p.kind, path.relative(root, p.projectRoot)]);
    assert.deepEqual(found, [
      ['ini', ''],
      ['ini', ''],
      ['python', path.join('plugins', 'billing')],
    ]);
  });

  it('a revision is a module with top-level `revision` and `down_revision` (annotated or not)', () => {
    assert.ok(isRevisionSource('revision = "a"\ndown_revision = None\n'));
    assert.ok(isRevisionSource('revision: str = "a"\ndown_revision: Union[str, Sequence[str], None] = "b"\n'));
    assert.ok(!isRevisionSource('revision = "a"\n'));
    assert.ok(!isRevisionSource('def f():\n    revision = "a"\n    down_revision = None\n'));
    assert.ok(!isRevisionSource('# revision = "a"\n# down_revision = None\n'));
    assert.ok(!isRevisionSource('if revision == "a" and down_revision == None:\n    pass\n'));
  });

  it('revisions may sit in subfolders of a version location, not in one named for another database', () => {
    const alembic = { versionLocations: ['/p/migrations/versions'] };
    assert.ok(inVersionLocations(alembic, '/p/migrations/versions/a.py'));
    assert.ok(inVersionLocations(alembic, '/p/migrations/versions/2024/a.py'));
    assert.ok(inVersionLocations(alembic, '/p/migrations/versions/postgresql/a.py'));
    for (const other of ['sqlite', 'MySQL', 'mariadb', 'mssql', 'oracle'])
      assert.ok(!inVersionLocations(alembic, `/p/migrations/versions/${other}/a.py`), other);
    assert.ok(!inVersionLocations(alembic, '/p/migrations/versions/__pycache__/a.py'));
    assert.ok(!inVersionLocations(alembic, '/p/migrations/env.py'));
  });

  it('the project around a file: the configuration pointing at it wins over the env.py folder', () => {
    const root = path.join(LAYOUTS, 'root-ini-subfolder');
    const project = enclosingProject(
      path.join(root, 'services', 'db', 'migrations', 'versions', '2024', '0b_shifts.py'),
    );
    assert.equal(project?.kind, 'ini');
    assert.equal(project?.configFile, path.join(root, 'alembic.ini'));
  });
});

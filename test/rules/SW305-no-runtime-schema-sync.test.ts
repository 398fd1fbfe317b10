import * as assert from 'node:assert/strict';
import { defaultConfig } from '../../server/src/config/config';
import { isApplicationFile, lintApplicationFile } from '../../server/src/engine/application';
import rule from '../../server/src/rules/SW305-no-runtime-schema-sync';
import { dedent, engineReady } from '../support/engine';
import { Snapshot } from '../decisions/support';

/** SW305 runs on application code, not revisions: cases go through lintApplicationFile. */
const config = defaultConfig('/project');
const lint = (code: string, file = '/project/app/main.py') =>
  lintApplicationFile(file, dedent(code), config, undefined, { rules: [rule] });

const valid: Array<{ name: string; code: string }> = [
  {
    name: 'schema from Alembic, reflection is fine',
    code: `
    from sqlalchemy import MetaData
    metadata = MetaData()
    metadata.reflect(bind=engine)
    command.upgrade(alembic_cfg, "head")
    `,
  },
  {
    name: 'a repository method named create_all',
    code: `
    class UserRepository:
        def save(self, users):
            self.session.add_all(users)
            return self.bulk.create_all(users)
    `,
  },
];

const invalid: Array<{ name: string; code: string; lines: number[] }> = [
  {
    name: 'declarative Base at start-up (FastAPI)',
    code: `
    from app.db import Base, engine
    app = FastAPI()
    Base.metadata.create_all(bind=engine)
    `,
    lines: [3],
  },
  {
    name: 'SQLModel, Flask-SQLAlchemy and a bare MetaData',
    code: `
    def init_db():
        SQLModel.metadata.create_all(engine)

    with app.app_context():
        db.create_all()

    meta.create_all(engine, checkfirst=True)
    `,
    lines: [2, 5, 7],
  },
  {
    name: 'asyncio: run_sync(Base.metadata.create_all)',
    code: `
    async def lifespan(app):
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        yield
    `,
    lines: [3],
  },
];

describe('SW305 no-runtime-schema-sync', () => {
  before(() => engineReady);
  const snapshot = new Snapshot('SW305');
  describe('valid', () => {
    for (const c of valid)
      it(c.name, () =>
        assert.deepEqual(
          lint(c.code).map((f) => f.message),
          [],
        ),
      );
  });
  describe('invalid', () => {
    for (const c of invalid) {
      it(c.name, () => {
        const findings = lint(c.code);
        snapshot.add(c.name, [{ display: 'app/main.py', text: dedent(c.code), findings }]);
        assert.deepEqual(
          findings.map((f) => f.range.start.line + 1),
          c.lines,
        );
        for (const f of findings)
          assert.match(
            f.message,
            /creates tables from ORM metadata at run time, and the policy forbids automatic schema synchronization/,
          );
      });
    }
  });

  it('highlights the call, not the line', () => {
    const [finding] = lint('Base.metadata.create_all(bind=engine)\n');
    assert.deepEqual([finding.range.start.character, finding.range.end.character], [0, 24]);
  });

  it('application code is what the globs say: tests, migrations and virtual environments are excluded', () => {
    assert.equal(isApplicationFile('/project/app/main.py', config), true);
    assert.equal(isApplicationFile('/project/tests/conftest.py', config), false);
    assert.equal(isApplicationFile('/project/app/test_models.py', config), false);
    assert.equal(isApplicationFile('/project/alembic/env.py', config), false);
    assert.equal(isApplicationFile('/project/migrations/versions/a1.py', config), false);
    assert.equal(isApplicationFile('/project/.venv/lib/site.py', config), false);
    assert.equal(isApplicationFile('/elsewhere/main.py', config), false);
    const tuned = { ...config, applicationGlobs: ['src/**/*.py'], applicationExclude: [] };
    assert.equal(isApplicationFile('/project/app/main.py', tuned), false);
    assert.equal(isApplicationFile('/project/src/tests/conftest.py', tuned), true);
  });

  it('revision rules do not run SW305 on revisions', () => {
    // lintApplicationFile runs only application rules; a revision's lint never reports SW305.
    assert.equal(rule.meta.scope, 'application');
  });
  after(() => snapshot.check());
});

import type { MigrationModel } from '../model/migration';
import type { Span } from '../model/source';
import { everyCall } from '../analysis/calls';
import { defineRule } from './types';

/**
 * Receivers of `create_all` that are SQLAlchemy metadata or a Flask-SQLAlchemy object:
 * `Base.metadata`, `SQLModel.metadata`, `metadata`, `meta`, `db`, `database`.
 */
const SCHEMA_OWNER = /(^|\.)(\w*metadata|meta|db|database|MetaData\(\))$/i;

interface SchemaSync {
  text: string;
  span: Span;
}

/** `X.create_all(...)` calls and `run_sync(Base.metadata.create_all)` references. */
function schemaSyncs(file: MigrationModel): SchemaSync[] {
  const found: SchemaSync[] = [];
  for (const call of everyCall(file)) {
    if (call.method === 'create_all' && SCHEMA_OWNER.test(call.receiver))
      found.push({ text: `${call.callee}(...)`, span: call.calleeSpan });
    for (const arg of [...call.args, ...call.keywords.map((k) => k.value)]) {
      if (
        arg.kind === 'name' &&
        arg.name.endsWith('.create_all') &&
        SCHEMA_OWNER.test(arg.name.slice(0, -'.create_all'.length))
      )
        found.push({ text: arg.name, span: arg.span });
    }
  }
  return found;
}

export default defineRule({
  meta: {
    id: 'SW305',
    name: 'no-runtime-schema-sync',
    severity: 'error',
    scope: 'application',
    readsSql: false,
    policySection: 'Forbidden Items in Phase 2',
    policyClause: 'Automatic schema synchronization from ORM metadata at runtime in production environments.',
    docs: {
      summary: 'Application code must not create the schema from ORM metadata (`metadata.create_all`).',
      whatItDoes:
        "Scans the workspace's application code (Python files matching `application-globs`, minus " +
        '`application-exclude`: tests, migrations and virtual environments by default) for ' +
        '`metadata.create_all(...)` in any spelling: `Base.metadata.create_all(engine)`, ' +
        '`SQLModel.metadata.create_all(engine)`, `db.create_all()` (Flask-SQLAlchemy), and ' +
        '`conn.run_sync(Base.metadata.create_all)` (asyncio).',
      whyBad:
        '`create_all` creates whatever tables the models describe, at start-up, outside Alembic: ' +
        'the database drifts from the revisions, the next migration fails or is skipped, and nobody ' +
        'reviewed the DDL that ran in production.',
      bad: '# app/main.py\napp = FastAPI()\nBase.metadata.create_all(bind=engine)',
      good: '# app/main.py\napp = FastAPI()\n# The schema comes from Alembic: `alembic upgrade head` runs in the deploy pipeline.',
      howToFix:
        'Remove the call and run `alembic upgrade head` when deploying. Tests that need a schema ' +
        'may keep `create_all` in files the configuration excludes (`application-exclude`, by ' +
        'default `**/tests/**` and `test_*.py`).',
      fixSafety: 'none',
    },
  },
  check({ migration, report }) {
    for (const sync of schemaSyncs(migration)) {
      report({
        message: `${sync.text} creates tables from ORM metadata at run time, and the policy forbids automatic schema synchronization.`,
        help: 'Create the schema with Alembic revisions (alembic upgrade head when deploying) instead.',
        span: sync.span,
      });
    }
  },
});

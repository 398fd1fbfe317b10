import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import { writeSyntheticHistory } from '../../bench/synthetic';
import { analyzeOnce } from '../../server/src/engine/analyze';
import { defaultConfig } from '../../server/src/config/config';
import { decodeModel, encodeModel } from '../../server/src/engine/cache/modelCodec';
import { lintProject } from '../../server/src/engine/lint';
import { buildMigrationModel } from '../../server/src/model/buildMigration';
import type { MigrationModel } from '../../server/src/model/migration';
import { createProjectModel } from '../../server/src/model/project';
import { parsePython } from '../../server/src/parse/python';
import { uncachedLibpgQueryAnalyzer, type SqlAnalyzer } from '../../server/src/parse/sql';
import { allRules, ruleById } from '../../server/src/rules';
import type { Rule } from '../../server/src/rules/types';
import { engineReady } from '../support/engine';

/**
 * SQL is parsed when a rule first reads a block's statements or error (model/sqlBlocks.ts), not
 * when the model is built: a run whose rules read no SQL parses none, and a run whose rules do
 * reports what it always did.
 */

const ROOT = '/project';
const FILES: Record<string, string> = {
  'a.py':
    'revision = "a"\ndown_revision = None\n\ndef upgrade():\n' +
    '    op.execute("CREATE TABLE account (id uuid PRIMARY KEY, email text NOT NULL)")\n' +
    '    op.execute(sa.text("UPDATE account SET email = lower(email) WHERE id = :id").bindparams(id=1))\n\n' +
    'def downgrade():\n    op.execute("DROP TABLE account")\n',
  'b.py':
    'revision = "b"\ndown_revision = "a"\n\ndef upgrade():\n' +
    '    op.execute("ALTER TABLE account ADD COLUMN note text,")\n' +
    '    op.execute(f"ALTER TABLE {name} ADD COLUMN x int")\n\ndef downgrade():\n    pass\n',
};

/** libpg-query, counting its parses; on read (as the CLI's `libpgQueryOnRead`) unless told otherwise. */
function counting(onRead = true): { analyzer: SqlAnalyzer; calls: () => number } {
  let calls = 0;
  return {
    analyzer: {
      parse(sql) {
        calls++;
        return uncachedLibpgQueryAnalyzer.parse(sql);
      },
      onRead,
    },
    calls: () => calls,
  };
}

function models(analyzer: SqlAnalyzer): MigrationModel[] {
  return Object.entries(FILES).map(([name, source]) => {
    const tree = parsePython(source);
    try {
      return buildMigrationModel(`${ROOT}/alembic/versions/${name}`, source, tree, analyzer);
    } finally {
      tree.delete();
    }
  });
}

function lint(analyzer: SqlAnalyzer, ids: string[]): string {
  const project = createProjectModel(ROOT, defaultConfig(ROOT), models(analyzer));
  const rules = ids.map((id) => ruleById(id)).filter((r): r is Rule => r !== undefined);
  return JSON.stringify([...lintProject(project, { rules })]);
}

describe('SQL parsed only when a rule reads it', function () {
  this.timeout(60000);
  before(() => engineReady);

  it('parses while building by default (the parse workers share that load), with the same blocks', () => {
    const eager = counting(false);
    const built = models(eager.analyzer);
    assert.equal(eager.calls(), 4, 'every analysable string, while building');
    const lazy = models(counting().analyzer);
    assert.deepEqual(
      JSON.parse(JSON.stringify(lazy.map((m) => m.operations.map((op) => op.sql)))),
      JSON.parse(JSON.stringify(built.map((m) => m.operations.map((op) => op.sql)))),
    );
    assert.equal('error' in (built[0].operations[0].sql ?? {}), false);
  });

  it('builds a model without parsing its SQL, and parses a block once when it is first read', () => {
    const { analyzer, calls } = counting();
    const [a, b] = models(analyzer);
    assert.equal(calls(), 0);
    const sql = a.operations[0].sql;
    assert.ok(sql?.analysable);
    assert.equal(sql.text, 'CREATE TABLE account (id uuid PRIMARY KEY, email text NOT NULL)');
    assert.equal(calls(), 0, 'the text and whether it is analysable are known without parsing');
    assert.equal(sql.statements[0].kind, 'CreateStmt');
    assert.equal(calls(), 1);
    assert.equal(sql.error, undefined);
    assert.equal('error' in sql, false, 'a block without an error has no error key, as before');
    assert.equal(calls(), 1, 'read once, kept');
    // An error read first parses as well; the statements are then there without a second parse.
    const broken = b.operations[0].sql;
    assert.match(broken?.error?.message ?? '', /syntax error/);
    assert.deepEqual(broken?.statements, []);
    assert.equal(calls(), 2);
    // SQL built at run time is never parsed.
    assert.equal(b.operations[1].sql?.analysable, false);
    assert.equal(calls(), 2);
  });

  it('parses nothing for rules that read no SQL, and reports the same as a model parsed up front', () => {
    const lazy = counting();
    const engineWithoutSql = lint(lazy.analyzer, ['SW001', 'SW107', 'SW208']);
    assert.equal(lazy.calls(), 0);
    const eagerModels = models(counting(false).analyzer);
    const eagerProject = createProjectModel(ROOT, defaultConfig(ROOT), eagerModels);
    const rules = ['SW001', 'SW107', 'SW208'].map((id) => ruleById(id) as Rule);
    assert.equal(engineWithoutSql, JSON.stringify([...lintProject(eagerProject, { rules })]));
  });

  it('reports SQL syntax errors (SW000) and the rules that read SQL as before', () => {
    const { analyzer, calls } = counting();
    const report = lint(analyzer, ['SW000', 'SW001', 'SW101', 'SW301']);
    assert.ok(calls() > 0);
    assert.match(report, /SQL syntax error/);
    assert.match(report, /SW001/);
  });

  it('rules marked readsSql: false parse no SQL (the CLI leaves SQL unparsed when only they run)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-lazy-sql-'));
    try {
      writeSyntheticHistory(dir, 120);
      const versions = path.join(dir, 'alembic/versions');
      const files = fs.readdirSync(versions).map((f) => path.join(versions, f));
      const marked = allRules.filter((rule) => rule.meta.readsSql === false);
      assert.ok(marked.length >= 5);
      for (const rule of marked) {
        const { analyzer, calls } = counting();
        const built = files.map((file) => analyzeOnce(file, fs.readFileSync(file, 'utf8'), analyzer));
        lintProject(createProjectModel(dir, defaultConfig(dir), built), { rules: [rule] });
        assert.equal(calls(), 0, `${rule.meta.id} parsed SQL`);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stores and sends an unread block as plain data: the codec and structured clone read it', () => {
    const [a, b] = models(counting().analyzer);
    const decoded = decodeModel(encodeModel(a) as Buffer);
    assert.equal(decoded.operations[0].sql?.statements[0].kind, 'CreateStmt');
    assert.deepEqual(decoded.operations[0].sql?.statements[0].locate(-1), a.operations[0].sql?.statements[0].span);
    const cloned = v8.deserialize(v8.serialize({ sql: b.operations[0].sql })) as {
      sql: (typeof b.operations)[0]['sql'];
    };
    assert.match(cloned.sql?.error?.message ?? '', /syntax error/);
  });
});

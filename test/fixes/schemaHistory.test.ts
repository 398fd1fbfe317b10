import * as assert from 'node:assert/strict';
import { historyBefore } from '../../server/src/analysis/schemaHistory';
import type { ProjectModel } from '../../server/src/model/project';
import { engineReady, project } from '../support/engine';

/**
 * The history a rule reads before an op: every ancestor revision's upgrade ops in graph order,
 * then the earlier ops of the revision itself. A revision with one parent reuses its parent's
 * list when that is known; the answer must not depend on the order the revisions are asked about.
 */

function revision(id: string, parents: string | string[] | null, table: string): string {
  const down =
    parents === null
      ? 'None'
      : Array.isArray(parents)
        ? `(${parents.map((p) => `"${p}"`).join(', ')})`
        : `"${parents}"`;
  return (
    `from alembic import op\nimport sqlalchemy as sa\n\nrevision = "${id}"\ndown_revision = ` +
    `${down}\n\n\ndef upgrade():\n    op.create_table("${table}", sa.Column("id", sa.Integer(), ` +
    `primary_key=True))\n    op.add_column("${table}", sa.Column("note", sa.Text()))\n\n\ndef ` +
    `downgrade():\n    op.drop_table("${table}")\n`
  );
}

// a1 → a2 → { b1 → b2, c1 } → m1 (merge) → m2; and x1 ⇄ x2, a cycle hanging off m2 (x1's parent is x2).
const FILES: Record<string, string> = {
  'alembic/versions/a1.py': revision('a1', null, 't_a1'),
  'alembic/versions/a2.py': revision('a2', 'a1', 't_a2'),
  'alembic/versions/b1.py': revision('b1', 'a2', 't_b1'),
  'alembic/versions/b2.py': revision('b2', 'b1', 't_b2'),
  'alembic/versions/c1.py': revision('c1', 'a2', 't_c1'),
  'alembic/versions/m1.py': revision('m1', ['b2', 'c1'], 't_m1'),
  'alembic/versions/m2.py': revision('m2', 'm1', 't_m2'),
  'alembic/versions/x1.py': revision('x1', 'x2', 't_x1'),
  'alembic/versions/x2.py': revision('x2', 'x1', 't_x2'),
};

/** The tables of the history before each revision's second op, asked in the given order. */
function histories(order: readonly string[]): Map<string, string[]> {
  const built: ProjectModel = project(FILES);
  const out = new Map<string, string[]>();
  for (const id of order) {
    const migration = built.revisions.find((m) => m.revision === id);
    assert.ok(migration, id);
    const view = historyBefore(built, migration, migration.operations[1]);
    const tables: string[] = [];
    for (let i = 0; i < view.length; i++) tables.push(`${view.at(i)?.op.table}${view.at(i)?.current ? '*' : ''}`);
    out.set(id, tables);
  }
  return out;
}

describe('schema history before an op', () => {
  before(() => engineReady);
  const ids = ['a1', 'a2', 'b1', 'b2', 'c1', 'm1', 'm2', 'x1', 'x2'];

  it("lists the ancestors in graph order, then the revision's own earlier ops", () => {
    const got = histories(ids);
    assert.deepEqual(got.get('a1'), ['t_a1*']);
    assert.deepEqual(got.get('b2'), ['t_a1', 't_a1', 't_a2', 't_a2', 't_b1', 't_b1', 't_b2*']);
    // Graph order is Kahn's, ties broken by id: b1 and c1 are ready together, then b2.
    assert.deepEqual(got.get('m2'), [
      't_a1',
      't_a1',
      't_a2',
      't_a2',
      't_b1',
      't_b1',
      't_c1',
      't_c1',
      't_b2',
      't_b2',
      't_m1',
      't_m1',
      't_m2*',
    ]);
    // Revisions in a cycle have no place in the order: their history is their own ops only.
    assert.deepEqual(got.get('x1'), ['t_x1*']);
    assert.deepEqual(got.get('x2'), ['t_x2*']);
  });

  it('gives the same answer whatever order the revisions are asked about', () => {
    const forward = histories(ids);
    assert.deepEqual(histories([...ids].reverse()), forward, 'children first: every list walked');
    assert.deepEqual(histories(['m2', 'a2', 'x2', 'b1', 'm1', 'a1', 'c1', 'x1', 'b2']), forward, 'mixed');
  });
});

// The Revisions view's content: the graph heads first, each branch together, with heads, merges,
// branch points, labels and the applied state from alembic_version.
import * as assert from 'node:assert/strict';
import { buildRevisionRows, sqlRanges } from '../../client/src/runner/revisionRows';
import type { HistoryResult, RevisionInfo } from '../../server/src/runner/helperProtocol';

function info(revision: string, downRevisions: string[], extra: Partial<RevisionInfo> = {}): RevisionInfo {
  return {
    revision,
    downRevisions,
    dependencies: [],
    branchLabels: [],
    path: `/p/versions/${revision}.py`,
    doc: `${revision} message\n\nmore`,
    isHead: false,
    isBase: downRevisions.length === 0,
    isMerge: downRevisions.length > 1,
    isBranchPoint: false,
    ...extra,
  };
}

const linear: HistoryResult = {
  heads: ['0003'],
  revisions: [info('0001', []), info('0002', ['0001']), info('0003', ['0002'], { isHead: true })],
};

// a ─┬─ b ─┐
//    └─ c ─┴─ m ── d
const branched: HistoryResult = {
  heads: ['d'],
  revisions: [
    info('a', [], { isBranchPoint: true }),
    info('b', ['a']),
    info('c', ['a'], { branchLabels: ['audit'] }),
    info('m', ['b', 'c']),
    info('d', ['m'], { isHead: true }),
  ],
};

describe('Revisions view rows', () => {
  it('lists a linear history heads first, state unknown without a database', () => {
    const rows = buildRevisionRows(linear, undefined);
    assert.deepEqual(
      rows.map((r) => r.revision),
      ['0003', '0002', '0001'],
    );
    assert.deepEqual(
      rows.map((r) => r.state),
      ['unknown', 'unknown', 'unknown'],
    );
    assert.equal(rows[0]?.description, '0003 message (head)');
    assert.equal(rows[2]?.description, '0001 message (base)');
    assert.equal(rows[1]?.contextValue, 'revision.unknown');
    assert.match(rows[1]?.tooltip ?? '', /start the database/);
  });

  it('marks current, applied and pending from alembic_version', () => {
    const rows = buildRevisionRows(linear, ['0002']);
    assert.deepEqual(
      rows.map((r) => [r.revision, r.state]),
      [
        ['0003', 'pending'],
        ['0002', 'current'],
        ['0001', 'applied'],
      ],
    );
    assert.equal(rows[1]?.description, '0002 message (current)');
    assert.equal(rows[1]?.contextValue, 'revision.current');
  });

  it('an empty alembic_version (at base) leaves everything pending', () => {
    assert.deepEqual(
      buildRevisionRows(linear, []).map((r) => r.state),
      ['pending', 'pending', 'pending'],
    );
  });

  it('marks merges, branch points and labels, and keeps each branch together', () => {
    const rows = buildRevisionRows(branched, ['b']);
    assert.deepEqual(
      rows.map((r) => r.revision),
      ['d', 'm', 'c', 'b', 'a'],
    );
    const by = new Map(rows.map((r) => [r.revision, r]));
    assert.equal(by.get('m')?.description, 'm message (merge of b + c, pending)');
    assert.equal(by.get('a')?.description, 'a message (base, branch point, applied)');
    assert.equal(by.get('c')?.description, 'c message (@audit, pending)');
    assert.equal(by.get('b')?.state, 'current');
    assert.equal(by.get('d')?.isHead, true);
  });

  it('with two branches applied, both heads are current and their ancestors applied', () => {
    const rows = buildRevisionRows(branched, ['b', 'c']);
    assert.deepEqual(
      rows.map((r) => [r.revision, r.state]),
      [
        ['d', 'pending'],
        ['m', 'pending'],
        ['c', 'current'],
        ['b', 'current'],
        ['a', 'applied'],
      ],
    );
  });

  it('two heads of unmerged branches are both marked head', () => {
    const twoHeads: HistoryResult = {
      heads: ['b', 'c'],
      revisions: [info('a', []), info('b', ['a']), info('c', ['a'])],
    };
    assert.deepEqual(
      buildRevisionRows(twoHeads, undefined)
        .filter((r) => r.isHead)
        .map((r) => r.revision)
        .sort(),
      ['b', 'c'],
    );
  });

  it('offline SQL ranges: parent to revision, from the base for a root, and a merge from the base', () => {
    assert.deepEqual(sqlRanges({ revision: '0002', parents: ['0001'] }), {
      upgrade: '0001:0002',
      downgrade: '0002:0001',
      fromBase: false,
    });
    assert.deepEqual(sqlRanges({ revision: '0001', parents: [] }), {
      upgrade: '0001',
      downgrade: '0001:base',
      fromBase: false,
    });
    assert.deepEqual(sqlRanges({ revision: 'm', parents: ['b', 'c'] }), {
      upgrade: 'm',
      downgrade: 'm:b',
      fromBase: true,
    });
  });
});

import * as assert from 'node:assert/strict';
import { ChunkedMap } from '../../server/src/model/schema/chunkedMap';

/** The replayed schema's persistent map (model/schema/chunkedMap.ts): copies share buckets. */

interface Index {
  name: string;
  table: string;
}

const tableOf = (index: Index): string => index.table;
const sorted = (indexes: Index[]): string[] => indexes.map((i) => i.name).sort();

describe('ChunkedMap', () => {
  it('finds values by group, and a changed copy sees its own changes while the original keeps its own', () => {
    const draft = ChunkedMap.empty<Index>().draft();
    for (let i = 0; i < 500; i++) draft.set(`ix_${i}`, { name: `ix_${i}`, table: `t${i % 7}` });
    const before = draft.build();
    const expected = [...before.values()].filter((i) => i.table === 't3').map((i) => i.name);
    assert.deepEqual(sorted(before.valuesIn('t3', tableOf)), expected.sort());

    // The next revision: one index dropped, one moved to t3, one added (grouped before, so kept).
    const next = before.draft();
    next.delete('ix_3');
    next.set('ix_4', { name: 'ix_4', table: 't3' });
    next.set('ix_new', { name: 'ix_new', table: 't3' });
    const after = next.build();
    assert.deepEqual(
      sorted(after.valuesIn('t3', tableOf)),
      [...expected.filter((n) => n !== 'ix_3'), 'ix_4', 'ix_new'].sort(),
    );
    assert.deepEqual(sorted(before.valuesIn('t3', tableOf)), expected.sort(), 'the original is unchanged');
    assert.deepEqual(after.valuesIn('nowhere', tableOf), []);

    // Writing the draft again after build() copies the bucket: the built map and its groups stay.
    next.set('ix_late', { name: 'ix_late', table: 't3' });
    assert.equal(after.has('ix_late'), false);
    assert.equal(
      after.valuesIn('t3', tableOf).some((i) => i.name === 'ix_late'),
      false,
    );
    assert.equal(
      next
        .build()
        .valuesIn('t3', tableOf)
        .some((i) => i.name === 'ix_late'),
      true,
    );
  });
});

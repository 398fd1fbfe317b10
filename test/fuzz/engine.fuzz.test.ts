import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { engineReady } from '../support/engine';
import { everyRule, lintFuzzed } from './check';
import {
  deeplyNested,
  mutate,
  mutatedFileArbitrary,
  pythonSqlLiteral,
  sqlArbitrary,
  tokenBoundariesWithin,
  type Mutation,
} from './mutations';
import { seedFiles, type SeedFile } from './seeds';
import { fuzzScale, fuzzSeed, ProblemLog } from './settings';

/**
 * Never crash, never corrupt: the parser, the model and every rule over at least 10,000
 * generated or mutated revision files. A problem is an exception escaping the engine, an
 * "Internal error in rule" finding (a rule that threw), or a finding, fix edit or related
 * location whose span is outside its file, reversed, splits a character, or whose range
 * disagrees with the file's LineIndex (see check.ts).
 */
const SEED = fuzzSeed();
const MIN_INPUTS = 10_000;

describe('engine fuzz: never crash, never corrupt', function () {
  this.timeout(600_000);
  let seeds: SeedFile[] = [];
  let inputs = 0;

  before(async () => {
    await engineReady;
    seeds = seedFiles();
    console.log(
      `      fuzz seed ${SEED} (FUZZ_SEED=${SEED} replays this run); ${everyRule.length} rules: ${everyRule.map((r) => r.meta.id).join(' ')}`,
    );
  });

  /** Lints every input, logging problems; fails with the distinct problems found. */
  function lintAll(label: string, cases: Iterable<{ source: string; describe: () => string }>): void {
    const log = new ProblemLog();
    for (const c of cases) {
      inputs++;
      log.add(lintFuzzed(c.source).problems, c.describe);
    }
    assert.equal(log.size, 0, `${label}: ${log.size} distinct problem(s)\n${log.report()}`);
  }

  it('lints every seed revision as it is', () => {
    lintAll(
      'seeds',
      seeds.map((s) => ({ source: s.source, describe: () => s.name })),
    );
    assert.ok(seeds.length >= 20, `${seeds.length} seeds`);
  });

  it('survives truncation of every seed at every token boundary (also inside SQL strings)', () => {
    function* cuts(): Generator<{ source: string; describe: () => string }> {
      for (const seed of seeds) {
        for (const at of tokenBoundariesWithin(seed.source))
          yield { source: seed.source.slice(0, at), describe: () => `${seed.name} cut at offset ${at}` };
      }
    }
    const before = inputs;
    lintAll('truncations', cuts());
    assert.ok(inputs - before > 3000, `${inputs - before} truncations`);
  });

  it('survives CRLF, lone CR, tab indentation, NUL and invalid UTF-8 versions of every seed', () => {
    const whole: Mutation[][] = [
      [{ kind: 'crlf' }],
      [{ kind: 'loneCr' }],
      [{ kind: 'tabs' }],
      [{ kind: 'tabs' }, { kind: 'crlf' }],
      [
        { kind: 'nul', at: 0 },
        { kind: 'nul', at: 400 },
        { kind: 'nul', at: 1_000_000 },
      ],
      [
        { kind: 'rawBytes', at: 300, bytes: [0xff, 0xfe, 0xc3] },
        { kind: 'rawBytes', at: 900, bytes: [0xe2, 0x82] },
        { kind: 'rawBytes', at: 99_999, bytes: [0xf0, 0x9f, 0x98] },
      ],
    ];
    lintAll(
      'whole-file variants',
      seeds.flatMap((seed) =>
        whole.map((mutations) => ({
          source: mutate(seed.source, mutations),
          describe: () => `${seed.name} with ${JSON.stringify(mutations)}`,
        })),
      ),
    );
  });

  it('survives SQL mutations inside op.execute(…) in every Python string form', () => {
    const template = seeds.find((s) => s.name.includes('0004_touch_updated_at')) ?? seeds[0];
    const runs = Math.round(1500 * fuzzScale());
    fc.assert(
      fc.property(sqlArbitrary, fc.nat({ max: 6 }), fc.nat(), (sql, form, line) => {
        inputs++;
        const source = mutate(template.source, [{ kind: 'sqlExecute', line, sql, form }]);
        const { problems } = lintFuzzed(source);
        assert.deepEqual(problems, [], `op.execute(${pythonSqlLiteral(sql, form)}) in ${template.name}`);
      }),
      { seed: SEED, numRuns: runs },
    );
  });

  it('survives calls, containers and method chains nested 5,000 levels deep', () => {
    const shapes: Array<[string, string]> = [
      ['f(', ')'],
      ['(', ')'],
      ['[', ']'],
      ['{1: ', '}'],
      ['sa.text(', ')'],
      ['op.execute(', ')'],
      ['f(x=', ')'],
      ['-', ''],
      ['not ', ''],
      ['lambda: ', ''],
    ];
    const chain = (link: string): string =>
      `from alembic import op\n\n\ndef upgrade():\n    q${link.repeat(5000)}.execute("SELECT 1")\n`;
    lintAll('deep nesting', [
      ...shapes.map(([open, close]) => ({
        source: deeplyNested(5000, open, close),
        describe: () => `${open}…${close} 5,000 deep`,
      })),
      { source: chain('.f()'), describe: () => 'q.f().f()… 5,000 links' },
      { source: chain('()'), describe: () => 'q()()()… 5,000 calls' },
      { source: chain('.a'), describe: () => 'q.a.a.a… 5,000 attributes' },
      { source: chain('[0]'), describe: () => 'q[0][0]… 5,000 subscripts' },
      {
        source: `from alembic import op\n\n\ndef upgrade():\n    op.execute(${'"a" '.repeat(5000)})\n`,
        describe: () => '5,000 concatenated literals',
      },
    ]);
  });

  it('survives one 10 MB revision file', () => {
    let big = '';
    for (let i = 0; big.length < 10 * 1024 * 1024; i++) big += seeds[i % seeds.length].source + '\n';
    const started = Date.now();
    lintAll('10 MB file', [{ source: big, describe: () => `${big.length} characters of concatenated seeds` }]);
    const seconds = (Date.now() - started) / 1000;
    console.log(`      10 MB file: ${seconds.toFixed(1)} s`);
    // Linear work is ~30 s here on 2 busy cores; the quadratic containment tests of
    // buildMigration (tree-sitter getters per call × function × with) took many minutes.
    assert.ok(seconds < 120, `the 10 MB file took ${seconds.toFixed(0)} s`);
  });

  it('survives random mutations of the seeds (truncate, delete, insert, stray indentation, bytes, NUL, huge literals, SQL)', () => {
    // Whatever the runs above did not reach of the 10,000, at least 3,000.
    const runs = Math.round(Math.max(3000, MIN_INPUTS - inputs) * fuzzScale());
    fc.assert(
      fc.property(mutatedFileArbitrary(seeds.length), ({ seed, mutations }) => {
        inputs++;
        const { problems } = lintFuzzed(mutate(seeds[seed].source, mutations));
        assert.deepEqual(problems, [], `${seeds[seed].name} mutated`);
      }),
      { seed: SEED, numRuns: runs },
    );
  });

  it(`linted at least ${MIN_INPUTS.toLocaleString('en')} inputs`, () => {
    console.log(`      ${inputs} inputs linted with ${everyRule.length} rules`);
    assert.ok(inputs >= MIN_INPUTS, `${inputs} inputs`);
  });
});

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { analyzeOnce } from '../../server/src/engine/analyze';
import { applyEdits } from '../../server/src/fixes/applyEdits';
import type { Finding } from '../../server/src/rules/types';
import { dedent, engineReady } from '../support/engine';
import { everyRule, FUZZ_PATH, lintFuzzed } from './check';
import { FIX_TRIGGERS, mutate, mutatedFileArbitrary, type Mutation } from './mutations';
import { compileWithCPython, pythonAvailable } from './python';
import { REPO_ROOT, seedFiles } from './seeds';
import { fuzzScale, fuzzSeed, ProblemLog } from './settings';

/**
 * Every fix re-parses and is idempotent. For each finding with fixes, on valid realistic inputs
 * (the seeds, every Python snippet of the rule tests, seeds with statements rules fix) and on the
 * fuzz corpus: each fix is applied alone and must not add tree-sitter syntax errors; where the
 * input compiled with CPython, the fixed text must too (py_compile, batched); and applying the
 * first fix of every finding of one rule, then that rule's fixes again, changes nothing.
 */
const SEED = fuzzSeed();
const LONE_CR = /\r(?!\n)/;

interface Input {
  label: string;
  source: string;
}

interface AppliedFix {
  label: string;
  ruleId: string;
  title: string;
  before: string;
  after: string;
}

/** The Python template literals (without interpolation) of test/rules/*.test.ts. */
function ruleTestSnippets(): Input[] {
  const dir = path.join(REPO_ROOT, 'test/rules');
  const snippets: Input[] = [];
  for (const file of fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.test.ts'))
    .sort()) {
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    for (const match of text.matchAll(/`((?:\\[\s\S]|[^`\\])*)`/g)) {
      const body = match[1];
      if (body.includes('${') || !/\bdef \w+\(|\bop\.\w+\(/.test(body)) continue;
      // The literal's value, escapes processed: it is our own test source, without interpolation.
      const value = new Function(`return \`${body}\`;`)() as string;
      snippets.push({ label: `${file} literal at offset ${match.index}`, source: dedent(value) });
    }
  }
  return snippets;
}

function firstLineDiff(before: string, after: string): string {
  const a = before.split('\n');
  const b = after.split('\n');
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return `line ${i + 1}: ${JSON.stringify(a.slice(i, i + 2).join('\n'))} → ${JSON.stringify(b.slice(i, i + 3).join('\n'))}`;
}

describe('fix fuzz: every fix re-parses (tree-sitter and CPython) and is idempotent', function () {
  this.timeout(600_000);
  let fixesChecked = 0;
  let inputsChecked = 0;

  before(async function () {
    await engineReady;
    if (!pythonAvailable())
      throw new Error('python3 is needed to check fixes with py_compile (scripts/setup-python.sh)');
    console.log(`      fuzz seed ${SEED} (FUZZ_SEED=${SEED} replays this run)`);
  });

  /** Applies every fix of every finding of each input; returns the fixes to compile with CPython. */
  function checkFixes(inputs: readonly Input[], log: ProblemLog): AppliedFix[] {
    const applied: AppliedFix[] = [];
    for (const input of inputs) {
      inputsChecked++;
      const outcome = lintFuzzed(input.source);
      const findings = outcome.findings.get(FUZZ_PATH) ?? [];
      const errorsBefore = outcome.project.byPath.get(FUZZ_PATH)?.syntaxErrors.length ?? 0;
      const firstFixes = new Map<string, Finding[]>();
      for (const finding of findings) {
        if (finding.fixes.length) firstFixes.set(finding.ruleId, [...(firstFixes.get(finding.ruleId) ?? []), finding]);
        for (const fix of finding.fixes) {
          fixesChecked++;
          const describe = () => `${input.label}: ${finding.message.slice(0, 100)}`;
          const result = applyEdits(input.source, fix.edits);
          if (result.skipped)
            log.add(
              [
                `${finding.ruleId} fix "${fix.title}": ${result.skipped} of its ${fix.edits.length} edits overlap or fall outside the file`,
              ],
              describe,
            );
          const errorsAfter = analyzeOnce(FUZZ_PATH, result.text).syntaxErrors.length;
          // tree-sitter does not break lines at a lone CR (CPython does): there only CPython judges.
          if (errorsAfter > errorsBefore && !LONE_CR.test(input.source))
            log.add(
              [
                `${finding.ruleId} fix "${fix.title}" adds syntax errors (${errorsBefore} → ${errorsAfter}): ${firstLineDiff(input.source, result.text)}`,
              ],
              describe,
            );
          applied.push({
            label: input.label,
            ruleId: finding.ruleId,
            title: fix.title,
            before: input.source,
            after: result.text,
          });
        }
      }
      for (const [ruleId, list] of firstFixes) {
        const rule = everyRule.find((r) => r.meta.id === ruleId);
        if (!rule) continue;
        const once = applyEdits(
          input.source,
          list.flatMap((f) => f.fixes[0].edits),
        );
        if (once.skipped) continue; // overlapping fixes are left for a second pass by design
        // The same rules as the first pass: a rule leaves a root cause to the rule that owns it when
        // that rule runs (SW205 to SW204), so linting with it alone would ask a different question.
        const again = (lintFuzzed(once.text, everyRule).findings.get(FUZZ_PATH) ?? []).filter(
          (f) => f.ruleId === ruleId,
        );
        const twice = applyEdits(
          once.text,
          again.flatMap((f) => f.fixes.slice(0, 1).flatMap((fix) => fix.edits)),
        ).text;
        if (twice !== once.text)
          log.add(
            [`${ruleId} fix is not idempotent: fixing again changes ${firstLineDiff(once.text, twice)}`],
            () => input.label,
          );
      }
    }
    return applied;
  }

  /** Where the text before the fix compiled with CPython, the text after must compile too. */
  function compileFixed(applied: readonly AppliedFix[], log: ProblemLog): void {
    const befores = [...new Set(applied.map((a) => a.before))];
    const beforeErrors = new Map(compileWithCPython(befores).map((error, i) => [befores[i], error]));
    const candidates = applied.filter((a) => beforeErrors.get(a.before) === undefined);
    const afterErrors = compileWithCPython(candidates.map((a) => a.after));
    candidates.forEach((a, i) => {
      const error = afterErrors[i];
      if (error !== undefined)
        log.add(
          [`${a.ruleId} fix "${a.title}" breaks CPython compilation: ${error}; ${firstLineDiff(a.before, a.after)}`],
          () => a.label,
        );
    });
  }

  function run(label: string, inputs: readonly Input[]): void {
    const log = new ProblemLog();
    compileFixed(checkFixes(inputs, log), log);
    assert.equal(log.size, 0, `${label}: ${log.size} distinct problem(s)\n${log.report()}`);
  }

  it('on the seed revisions and every Python snippet of the rule tests', () => {
    const snippets = ruleTestSnippets();
    assert.ok(snippets.length > 100, `${snippets.length} snippets`);
    run('seeds and rule-test snippets', [
      ...seedFiles().map((s) => ({ label: s.name, source: s.source })),
      ...snippets,
    ]);
  });

  it('on valid seeds with statements the rules fix, inserted into each function', () => {
    const inputs: Input[] = [];
    for (const seed of seedFiles()) {
      FIX_TRIGGERS.forEach((text, i) =>
        inputs.push({
          label: `${seed.name} + ${JSON.stringify(text)}`,
          source: mutate(seed.source, [{ kind: 'statement', line: i, text }]),
        }),
      );
    }
    run('seeds with fix triggers', inputs);
  });

  it('on the fuzz corpus (mutated seeds)', () => {
    const seeds = seedFiles();
    const samples = fc.sample(mutatedFileArbitrary(seeds.length), {
      seed: SEED,
      numRuns: Math.round(1500 * fuzzScale()),
    });
    const describe = (seed: number, mutations: Mutation[]) =>
      `${seeds[seed].name} with ${JSON.stringify(mutations).slice(0, 400)}`;
    run(
      'fuzz corpus',
      samples.map(({ seed, mutations }) => ({
        label: describe(seed, mutations),
        source: mutate(seeds[seed].source, mutations),
      })),
    );
  });

  it('checked fixes at all', () => {
    console.log(`      ${fixesChecked} fixes on ${inputsChecked} inputs`);
    assert.ok(fixesChecked > 500, `${fixesChecked} fixes`);
  });
});

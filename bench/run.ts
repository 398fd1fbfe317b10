import * as fs from 'node:fs';
import * as path from 'node:path';
import { compareSqlParsers } from './sqlParsers';
import type { Figure } from './figures';
import { figure } from './figures';
import { lintBenchmarks } from './lint.bench';

/**
 * `npm run bench`: every performance figure beside its budget from the issues, one table, and
 * bench/results.json as {"figures":[{name,value,unit,budget,ok}]}. Budgets are checked here,
 * never in tests. A suite that cannot run (e.g. no PostgreSQL) is reported, not hidden.
 */
type Suite = { name: string; run: () => Promise<Figure[]> | Figure[] };

const suites: Suite[] = [
  { name: 'lint', run: lintBenchmarks },
  {
    name: 'sql parsers (decision 0001)',
    run: async () => {
      const r = await compareSqlParsers();
      return [
        figure(`libpg-query: statements parsed of ${r.total}`, r.libpgQueryParsed, 'statements', null),
        figure(`pgsql-ast-parser: statements parsed of ${r.total}`, r.pgsqlAstParsed, 'statements', null),
        figure('libpg-query parse time per statement', r.libpgQueryMicrosPerStatement, 'µs', null),
        figure('pgsql-ast-parser parse time per statement', r.pgsqlAstMicrosPerStatement, 'µs', null),
      ];
    },
  },
];

for (const optional of ['cache.bench', 'lsp.bench', 'runner.bench']) {
  const file = path.join(__dirname, `${optional}.js`);
  if (fs.existsSync(file)) {
    const mod = require(file) as { benchmarks?: () => Promise<Figure[]> };
    if (mod.benchmarks) suites.push({ name: optional.replace('.bench', ''), run: mod.benchmarks });
  }
}

async function main(): Promise<void> {
  const figures: Figure[] = [];
  const failures: string[] = [];
  for (const suite of suites) {
    process.stderr.write(`bench: ${suite.name}…\n`);
    try {
      figures.push(...(await suite.run()));
    } catch (err) {
      failures.push(`${suite.name}: ${(err as Error).message}`);
    }
  }
  const rows = figures.map((f) => [
    f.ok ? 'ok ' : 'OVER',
    f.name,
    `${f.value} ${f.unit}`,
    f.budget === null ? '—' : `≤ ${f.budget} ${f.unit}`,
  ]);
  const widths = [4, ...[1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i].length), 6))];
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  console.log(line(['', 'figure', 'value', 'budget']));
  for (const row of rows) console.log(line(row));
  for (const failure of failures) console.log(`could not run: ${failure}`);
  const results = path.resolve(__dirname, '../../bench/results.json');
  fs.writeFileSync(
    results,
    JSON.stringify(
      { figures: figures.map(({ name, value, unit, budget, ok }) => ({ name, value, unit, budget, ok })) },
      null,
      2,
    ) + '\n',
  );
  console.log(
    `\n${figures.filter((f) => f.ok).length} of ${figures.length} figures within budget; written to bench/results.json`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

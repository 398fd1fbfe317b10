import { parse as parsePgsqlAst } from 'pgsql-ast-parser';
import { initSqlParser, uncachedLibpgQueryAnalyzer as libpgQueryAnalyzer } from '../server/src/parse/sql';
import { MIGRATION_SQL } from './sqlCorpus';

/**
 * The measurement behind decision record 0001: how many real migration SQL strings each parser
 * reads, and how fast. pgsql-ast-parser is given the same placeholder-free text as libpg-query.
 */
export interface ParserComparison {
  total: number;
  libpgQueryParsed: number;
  pgsqlAstParsed: number;
  pgsqlAstFailures: string[];
  libpgQueryMicrosPerStatement: number;
  pgsqlAstMicrosPerStatement: number;
}

export async function compareSqlParsers(rounds = 200): Promise<ParserComparison> {
  await initSqlParser();
  const texts = MIGRATION_SQL.map((e) => e.sql.replace(/%\((\w+)\)s|:([A-Za-z_]\w*)/g, '$1'));
  let libpgQueryParsed = 0;
  let pgsqlAstParsed = 0;
  const pgsqlAstFailures = new Set<string>();
  MIGRATION_SQL.forEach((entry, i) => {
    if (!libpgQueryAnalyzer.parse(entry.sql).error) libpgQueryParsed++;
    try {
      parsePgsqlAst(texts[i]);
      pgsqlAstParsed++;
    } catch {
      pgsqlAstFailures.add(entry.feature);
    }
  });
  const time = (fn: () => void): number => {
    const start = process.hrtime.bigint();
    for (let r = 0; r < rounds; r++) fn();
    return Number(process.hrtime.bigint() - start) / 1000 / rounds / texts.length;
  };
  const libpgQueryMicrosPerStatement = time(() => {
    for (const e of MIGRATION_SQL) libpgQueryAnalyzer.parse(e.sql);
  });
  const pgsqlAstMicrosPerStatement = time(() => {
    for (const t of texts) {
      try {
        parsePgsqlAst(t);
      } catch {
        /* counted above */
      }
    }
  });
  return {
    total: texts.length,
    libpgQueryParsed,
    pgsqlAstParsed,
    pgsqlAstFailures: [...pgsqlAstFailures],
    libpgQueryMicrosPerStatement,
    pgsqlAstMicrosPerStatement,
  };
}

if (require.main === module) {
  compareSqlParsers().then((r) => console.log(JSON.stringify(r, null, 2)));
}

import { initPythonParser, parsePython, type SyntaxTree } from '../parse/python';
import { initSqlParser, libpgQueryAnalyzer, type SqlAnalyzer } from '../parse/sql';
import { buildMigrationModel } from '../model/buildMigration';
import type { MigrationModel } from '../model/migration';

/** Loads both WASM parsers. Call once before analysing; later calls are free. */
export async function initEngine(): Promise<void> {
  await Promise.all([initPythonParser(), initSqlParser()]);
}

export interface AnalyzedFile {
  model: MigrationModel;
  /** Keep it to re-parse incrementally after an edit (`tree.edit(...)` first); `delete()` when done. */
  tree: SyntaxTree;
}

/** Parses one Python file into its migration model. Never throws on any text. */
export function analyzeSource(path: string, source: string, previousTree?: SyntaxTree): AnalyzedFile {
  const tree = parsePython(source, previousTree);
  return { model: buildMigrationModel(path, source, tree), tree };
}

/** Parses and builds the model, freeing the syntax tree (for batch use such as the CLI). */
export function analyzeOnce(path: string, source: string, sql: SqlAnalyzer = libpgQueryAnalyzer): MigrationModel {
  const tree = parsePython(source);
  try {
    return buildMigrationModel(path, source, tree, sql);
  } finally {
    tree.delete();
  }
}

import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * What a project's `env.py` sets for every migration, read statically (never run): rules that ask
 * each revision for a setting accept it project-wide when `env.py` already makes it.
 */
export interface EnvScriptSettings {
  /**
   * `env.py` sets `lock_timeout` on the migration connection: a `SET [LOCAL|SESSION] lock_timeout`
   * it executes, `set_config('lock_timeout', …)`, `-c lock_timeout=…` in the libpq `options` of its
   * connect args, or `"lock_timeout": …` in a driver's server settings.
   */
  setsLockTimeout: boolean;
  /** The same for `statement_timeout` (SW603 asks it where a statement reads a whole table under its lock). */
  setsStatementTimeout: boolean;
  /**
   * `env.py` runs the migrations inside a transaction it began itself (`with engine.begin() as
   * connection:` or `connection.begin()` around `context.run_migrations()`): Alembic cannot end it,
   * so `autocommit_block()` and CONCURRENTLY operations fail at run time. The 1-based line of the begin.
   */
  outerTransactionLine?: number;
}

const LOCK_TIMEOUT_SETTINGS = [
  /\bSET\s+(?:LOCAL\s+|SESSION\s+)?lock_timeout\b/i,
  /\bset_config\s*\(\s*['"]lock_timeout['"]/i,
  /-c\s*lock_timeout\s*=/i,
  /['"]lock_timeout['"]\s*:/,
];

const STATEMENT_TIMEOUT_SETTINGS = LOCK_TIMEOUT_SETTINGS.map(
  (pattern) => new RegExp(pattern.source.replace('lock_timeout', 'statement_timeout'), pattern.flags),
);

/** Reads the settings from the text of an `env.py`; comments do not count. */
export function envScriptSettingsOf(text: string): EnvScriptSettings {
  const code = text
    .split(/\r?\n/)
    .filter((line) => !/^\s*#/.test(line))
    .join('\n');
  return {
    setsLockTimeout: LOCK_TIMEOUT_SETTINGS.some((pattern) => pattern.test(code)),
    setsStatementTimeout: STATEMENT_TIMEOUT_SETTINGS.some((pattern) => pattern.test(code)),
    outerTransactionLine: outerTransactionLine(text),
  };
}

/**
 * The line of a `.begin()` of env.py's own (not Alembic's `context.begin_transaction()`) that is
 * still open where `run_migrations()` is called: a `with X.begin()` block holding the call, or a
 * `trans = X.begin()` before it in the same function. Comments and strings are not told apart
 * from code beyond whole comment lines: a guess on purpose narrow, as the rule it feeds is an error.
 */
function outerTransactionLine(text: string): number | undefined {
  const lines = text.split(/\r?\n/);
  const indentOf = (line: string): number => /^\s*/.exec(line)![0].length;
  const begins: Array<{ line: number; indent: number; block: boolean }> = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/^\s*#/.test(line) || line.trim() === '') continue;
    const indent = indentOf(line);
    // Leaving a block (or a function) ends what was begun in it.
    while (begins.length && indent <= begins[begins.length - 1].indent && begins[begins.length - 1].block) begins.pop();
    if (/^\s*def\s/.test(line)) begins.length = 0;
    const withBegin = /^\s*(?:async\s+)?with\s+(?!context\.)[\w.]+(?:\(\))?\.begin\(\)/.exec(line);
    if (withBegin) begins.push({ line: i + 1, indent, block: true });
    else if (/^\s*\w+\s*=\s*(?!context\.)[\w.]+\.begin\(\)\s*$/.test(line))
      begins.push({ line: i + 1, indent: -1, block: false });
    if (/\brun_migrations\s*\(/.test(line) && !/^\s*def\s/.test(line) && begins.length) return begins[0].line;
  }
  return undefined;
}

/** The settings of `<scriptLocation>/env.py`; undefined when there is none or it cannot be read. */
export function readEnvScript(scriptLocation: string): EnvScriptSettings | undefined {
  try {
    return envScriptSettingsOf(fs.readFileSync(path.join(scriptLocation, 'env.py'), 'utf8'));
  } catch {
    return undefined;
  }
}

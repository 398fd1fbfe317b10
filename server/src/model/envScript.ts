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
}

const LOCK_TIMEOUT_SETTINGS = [
  /\bSET\s+(?:LOCAL\s+|SESSION\s+)?lock_timeout\b/i,
  /\bset_config\s*\(\s*['"]lock_timeout['"]/i,
  /-c\s*lock_timeout\s*=/i,
  /['"]lock_timeout['"]\s*:/,
];

/** Reads the settings from the text of an `env.py`; comments do not count. */
export function envScriptSettingsOf(text: string): EnvScriptSettings {
  const code = text
    .split(/\r?\n/)
    .filter((line) => !/^\s*#/.test(line))
    .join('\n');
  return { setsLockTimeout: LOCK_TIMEOUT_SETTINGS.some((pattern) => pattern.test(code)) };
}

/** The settings of `<scriptLocation>/env.py`; undefined when there is none or it cannot be read. */
export function readEnvScript(scriptLocation: string): EnvScriptSettings | undefined {
  try {
    return envScriptSettingsOf(fs.readFileSync(path.join(scriptLocation, 'env.py'), 'utf8'));
  } catch {
    return undefined;
  }
}

// Which Python runs Alembic: the user's own, in this order: the schemaWarden.python setting (or
// --python), a .venv or venv at the project root (what `alembic` run there would use once the
// environment is activated), the Python extension's selected interpreter (in the editor), then
// python3 on PATH.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface PythonChoice {
  python: string;
  /** Where the choice came from, for messages ("from the workspace .venv"). */
  source: string;
}

export interface PythonDiscoveryOptions {
  /** The schemaWarden.python setting or the CLI's --python. */
  configured?: string | undefined;
  /** Where `configured` came from, for messages (default: the schemaWarden.python setting). */
  configuredSource?: string | undefined;
  /** The Python extension's active interpreter, when the editor knows it. */
  activeInterpreter?: string | undefined;
  workspaceDir?: string | undefined;
}

export function discoverPython(options: PythonDiscoveryOptions): PythonChoice {
  if (options.configured)
    return { python: options.configured, source: options.configuredSource ?? 'the schemaWarden.python setting' };
  const venv = projectVenv(options.workspaceDir);
  if (venv) return venv;
  if (options.activeInterpreter)
    return { python: options.activeInterpreter, source: "the Python extension's selected interpreter" };
  return { python: 'python3', source: 'python3 on PATH' };
}

/** <dir>/.venv/bin/python or <dir>/venv/bin/python, when one exists. */
export function projectVenv(dir: string | undefined): PythonChoice | undefined {
  if (!dir) return undefined;
  for (const venv of ['.venv', 'venv']) {
    const candidate = path.join(dir, venv, 'bin', 'python');
    if (fs.existsSync(candidate)) return { python: candidate, source: `the project's ${venv}` };
  }
  return undefined;
}

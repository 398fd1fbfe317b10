// Which Python runs Alembic: the user's own, in this order: the schemaWarden.python setting (or
// --python), the Python extension's active interpreter, the workspace's .venv, then python3.
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
  /** The Python extension's active interpreter, when the editor knows it. */
  activeInterpreter?: string | undefined;
  workspaceDir?: string | undefined;
}

export function discoverPython(options: PythonDiscoveryOptions): PythonChoice {
  if (options.configured) return { python: options.configured, source: 'the schemaWarden.python setting' };
  if (options.activeInterpreter)
    return { python: options.activeInterpreter, source: "the Python extension's active interpreter" };
  if (options.workspaceDir) {
    for (const venv of ['.venv', 'venv']) {
      const candidate = path.join(options.workspaceDir, venv, 'bin', 'python');
      if (fs.existsSync(candidate)) return { python: candidate, source: `the workspace ${venv}` };
    }
  }
  return { python: 'python3', source: 'python3 on PATH' };
}

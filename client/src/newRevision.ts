import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

/** The interpreter that runs Alembic: the `schemaWarden.python` setting, the project's `.venv`, or python3. */
export function pythonFor(folder: string, setting: string | null | undefined): string {
  if (setting) return path.isAbsolute(setting) ? setting : path.resolve(folder, setting);
  for (const candidate of [
    path.join(folder, '.venv', 'bin', 'python'),
    path.join(folder, '.venv', 'Scripts', 'python.exe'),
    path.join(folder, 'venv', 'bin', 'python'),
  ]) {
    if (fs.existsSync(candidate)) return candidate;
  }
  return process.platform === 'win32' ? 'python' : 'python3';
}

/** Alembic prints `Generating /abs/path/versions/abc_message.py ...  done`. */
export function generatedFile(output: string): string | undefined {
  return /Generating\s+(.+?\.py)\b/.exec(output)?.[1];
}

/**
 * Runs the project's own `alembic revision -m MESSAGE` (its script.py.mako, its hooks) with an
 * argument array — no shell, so a message with quotes or `;` is just a message — and returns the
 * new file.
 */
export function runAlembicRevision(
  python: string,
  iniFile: string,
  message: string,
  log: vscode.LogOutputChannel,
): Promise<string> {
  const args = ['-m', 'alembic', '-c', iniFile, 'revision', '-m', message];
  log.info(`Running ${python} ${args.map((a) => JSON.stringify(a)).join(' ')}`);
  return new Promise((resolve, reject) => {
    execFile(
      python,
      args,
      { cwd: path.dirname(iniFile), timeout: 60_000, windowsHide: true },
      (error, stdout, stderr) => {
        if (stdout) log.info(stdout.trimEnd());
        if (stderr) log.warn(stderr.trimEnd());
        const file = generatedFile(`${stdout}\n${stderr}`);
        if (error)
          return reject(new Error(`alembic revision failed: ${stderr.trim().split('\n').pop() || error.message}`));
        if (!file) return reject(new Error('alembic revision ran but did not say which file it generated'));
        resolve(path.resolve(path.dirname(iniFile), file));
      },
    );
  });
}

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
 * `alembic -c INI revision -m MESSAGE`, run through Alembic's own entry point; a project without
 * `script.py.mako` (it is optional for running migrations) gets Alembic's default template
 * (templates/generic) instead of a FileNotFoundError. Works with Alembic 1.8 (str paths) and 1.16+
 * (pathlib paths): the replacement keeps the type it was given.
 */
const REVISION_WITH_DEFAULT_TEMPLATE = `
import os, sys
import alembic
from alembic.config import main
from alembic.script import ScriptDirectory
ini, message = sys.argv[1], sys.argv[2]
generic = os.path.join(os.path.dirname(alembic.__file__), "templates", "generic", "script.py.mako")
original = ScriptDirectory._generate_template
def generate(self, src, dest, **kw):
    if os.path.basename(str(src)) == "script.py.mako" and not os.path.exists(src):
        sys.stderr.write("schema-warden: no script.py.mako in %s; using Alembic's default template\\n" % os.path.dirname(str(src)))
        src = type(src)(generic)
    return original(self, src, dest, **kw)
ScriptDirectory._generate_template = generate
main(prog="alembic", argv=["-c", ini, "revision", "-m", message])
`;

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
  const args = ['-c', REVISION_WITH_DEFAULT_TEMPLATE, iniFile, message];
  log.info(
    `Running alembic -c ${JSON.stringify(iniFile)} revision -m ${JSON.stringify(message)} with ${python} ` +
      `(Alembic's default template when the project has no script.py.mako)`,
  );
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

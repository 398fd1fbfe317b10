import * as fs from 'node:fs';

/**
 * Whether a Python file is an Alembic revision, judged by its content as Alembic judges it: a
 * module with top-level `revision` and `down_revision` assignments (annotated or not). `env.py`,
 * helper modules, `__init__.py` and templates have neither, wherever they sit.
 */
const TOP_LEVEL_REVISION = /^revision[ \t]*(?::[^=\n]*)?=(?!=)/m;
const TOP_LEVEL_DOWN_REVISION = /^down_revision[ \t]*(?::[^=\n]*)?=(?!=)/m;

export function isRevisionSource(text: string): boolean {
  return TOP_LEVEL_REVISION.test(text) && TOP_LEVEL_DOWN_REVISION.test(text);
}

/**
 * Reads a file and says whether it is a revision. A file that cannot be read counts as one, so
 * that loading it later reports why it could not be read instead of it silently disappearing.
 */
export function isRevisionFile(file: string): boolean {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return true;
  }
  return isRevisionSource(text);
}

/** What the CLI says about a file named on the command line that is not a revision. */
export function notARevision(display: string): string {
  return `${display} is not an Alembic revision (no top-level \`revision\` and \`down_revision\` assignments): not linted.`;
}

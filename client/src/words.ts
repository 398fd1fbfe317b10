// Words the editor shows, kept apart from VS Code (tested with plain mocha): the one way the
// status item and "Lint workspace" count, and the runner's setup messages with the settings that
// change things in the editor instead of the CLI's flags.

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** "3 revisions, 1 error, 2 warnings": the status item and *Lint workspace* say it the same way. */
export function countText(counts: { files: number; errors: number; warnings: number }): string {
  return `${plural(counts.files, 'revision')}, ${plural(counts.errors, 'error')}, ${plural(counts.warnings, 'warning')}`;
}

/** CLI flags in a message from the shared runner, and the setting the editor user changes instead. */
const FLAG_TO_SETTING: ReadonlyArray<[RegExp, string]> = [
  [/\s*\(CLI: --python\)/g, ''],
  [/--target url --url (?:…|\S+)/g, 'schemaWarden.runner.target "url" with schemaWarden.runner.url'],
  [/--target (docker|local|auto|url)\b/g, 'schemaWarden.runner.target "$1"'],
  [/--url\b/g, 'schemaWarden.runner.url'],
  [/--python\b/g, 'schemaWarden.python'],
  [/--flask-app\b/g, 'schemaWarden.runner.flaskApp'],
];

/** A runner message as the editor says it: settings, not command-line flags. */
export function inEditorWords(message: string): string {
  let text = message;
  for (const [flag, setting] of FLAG_TO_SETTING) text = text.replace(flag, setting);
  return text;
}

export type SetupAction = 'Open setting' | 'Use local PostgreSQL' | 'Select interpreter';

/** The buttons a setup error's notification carries, and the setting "Open setting" opens. */
export function setupActions(message: string): { actions: SetupAction[]; setting: string } {
  const python = /python|alembic|interpreter|pip install/i.test(message) && !/docker|postgresql-\d/i.test(message);
  const docker = /docker/i.test(message);
  const actions: SetupAction[] = [];
  if (python) actions.push('Select interpreter');
  if (docker) actions.push('Use local PostgreSQL');
  actions.push('Open setting');
  return { actions, setting: python ? 'schemaWarden.python' : 'schemaWarden.runner.target' };
}

// The runner's commands (listed in the one command table, client/src/commands.ts). Each takes
// its revision from a Revisions view item, a code lens (the id), or asks with a quick pick.
import * as vscode from 'vscode';
import { inEditorWords, setupActions } from '../words';
import { isSetupError, RunnerCancelledError, type DriftResult, type VerifyResult } from '../../../server/src/runner';
import type { RunnerUi } from '../views';
import { RevisionItem } from '../views/revisionsView';
import { summarizeResult } from './resultNodes';
import { sqlRanges, type RevisionRow } from './revisionRows';

/** Options tests and keybindings may pass to *Verify round trips*. */
export interface VerifyArgs {
  from?: string;
  quiet?: boolean;
}

export async function verifyRoundTrips(ui: RunnerUi, given?: unknown): Promise<VerifyResult | undefined> {
  const args: VerifyArgs =
    given instanceof RevisionItem
      ? { from: given.row.revision }
      : typeof given === 'string'
        ? { from: given }
        : ((given ?? {}) as VerifyArgs);
  // With named sections in alembic.ini, the revision open in the editor says which history to verify.
  const active = vscode.window.activeTextEditor?.document.uri;
  if (active?.scheme === 'file' && active.fsPath.endsWith('.py')) await ui.service.followRevisionFile(active.fsPath);
  const title = `verifying round trips${args.from ? ` from ${args.from}` : ''}`;
  const result = await cancellable(ui, title, (signal, progress) =>
    ui.service.verify({
      ...(args.from ? { from: args.from } : {}),
      signal,
      onStep: (revision, step, index, total) =>
        progress.report({
          message: `${index + 1}/${total} ${revision.revision}: ${step.step} ${step.status === 'passed' ? '✓' : '✗'}`,
          increment: step.step === 'upgrade again' || step.status === 'failed' ? 100 / total : 0,
        }),
    }),
  );
  if (!result) return undefined;
  await vscode.commands.executeCommand('schemaWarden.results.focus').then(undefined, () => undefined);
  if (!args.quiet) {
    if (result.ok) void vscode.window.showInformationMessage(`Schema Warden: ${summarizeResult(result)}.`);
    else
      void vscode.window
        .showErrorMessage(`Schema Warden: ${summarizeResult(result)}.`, 'Show problem')
        .then((choice) => {
          if (choice) void openFailure(result);
        });
  }
  return result;
}

export async function checkDrift(ui: RunnerUi): Promise<DriftResult | undefined> {
  const result = await cancellable(ui, 'checking drift', (signal) => ui.service.checkDrift(signal));
  if (!result) return undefined;
  const at = result.revisions.join(', ') || 'base';
  const models = result.autogenerate;
  if (models.status === 'compared' && models.findings.length) {
    ui.service.log(
      `autogenerate (${models.metadata}): ${models.findings.length} difference(s) between the models and the migrations:`,
    );
    for (const f of models.findings) ui.service.log(`  models: ${f.message}`);
    void vscode.window
      .showWarningMessage(
        `Schema Warden: the models (${models.metadata}) differ from the migrations at ${at} — e.g. ` +
          `${models.findings[0].message}. Write a revision (alembic revision --autogenerate).`,
        'Show all',
      )
      .then((choice) => {
        if (choice) ui.service.showOutput();
      });
  } else if (models.status === 'failed') {
    ui.service.log(`autogenerate comparison failed: ${JSON.stringify(models)}`);
  }
  if (result.ok) {
    void vscode.window.showInformationMessage(
      `Schema Warden: no drift — the database matches its migrations at ${at}.`,
    );
  } else {
    ui.service.log(`drift at ${at}: ${result.differences.length} difference(s) applied outside Alembic:`);
    for (const d of result.differences) ui.service.log(`  drift: ${d.message}`);
    void vscode.window
      .showWarningMessage(
        `Schema Warden: schema drift at ${at} — ${result.differences.length} change(s) made outside ` +
          `Alembic, e.g. ${result.differences[0]?.message ?? ''}. The policy forbids it: write a ` +
          `revision for them.`,
        'Show all',
      )
      .then((choice) => {
        if (choice) ui.service.showOutput();
      });
  }
  return result;
}

export async function startDatabase(ui: RunnerUi): Promise<unknown> {
  const status = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: 'Schema Warden: starting the database' },
    () => ui.service.startDatabase(),
  );
  return status;
}

export async function stopDatabase(ui: RunnerUi): Promise<void> {
  await ui.service.stopDatabase();
}

export async function resetDatabase(ui: RunnerUi): Promise<void> {
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: 'Schema Warden: resetting the database' },
    () => ui.service.resetDatabase(),
  );
}

/** The code lens passes the revision's file: with named sections in alembic.ini, its history is the one run. */
export async function upgradeToRevision(ui: RunnerUi, given?: unknown, file?: unknown): Promise<boolean> {
  await ui.service.followRevisionFile(typeof file === 'string' ? file : undefined);
  const revision = await revisionFrom(ui, given, 'Upgrade the database to…');
  return revision ? migrateAndConfirm(ui, 'upgrade', revision.revision) : false;
}

export async function downgradeToRevision(ui: RunnerUi, given?: unknown, file?: unknown): Promise<boolean> {
  await ui.service.followRevisionFile(typeof file === 'string' ? file : undefined);
  const revision = await revisionFrom(ui, given, 'Downgrade the database to…');
  return revision ? migrateAndConfirm(ui, 'downgrade', revision.revision) : false;
}

/**
 * Runs the upgrade or downgrade (code lens, Revisions view, palette) and, once it finished, says
 * which revision the database is at now, read back from the database (`alembic current`), not
 * assumed from the command.
 */
async function migrateAndConfirm(ui: RunnerUi, direction: 'upgrade' | 'downgrade', revision: string): Promise<boolean> {
  if (!(await ui.service.migrate(direction, revision))) return false;
  const done = direction === 'upgrade' ? 'Upgraded' : 'Downgraded';
  // The target without its temp folder (the Database view shows that): "local PostgreSQL 15 cluster on …".
  const target = ui.service.database.description?.replace(/ \(\/[^()]*\)$/, '');
  const where = target ? ` (${target})` : '';
  let current: string[] | undefined;
  try {
    current = await ui.service.currentRevisions();
  } catch (error) {
    ui.service.log(`alembic current after ${direction} ${revision} failed: ${(error as Error).message}`);
  }
  const message =
    current === undefined
      ? `Schema Warden: ${done} to ${revision}; the database's current revision could not be read (see the output).`
      : `Schema Warden: ${done} to ${revision} — the database is now at ${current.length ? current.join(', ') : 'the base (no revision applied)'}${where}.`;
  ui.service.log(message.replace(/^Schema Warden: /, ''));
  void vscode.window.showInformationMessage(message);
  return true;
}

export async function verifyFromRevision(ui: RunnerUi, given?: unknown): Promise<VerifyResult | undefined> {
  const revision = await revisionFrom(ui, given, 'Verify round trips from…');
  return revision ? verifyRoundTrips(ui, { from: revision.revision }) : undefined;
}

/** Opens the offline (`--sql`) upgrade and downgrade SQL of one revision as a read-only document. */
export async function showRevisionSql(ui: RunnerUi, given?: unknown): Promise<string | undefined> {
  const revision = await revisionFrom(ui, given, 'Show the SQL of…');
  if (!revision) return undefined;
  const ranges = sqlRanges(revision);
  const upgrade = await ui.service.offlineSql(ranges.upgrade, 'upgrade');
  const downgrade = await ui.service
    .offlineSql(ranges.downgrade, 'downgrade')
    .catch(
      (error: Error) =>
        `-- alembic downgrade --sql ${ranges.downgrade} failed: ${error.message.replace(/\n/g, '\n-- ')}\n`,
    );
  const text = [
    `-- Revision ${revision.revision}: ${revision.title}`,
    `-- Offline SQL from Alembic (--sql); generated, read-only.${ranges.fromBase ? ' A merge has no single parent: the upgrade SQL starts at the base.' : ''}`,
    '',
    `-- ==== alembic upgrade ${ranges.upgrade} --sql ====`,
    upgrade.trimEnd(),
    '',
    `-- ==== alembic downgrade ${ranges.downgrade} --sql ====`,
    downgrade.trimEnd(),
    '',
  ].join('\n');
  await ui.sql.show(`${revision.revision}`, text);
  return text;
}

export async function forgetDatabasePassword(ui: RunnerUi): Promise<void> {
  await ui.service.forgetPassword();
  void vscode.window.showInformationMessage(
    'Schema Warden: the database password is forgotten; it is asked again on the next connection.',
  );
}

export function refreshRevisions(ui: RunnerUi): Promise<void> {
  ui.service.resetHelper();
  ui.revisions.refresh();
  return Promise.resolve();
}

async function revisionFrom(ui: RunnerUi, given: unknown, title: string): Promise<RevisionRow | undefined> {
  if (given instanceof RevisionItem) return given.row;
  const rows = await ui.revisions.rows();
  if (typeof given === 'string') {
    const found = rows.find((r) => r.revision === given) ?? rows.filter((r) => r.revision.startsWith(given)).at(0);
    if (!found) throw new Error(`no revision "${given}" in this project`);
    return found;
  }
  const picked = await vscode.window.showQuickPick(
    rows.map((row) => ({ label: row.revision, description: row.description, row })),
    { title, matchOnDescription: true },
  );
  return picked?.row;
}

/** Runs under a cancellable progress; a cancellation is not an error, a setup problem says what to do. */
async function cancellable<T>(
  ui: RunnerUi,
  title: string,
  work: (signal: AbortSignal, progress: vscode.Progress<{ message?: string; increment?: number }>) => Promise<T>,
): Promise<T | undefined> {
  try {
    return await ui.service.withCancellableProgress(title, work);
  } catch (error) {
    if (error instanceof RunnerCancelledError) {
      void vscode.window.showInformationMessage(
        `Schema Warden: ${title} cancelled; everything it started was stopped.`,
      );
      return undefined;
    }
    if (isSetupError(error)) {
      ui.service.log(`setup problem: ${error.message}`);
      void showSetupError(error.message, () => ui.service.showOutput());
      return undefined;
    }
    throw error;
  }
}

/** A setup problem in the editor's words (settings, not CLI flags), with the buttons that fix it. */
export async function showSetupError(message: string, showOutput: () => void): Promise<void> {
  const { actions, setting } = setupActions(message);
  const choice = await vscode.window.showErrorMessage(
    `Schema Warden: ${inEditorWords(message)}`,
    { modal: false },
    ...actions,
    'Show output',
  );
  if (choice === 'Open setting') await vscode.commands.executeCommand('workbench.action.openSettings', setting);
  else if (choice === 'Use local PostgreSQL')
    await vscode.workspace.getConfiguration('schemaWarden').update('runner.target', 'local');
  else if (choice === 'Select interpreter') {
    const commands = await vscode.commands.getCommands(true);
    if (commands.includes('python.setInterpreter')) await vscode.commands.executeCommand('python.setInterpreter');
    else await vscode.commands.executeCommand('workbench.action.openSettings', 'schemaWarden.python');
  } else if (choice === 'Show output') showOutput();
}

async function openFailure(result: VerifyResult): Promise<void> {
  const failure = result.failure;
  if (!failure?.path) return;
  const line = Math.max(0, (failure.line ?? 1) - 1);
  await vscode.window.showTextDocument(vscode.Uri.file(failure.path), {
    selection: new vscode.Range(line, 0, line, 0),
  });
}

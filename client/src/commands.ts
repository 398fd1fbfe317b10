import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import {
  LintWorkspaceRequest,
  ListRevisionsRequest,
  ListRulesRequest,
  NewDecisionRequest,
  type RuleSummary,
} from '../../server/src/shared/protocol';
import type { LoadedRunner } from './lazyRunner';
import { pythonFor, runAlembicRevision } from './newRevision';
import { showRuleDocs } from './ruleDocs';
import { countText } from './words';

export interface CommandContext {
  client(): LanguageClient | undefined;
  /** The extension's folder (the rule pages ship in it). */
  extensionUri?: vscode.Uri;
  output: vscode.LogOutputChannel;
  restart(): Promise<void>;
  /** The migration runner's views, service and commands (dist/runner.js, loaded on first use). */
  runner?(): LoadedRunner | undefined;
  /** Told when a command finished, to credit the walkthrough's steps. */
  onCommandDone?(id: string): void;
}

interface CommandSpec {
  id: string;
  /** Commands that run the user's Python are refused in an untrusted workspace. */
  needsTrust?: boolean;
  run(ctx: CommandContext, ...args: unknown[]): Promise<unknown>;
}

/** Arguments that let tests and keybindings skip the prompts of *New decision record*. */
export interface NewDecisionArgs {
  title?: string;
  rules?: string[];
  revisions?: string[];
}

/** Every command of the extension; package.json's `contributes.commands` lists the same ids. */
export const COMMANDS: readonly CommandSpec[] = [
  { id: 'schemaWarden.newDecisionRecord', run: newDecisionRecord },
  { id: 'schemaWarden.newRevision', needsTrust: true, run: newRevision },
  { id: 'schemaWarden.lintWorkspace', run: lintWorkspace },
  { id: 'schemaWarden.showOutput', run: async (ctx) => ctx.output.show() },
  { id: 'schemaWarden.restartServer', run: async (ctx) => ctx.restart() },
  { id: 'schemaWarden.openRuleDocumentation', run: openRuleDocumentation },
  // The migration runner (issue 5): everything that starts Python, Docker or PostgreSQL needs trust.
  {
    id: 'schemaWarden.verifyRoundTrips',
    needsTrust: true,
    run: (ctx, arg) => withRunner(ctx, (r) => r.commands.verifyRoundTrips(r.ui, arg)),
  },
  {
    id: 'schemaWarden.verifyFromRevision',
    needsTrust: true,
    run: (ctx, arg) => withRunner(ctx, (r) => r.commands.verifyFromRevision(r.ui, arg)),
  },
  {
    id: 'schemaWarden.checkDrift',
    needsTrust: true,
    run: (ctx) => withRunner(ctx, (r) => r.commands.checkDrift(r.ui)),
  },
  {
    id: 'schemaWarden.startDatabase',
    needsTrust: true,
    run: (ctx) => withRunner(ctx, (r) => r.commands.startDatabase(r.ui)),
  },
  { id: 'schemaWarden.stopDatabase', run: (ctx) => withRunner(ctx, (r) => r.commands.stopDatabase(r.ui)) },
  {
    id: 'schemaWarden.resetDatabase',
    needsTrust: true,
    run: (ctx) => withRunner(ctx, (r) => r.commands.resetDatabase(r.ui)),
  },
  {
    id: 'schemaWarden.upgradeToRevision',
    needsTrust: true,
    run: (ctx, arg, file) => withRunner(ctx, (r) => r.commands.upgradeToRevision(r.ui, arg, file)),
  },
  {
    id: 'schemaWarden.downgradeToRevision',
    needsTrust: true,
    run: (ctx, arg, file) => withRunner(ctx, (r) => r.commands.downgradeToRevision(r.ui, arg, file)),
  },
  {
    id: 'schemaWarden.showRevisionSql',
    needsTrust: true,
    run: (ctx, arg) => withRunner(ctx, (r) => r.commands.showRevisionSql(r.ui, arg)),
  },
  { id: 'schemaWarden.refreshRevisions', run: (ctx) => withRunner(ctx, (r) => r.commands.refreshRevisions(r.ui)) },
  {
    id: 'schemaWarden.forgetDatabasePassword',
    run: (ctx) => withRunner(ctx, (r) => r.commands.forgetDatabasePassword(r.ui)),
  },
];

export function registerCommands(context: vscode.ExtensionContext, ctx: CommandContext): void {
  for (const spec of COMMANDS) {
    context.subscriptions.push(
      vscode.commands.registerCommand(spec.id, async (...args: unknown[]) => {
        if (spec.needsTrust && !vscode.workspace.isTrusted) {
          const title = titleOf(context, spec.id);
          ctx.output.warn(`${spec.id} (${title}) refused: the workspace is not trusted; nothing was started.`);
          void vscode.window
            .showWarningMessage(
              `Schema Warden: "${title}" runs the workspace's Python, Alembic, Docker or PostgreSQL: trust the workspace first.`,
              MANAGE_TRUST,
            )
            .then((choice) => {
              if (choice) void vscode.commands.executeCommand('workbench.trust.manage');
            });
          return undefined;
        }
        try {
          const result = await spec.run(ctx, ...args);
          if (result !== undefined) ctx.onCommandDone?.(spec.id);
          return result;
        } catch (err) {
          ctx.output.error(`${spec.id}: ${(err as Error).stack ?? String(err)}`);
          void vscode.window.showErrorMessage(`Schema Warden: ${(err as Error).message}`);
          return undefined;
        }
      }),
    );
  }
}

const MANAGE_TRUST = 'Manage Workspace Trust';

/** A command's title from package.json (`contributes.commands`), e.g. "Verify round trips". */
function titleOf(context: vscode.ExtensionContext, id: string): string {
  const commands =
    (context.extension.packageJSON as { contributes?: { commands?: Array<{ command: string; title: string }> } })
      .contributes?.commands ?? [];
  return commands.find((c) => c.command === id)?.title ?? id;
}

function withRunner<R>(ctx: CommandContext, run: (runner: LoadedRunner) => R): R {
  const runner = ctx.runner?.();
  if (!runner) throw new Error('the migration runner is not available in this window');
  return run(runner);
}

function running(ctx: CommandContext): LanguageClient {
  const client = ctx.client();
  if (!client?.isRunning()) throw new Error('the language server is not running (Schema Warden: Restart server)');
  return client;
}

/** The findings of Schema Warden on the active editor's cursor line (the rules "at hand"), nearest first. */
function findingsAtHand(editor: vscode.TextEditor | undefined): vscode.Diagnostic[] {
  if (!editor) return [];
  const line = editor.selection.active.line;
  const ours = vscode.languages.getDiagnostics(editor.document.uri).filter((d) => d.source === 'schema-warden');
  const onLine = ours.filter((d) => d.range.start.line <= line && line <= d.range.end.line);
  return onLine.length ? onLine : ours;
}

const ruleOf = (d: vscode.Diagnostic): string => String(typeof d.code === 'object' ? d.code.value : d.code);

async function newDecisionRecord(ctx: CommandContext, given?: unknown): Promise<string | undefined> {
  const client = running(ctx);
  const args = (given ?? {}) as NewDecisionArgs;
  const editor = vscode.window.activeTextEditor;
  const activeUri = editor?.document.uri.toString();
  const atHand = findingsAtHand(editor);
  const rulesAtHand = [...new Set(atHand.map(ruleOf))];
  const revisionsList = await client.sendRequest(ListRevisionsRequest, { uri: activeUri });
  const revisionAtHand = revisionsList.find((r) => r.uri === activeUri)?.revision;
  const title =
    args.title ??
    (await vscode.window.showInputBox({
      title: 'New decision record (1/3)',
      prompt: 'Title of the decision',
      value: rulesAtHand[0]
        ? `Allow ${rulesAtHand[0]}${revisionAtHand ? ` in revision ${revisionAtHand}` : ''}`
        : undefined,
      placeHolder: 'Keep integer keys on the legacy invoice table',
      validateInput: (v) => (v.trim() ? undefined : 'A decision needs a title'),
    }));
  if (!title) return undefined;
  let rules = args.rules;
  if (!rules) {
    const all = await client.sendRequest(ListRulesRequest);
    // The rules of the findings at the cursor come first, already ticked.
    const rank = (id: string): number => (rulesAtHand.includes(id) ? rulesAtHand.indexOf(id) : rulesAtHand.length);
    const picked = await vscode.window.showQuickPick(
      [...all]
        .sort((a, b) => rank(a.id) - rank(b.id))
        .map((r) => ({
          label: r.id,
          description: rulesAtHand.includes(r.id) ? `${r.name} · at the cursor` : r.name,
          detail: r.summary,
          picked: rulesAtHand.includes(r.id),
        })),
      {
        title: 'New decision record (2/3): the rules it allows',
        canPickMany: true,
        matchOnDescription: true,
        matchOnDetail: true,
      },
    );
    if (!picked) return undefined;
    rules = picked.map((p) => p.label);
  }
  let revisions = args.revisions;
  if (!revisions) {
    const here = revisionsList.filter((r) => r.revision === revisionAtHand);
    const items: vscode.QuickPickItem[] = [
      ...here.map((r) => ({ label: r.revision, description: `${r.message ?? ''} · this file`, picked: true })),
      { label: '*', description: 'every revision' },
      ...revisionsList
        .filter((r) => r.revision !== revisionAtHand)
        .map((r) => ({ label: r.revision, description: r.message, detail: r.isHead ? 'head' : undefined })),
    ];
    const picked = await vscode.window.showQuickPick(items, {
      title: 'New decision record (3/3): the revisions it covers',
      canPickMany: true,
      matchOnDescription: true,
    });
    if (!picked) return undefined;
    revisions = picked.map((p) => p.label);
  }
  // From a revision, the waiver goes above the finding of a chosen rule, as the quick fix does.
  const waived = revisionAtHand ? atHand.find((d) => rules.includes(ruleOf(d))) : undefined;
  const result = await client.sendRequest(NewDecisionRequest, {
    title: title.trim(),
    rules,
    revisions,
    uri: activeUri,
    waive: waived && activeUri ? { uri: activeUri, line: waived.range.start.line, ruleId: ruleOf(waived) } : undefined,
  });
  await vscode.window.showTextDocument(vscode.Uri.parse(result.uri));
  return result.uri;
}

async function newRevision(ctx: CommandContext, given?: unknown): Promise<string | undefined> {
  const inis = await vscode.workspace.findFiles('**/alembic.ini', '**/{node_modules,.venv,venv,.git}/**', 20);
  if (inis.length === 0) throw new Error('no alembic.ini in this workspace');
  let ini = inis[0];
  if (inis.length > 1) {
    const picked = await vscode.window.showQuickPick(
      inis.map((u) => ({ label: vscode.workspace.asRelativePath(u), uri: u })),
      { title: 'Which Alembic project?' },
    );
    if (!picked) return undefined;
    ini = picked.uri;
  }
  const message =
    typeof given === 'string'
      ? given
      : await vscode.window.showInputBox({
          title: 'New Alembic revision',
          prompt: 'Message (alembic revision -m)',
          validateInput: (v) => (v.trim() ? undefined : 'Alembic needs a message'),
        });
  if (!message) return undefined;
  const folder = vscode.workspace.getWorkspaceFolder(ini)?.uri.fsPath ?? vscode.Uri.joinPath(ini, '..').fsPath;
  const python = pythonFor(folder, vscode.workspace.getConfiguration('schemaWarden', ini).get<string | null>('python'));
  const file = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'alembic revision…' },
    () => runAlembicRevision(python, ini.fsPath, message.trim(), ctx.output),
  );
  await vscode.window.showTextDocument(vscode.Uri.file(file));
  return file;
}

async function lintWorkspace(ctx: CommandContext): Promise<unknown> {
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: 'Schema Warden: linting' },
    () => running(ctx).sendRequest(LintWorkspaceRequest),
  );
  // Counted as the status item counts (the same server figures, the same words).
  ctx.output.info(`Lint workspace: ${countText(result)} in ${result.ms} ms`);
  void vscode.window.showInformationMessage(`Schema Warden: ${countText(result)}.`, 'Show problems').then((choice) => {
    if (choice) void vscode.commands.executeCommand('workbench.actions.view.problems');
  });
  return result;
}

async function openRuleDocumentation(ctx: CommandContext, given?: unknown): Promise<void> {
  const rules: RuleSummary[] = await running(ctx).sendRequest(ListRulesRequest);
  let rule = typeof given === 'string' ? rules.find((r) => r.id === given || r.name === given) : undefined;
  if (!rule) {
    const picked = await vscode.window.showQuickPick(
      rules.map((r) => ({ label: r.id, description: r.name, detail: r.summary, rule: r })),
      { title: 'Open rule documentation', matchOnDescription: true, matchOnDetail: true },
    );
    rule = picked?.rule;
  }
  if (!rule) return;
  // The page shipped in the .vsix, rendered; the web page only for a build without it.
  if (ctx.extensionUri && (await showRuleDocs(ctx.extensionUri, rule.id))) return;
  await vscode.env.openExternal(vscode.Uri.parse(rule.docsUrl));
}

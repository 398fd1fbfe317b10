import * as vscode from 'vscode';
// `import = require`, not `import {…} from`: esbuild then reads the module's exports directly instead
// of copying its hundreds of re-exported names into an ES-module namespace at activation.
import lc = require('vscode-languageclient/node');
import { registerCommands } from './commands';
import { RestartingErrorHandler } from './errorHandler';
import { askBeforeAllow } from './askBeforeAllow';
import { ruleDocsMiddleware } from './ruleDocs';
import { WalkthroughProgress, type WalkthroughStep } from './walkthrough';
import { LazyRunner } from './lazyRunner';
import { resultToResend, sendTracedLocks } from './tracedLocks';
import { StatusItem } from './status';
import type { RunnerUi } from './views';
import { StatusNotification } from '../../server/src/shared/protocol';
import type { InitializationOptions } from '../../server/src/shared/settings';
import { RunLocationRequest, ServerCommands } from '../../server/src/shared/protocol';

/** The documents the server reads: Python (revisions, application code), decision records, team config. */
const DOCUMENTS: lc.DocumentSelector = [
  { scheme: 'file', language: 'python' },
  { scheme: 'file', language: 'markdown' },
  { scheme: 'file', pattern: '**/{pyproject,schema-warden}.toml' },
];

/** Rule pages kept inside VS Code; decision records written only once the user confirmed the title. */
function editorMiddleware(extensionUri: vscode.Uri, onCommandDone: (id: string) => void): lc.Middleware {
  const docs = ruleDocsMiddleware(extensionUri);
  return {
    ...docs,
    async executeCommand(command, args: unknown[], next) {
      if (command === ServerCommands.allowWithDecision) {
        const confirmed = await askBeforeAllow(args[0]);
        if (!confirmed) return null;
        const result: unknown = await next(command, [confirmed, ...args.slice(1)]);
        onCommandDone(command);
        return result;
      }
      return docs.executeCommand ? docs.executeCommand(command, args, next) : next(command, args);
    },
  };
}

let client: lc.LanguageClient | undefined;
let runner: LazyRunner | undefined;

/** What activate() returns: the runner's views and service, for tests and other extensions. */
export interface SchemaWardenApi {
  /** Reading it loads the migration runner (dist/runner.js) if it is not loaded yet. */
  readonly runner: RunnerUi;
  /** The getting-started walkthrough's steps done so far. */
  readonly walkthrough: readonly WalkthroughStep[];
}

export async function activate(context: vscode.ExtensionContext): Promise<SchemaWardenApi> {
  const output = vscode.window.createOutputChannel('Schema Warden', { log: true });
  const trace = vscode.window.createOutputChannel('Schema Warden (LSP trace)', { log: true });
  const status = new StatusItem([{ scheme: 'file', language: 'python' }]);
  context.subscriptions.push(output, trace, status);

  const walkthrough = new WalkthroughProgress(context.globalState);
  context.subscriptions.push(walkthrough);

  // Run: the server's bundle loaded with V8's code cache kept between starts (server/src/lsp/launch.ts);
  // debug: the bundle itself, compiled afresh, so the inspector sees it as it is.
  const launcher = context.asAbsolutePath('dist/serverLauncher.js');
  const server = context.asAbsolutePath('dist/server.js');
  const serverOptions: lc.ServerOptions = {
    run: { module: launcher, transport: lc.TransportKind.ipc },
    debug: { module: server, transport: lc.TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const clientOptions: lc.LanguageClientOptions = {
    documentSelector: DOCUMENTS,
    outputChannel: output,
    traceOutputChannel: trace,
    errorHandler: new RestartingErrorHandler(output),
    // Settings are pulled per resource with workspace/configuration; the server re-reads on change.
    synchronize: { configurationSection: 'schemaWarden' },
    // Read at every (re)start: an untrusted workspace's server starts no program (SW108 asks no git).
    initializationOptions: (): InitializationOptions => ({ workspaceTrusted: vscode.workspace.isTrusted }),
    // Rule pages open from the .vsix in the Markdown preview, never through a browser.
    middleware: editorMiddleware(context.extensionUri, (id) => walkthrough.commandDone(id)),
  };
  client = new lc.LanguageClient('schemaWarden', 'Schema Warden', serverOptions, clientOptions);
  context.subscriptions.push(
    client.onNotification(StatusNotification, (params) => status.update(params)),
    client.onDidChangeState((e) => {
      if (e.newState === lc.State.Stopped) status.stopped();
      // A (re)started server has lost what the last verification traced: send it again (after a
      // window reload, the previous session's result the Results view shows, for unchanged files).
      if (e.newState !== lc.State.Running) return;
      const service = runner?.ui?.service;
      const last = service?.lastResult
        ? { result: service.lastResult, cancelled: service.lastResultCancelled }
        : undefined;
      const resend = resultToResend(last, context.workspaceState);
      if (resend) sendTracedLocks(client, resend.result, output, resend.restored);
    }),
    // Trust is granted once per window (it is never taken back without a reload): the server starts
    // again, told so, and checks what needs git (SW108).
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      if (!client?.isRunning()) return;
      output.info('The workspace is trusted now: restarting the language server.');
      void client.restart().catch((err: Error) => output.error(`Restarting the language server: ${err.message}`));
    }),
  );

  // The runner's views are registered now; its service, providers and commands load on first use.
  // Where Alembic runs for an alembic.ini (Flask-Migrate: the folder above) is project discovery's
  // answer, asked of the language server; after each verification the server is told what it traced.
  const lazyRunner = new LazyRunner(
    context,
    output,
    async (configFile, revisionFile) => {
      if (!client) throw new Error('the language server is not running');
      return client.sendRequest(RunLocationRequest, { configFile, ...(revisionFile ? { revisionFile } : {}) });
    },
    (result) => sendTracedLocks(client, result, output),
  );
  runner = lazyRunner;
  context.subscriptions.push(lazyRunner);
  registerCommands(context, {
    client: () => client,
    runner: () => lazyRunner.get(),
    extensionUri: context.extensionUri,
    onCommandDone: (id) => walkthrough.commandDone(id),
    output,
    restart: async () => {
      output.info('Restarting the language server.');
      if (client) await client.restart();
    },
  });

  try {
    await client.start();
  } catch (err) {
    output.error(`The language server did not start: ${(err as Error).stack ?? String(err)}`);
    void vscode.window
      .showErrorMessage('Schema Warden: the language server did not start.', 'Show output')
      .then((c) => {
        if (c) output.show();
      });
  }
  return {
    get runner() {
      return lazyRunner.get().ui;
    },
    get walkthrough() {
      return walkthrough.completed;
    },
  };
}

export async function deactivate(): Promise<void> {
  // Ephemeral databases and the Alembic helper go first: nothing is left running.
  await runner?.ui?.service.dispose();
  runner = undefined;
  await client?.stop();
  client = undefined;
}

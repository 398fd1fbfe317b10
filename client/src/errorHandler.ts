import * as vscode from 'vscode';
import lc = require('vscode-languageclient/node'); // see extension.ts

const WINDOW_MS = 3 * 60_000;
const MAX_RESTARTS = 4;

/**
 * Restarts a crashed server and says so; after MAX_RESTARTS crashes within three minutes it stops
 * and tells the user where to look, rather than restarting forever or dying silently.
 */
export class RestartingErrorHandler implements lc.ErrorHandler {
  private readonly crashes: number[] = [];

  constructor(private readonly output: vscode.LogOutputChannel) {}

  error(error: Error, _message: unknown, count: number | undefined): lc.ErrorHandlerResult {
    this.output.error(`Connection to the language server failed: ${error.message}`);
    return { action: (count ?? 0) <= 3 ? lc.ErrorAction.Continue : lc.ErrorAction.Shutdown, handled: true };
  }

  closed(): lc.CloseHandlerResult {
    const now = Date.now();
    this.crashes.push(now);
    while (this.crashes.length && this.crashes[0] < now - WINDOW_MS) this.crashes.shift();
    if (this.crashes.length > MAX_RESTARTS) {
      this.output.error(
        `The language server stopped ${this.crashes.length} times in three minutes; not restarting it.`,
      );
      void vscode.window
        .showErrorMessage(
          'Schema Warden: the language server keeps stopping and was not restarted. The output has the details.',
          'Show output',
          'Restart',
        )
        .then((choice) => {
          if (choice === 'Show output') this.output.show();
          if (choice === 'Restart') void vscode.commands.executeCommand('schemaWarden.restartServer');
        });
      return { action: lc.CloseAction.DoNotRestart, handled: true };
    }
    this.output.warn('The language server stopped unexpectedly; restarting it.');
    void vscode.window
      .showWarningMessage('Schema Warden: the language server stopped unexpectedly and was restarted.', 'Show output')
      .then((choice) => {
        if (choice === 'Show output') this.output.show();
      });
    return { action: lc.CloseAction.Restart, handled: true };
  }
}

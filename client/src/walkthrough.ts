import * as vscode from 'vscode';

/**
 * The getting-started walkthrough's progress. Each step completes on a context key
 * (`onContext:schemaWarden.walkthrough.<step>`, a valid completion event, unlike
 * `onLanguage:`), set when the user does the step and remembered in the global state, so that
 * what was done before the walkthrough was opened (or in an earlier window) is credited.
 */
export type WalkthroughStep = 'openRevision' | 'fix' | 'waive' | 'run';
const STEPS: readonly WalkthroughStep[] = ['openRevision', 'fix', 'waive', 'run'];
const KEY = 'schemaWarden.walkthrough.done';

/** The command that, once it finishes, completes a step. */
const STEP_OF_COMMAND: Readonly<Record<string, WalkthroughStep>> = {
  'schemaWarden.newDecisionRecord': 'waive',
  'schemaWarden.server.allowWithDecision': 'waive',
  'schemaWarden.verifyRoundTrips': 'run',
  'schemaWarden.verifyFromRevision': 'run',
};

const isRevision = (doc: vscode.TextDocument): boolean =>
  doc.languageId === 'python' && /[\\/]versions[\\/]/.test(doc.uri.path);

export class WalkthroughProgress implements vscode.Disposable {
  private readonly done: Set<WalkthroughStep>;
  private readonly subscriptions: vscode.Disposable[] = [];
  /** Documents and how many of our findings they had, to see one go away after an edit. */
  private readonly findings = new Map<string, number>();

  constructor(private readonly state: vscode.Memento) {
    this.done = new Set(state.get<WalkthroughStep[]>(KEY, []).filter((s) => STEPS.includes(s)));
    for (const step of this.done) void this.announce(step);
    // Already done in this window before activation: a revision open, decision records written.
    if (vscode.window.visibleTextEditors.some((e) => isRevision(e.document))) this.credit('openRevision');
    void vscode.workspace.findFiles('**/docs/decisions/[0-9][0-9][0-9][0-9]-*.md', '**/node_modules/**', 1).then(
      (found) => found.length && this.credit('waive'),
      () => undefined,
    );
    this.subscriptions.push(
      vscode.window.onDidChangeActiveTextEditor((e) => e && isRevision(e.document) && this.credit('openRevision')),
      vscode.workspace.onDidOpenTextDocument((d) => isRevision(d) && this.credit('openRevision')),
      vscode.languages.onDidChangeDiagnostics((e) => this.watchFixes(e.uris)),
    );
  }

  /** The steps done so far (for tests and the API). */
  get completed(): WalkthroughStep[] {
    return STEPS.filter((s) => this.done.has(s));
  }

  /** A command finished: the step it completes, if any. */
  commandDone(command: string): void {
    const step = STEP_OF_COMMAND[command];
    if (step) this.credit(step);
  }

  credit(step: WalkthroughStep): void {
    if (this.done.has(step)) return;
    this.done.add(step);
    void this.state.update(KEY, [...this.done]);
    void this.announce(step);
  }

  /** A finding of ours went away from an edited revision: the user fixed one. */
  private watchFixes(uris: readonly vscode.Uri[]): void {
    for (const uri of uris) {
      const count = vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'schema-warden').length;
      const before = this.findings.get(uri.toString());
      this.findings.set(uri.toString(), count);
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
      if (before !== undefined && count < before && doc && isRevision(doc) && doc.version > 1) this.credit('fix');
    }
  }

  private announce(step: WalkthroughStep): Thenable<unknown> {
    return vscode.commands.executeCommand('setContext', `schemaWarden.walkthrough.${step}`, true);
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }
}

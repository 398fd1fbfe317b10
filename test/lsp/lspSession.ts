// Drives the bundled language server (dist/server.js) over stdio with vscode-jsonrpc, the way an
// editor does, and records what it sends: diagnostics, status notifications, edits it asks the
// client to apply, documents it asks the client to show.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import type {
  Diagnostic,
  InitializeResult,
  PublishDiagnosticsParams,
  TextDocumentContentChangeEvent,
  WorkspaceEdit,
} from 'vscode-languageserver-protocol';
import type { StatusParams } from '../../server/src/shared/protocol';

export const REPO = path.resolve(__dirname, '..', '..', '..');
export const SERVER = path.join(REPO, 'dist', 'server.js');
/** What editors start: dist/server.js loaded with V8's code cache (server/src/lsp/launch.ts). */
export const SERVER_LAUNCHER = path.join(REPO, 'dist', 'serverLauncher.js');

let bundled = false;
/** Bundles once per test run, so the tests always speak to the current sources. */
export function bundleServer(): void {
  if (bundled) return;
  const r = spawnSync(process.execPath, [path.join(REPO, 'scripts', 'bundle.mjs')], { cwd: REPO, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bundling failed: ${r.stderr}`);
  bundled = true;
}

export const uriOf = (file: string): string => pathToFileURL(file).toString();

/** A temp Alembic project: `files` relative to its root. */
export function makeWorkspace(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-lsp-'));
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
  return root;
}

export const ALEMBIC_INI = '[alembic]\nscript_location = %(here)s/alembic\n';

interface Waiter {
  uri: string;
  test: (d: PublishDiagnosticsParams) => boolean;
  resolve: (d: PublishDiagnosticsParams) => void;
}

export class LspSession {
  readonly connection: MessageConnection;
  readonly diagnostics = new Map<string, PublishDiagnosticsParams>();
  readonly statuses: StatusParams[] = [];
  readonly appliedEdits: WorkspaceEdit[] = [];
  readonly shownDocuments: Array<{ uri: string; external?: boolean }> = [];
  readonly logs: string[] = [];
  readonly registrations: Array<{ method: string; registerOptions?: unknown }> = [];
  /** `$/progress` notifications, in order (work done progress: begin, report …, end). */
  readonly progress: Array<{
    token: string | number;
    value: { kind: 'begin' | 'report' | 'end'; message?: string; percentage?: number; title?: string };
  }> = [];
  /** Resolves when the server process ends. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Per-resource answer to workspace/configuration (section schemaWarden). */
  settings: Record<string, unknown> = {};
  private waiters: Waiter[] = [];
  /** Each returns true once the status it waited for came. */
  private statusWaiters: Array<(s: StatusParams) => boolean> = [];
  private versions = new Map<string, number>();
  private readonly child: ChildProcess;
  stderr = '';

  /**
   * `command`: the server bundle by default; `[SERVER_LAUNCHER, '--stdio']` as editors start it,
   * `[dist/cli.js, 'server', '--stdio']` for the CLI route. `env`: the server's environment.
   */
  constructor(
    readonly root: string,
    command: string[] = [SERVER, '--stdio'],
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.child = spawn(process.execPath, command, { cwd: root, env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr!.on('data', (d: Buffer) => {
      this.stderr += d.toString();
    });
    // 'close', not 'exit': by then everything the server wrote to stdout and stderr has been read.
    this.exited = new Promise((resolve) =>
      this.child.once('close', (code: number | null, signal: NodeJS.Signals | null) => resolve({ code, signal })),
    );
    this.child.stdin!.on('error', () => undefined); // writing to a server that exited: the test asserts the exit
    this.connection = createMessageConnection(
      new StreamMessageReader(this.child.stdout!),
      new StreamMessageWriter(this.child.stdin!),
    );
    this.connection.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      this.diagnostics.set(p.uri, p);
      this.waiters = this.waiters.filter((w) => {
        if (w.uri !== p.uri || !w.test(p)) return true;
        w.resolve(p);
        return false;
      });
    });
    this.connection.onNotification('schemaWarden/status', (p: StatusParams) => {
      this.statuses.push(p);
      this.statusWaiters = this.statusWaiters.filter((settled) => !settled(p));
    });
    this.connection.onNotification('window/logMessage', (p: { message: string }) => {
      this.logs.push(p.message);
    });
    this.connection.onRequest(
      'workspace/configuration',
      (p: { items: Array<{ scopeUri?: string; section?: string }> }) => p.items.map(() => this.settings),
    );
    this.connection.onRequest(
      'client/registerCapability',
      (p: { registrations: Array<{ method: string; registerOptions?: unknown }> }) => {
        this.registrations.push(...p.registrations);
        return null;
      },
    );
    this.connection.onRequest('window/workDoneProgress/create', () => null);
    this.connection.onNotification('$/progress', (p: LspSession['progress'][number]) => {
      this.progress.push(p);
    });
    this.connection.onRequest('workspace/applyEdit', (p: { edit: WorkspaceEdit }) => {
      this.appliedEdits.push(p.edit);
      return { applied: true };
    });
    this.connection.onRequest('window/showDocument', (p: { uri: string; external?: boolean }) => {
      this.shownDocuments.push(p);
      return { success: true };
    });
    this.connection.listen();
  }

  /** `initializationOptions`: what VS Code's client sends (e.g. `{ workspaceTrusted: false }`); none by default. */
  async initialize(initializationOptions?: unknown): Promise<InitializeResult> {
    const result = await this.connection.sendRequest<InitializeResult>('initialize', {
      processId: process.pid,
      ...(initializationOptions !== undefined ? { initializationOptions } : {}),
      rootUri: uriOf(this.root),
      workspaceFolders: [{ uri: uriOf(this.root), name: 'ws' }],
      capabilities: {
        workspace: {
          configuration: true,
          didChangeWatchedFiles: { dynamicRegistration: true },
          didChangeConfiguration: { dynamicRegistration: true },
          workspaceFolders: true,
          applyEdit: true,
        },
        window: { workDoneProgress: true, showDocument: { support: true } },
        textDocument: {
          publishDiagnostics: {
            relatedInformation: true,
            versionSupport: true,
            codeDescriptionSupport: true,
            dataSupport: true,
          },
        },
      },
    });
    await this.connection.sendNotification('initialized', {});
    return result;
  }

  /** Resolves with the first diagnostics for `file` that satisfy `test` (also ones already received). */
  waitForDiagnostics(
    file: string,
    test: (d: PublishDiagnosticsParams) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<PublishDiagnosticsParams> {
    const uri = uriOf(file);
    const have = this.diagnostics.get(uri);
    if (have && test(have)) return Promise.resolve(have);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `no matching diagnostics for ${uri} within ${timeoutMs} ms; last: ${JSON.stringify(
                this.diagnostics
                  .get(uri)
                  ?.diagnostics.map((d) => d.code)
                  .slice(0, 20),
              )} (version ${this.diagnostics.get(uri)?.version})\n${this.stderr.slice(-2000)}`,
            ),
          ),
        timeoutMs,
      );
      this.waiters.push({
        uri,
        test,
        resolve: (d) => {
          clearTimeout(timer);
          resolve(d);
        },
      });
    });
  }

  /** Waits for the next publication for `file` (ignores ones already received). */
  nextDiagnostics(
    file: string,
    test: (d: PublishDiagnosticsParams) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<PublishDiagnosticsParams> {
    this.diagnostics.delete(uriOf(file));
    return this.waitForDiagnostics(file, test, timeoutMs);
  }

  /** Resolves with the first status that satisfies `test` (also one already received) as it arrives. */
  waitForStatus(test: (s: StatusParams) => boolean, timeoutMs = 10_000): Promise<StatusParams> {
    const found = this.statuses.find(test);
    if (found) return Promise.resolve(found);
    // Not polled: the cache bench times the start to this status, and a poll would add up to its period.
    return new Promise((resolve, reject) => {
      const waiter = (s: StatusParams): boolean => {
        if (!test(s)) return false;
        clearTimeout(timer);
        resolve(s);
        return true;
      };
      const timer = setTimeout(() => {
        this.statusWaiters = this.statusWaiters.filter((w) => w !== waiter);
        reject(new Error(`no matching status within ${timeoutMs} ms: ${JSON.stringify(this.statuses)}`));
      }, timeoutMs);
      this.statusWaiters.push(waiter);
    });
  }

  open(
    file: string,
    text = fs.readFileSync(file, 'utf8'),
    languageId = file.endsWith('.py') ? 'python' : file.endsWith('.md') ? 'markdown' : 'plaintext',
  ): Promise<void> {
    this.versions.set(uriOf(file), 1);
    return this.connection.sendNotification('textDocument/didOpen', {
      textDocument: { uri: uriOf(file), languageId, version: 1, text },
    });
  }

  change(file: string, changes: TextDocumentContentChangeEvent[]): Promise<void> {
    const uri = uriOf(file);
    const version = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, version);
    return this.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri, version },
      contentChanges: changes,
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** True while the server process runs. */
  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Ends the server's stdin, as an editor that goes away without shutdown/exit does. */
  closeInput(): void {
    this.child.stdin!.end();
  }

  /** Writes bytes to the server's stdin as they are: for malformed messages the connection would not send. */
  writeRaw(data: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.child.stdin!.write(data, (err) => (err ? reject(err) : resolve())));
  }

  version(file: string): number {
    return this.versions.get(uriOf(file)) ?? 0;
  }

  async stop(): Promise<void> {
    if (this.alive) {
      try {
        await Promise.race([this.connection.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 2000))]);
        await this.connection.sendNotification('exit');
      } catch {
        /* already gone */
      }
      await Promise.race([this.exited, new Promise((r) => setTimeout(r, 2000))]);
    }
    if (this.alive) this.child.kill();
    this.connection.dispose();
  }
}

export function codes(diagnostics: readonly Diagnostic[]): string[] {
  return diagnostics.map((d) => String(d.code)).sort();
}

/** Applies LSP text edits to a text (for checking what a code action would do). */
export function applyTextEdits(
  text: string,
  edits: ReadonlyArray<{
    range: { start: { line: number; character: number }; end: { line: number; character: number } };
    newText: string;
  }>,
): string {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  const offset = (p: { line: number; character: number }): number =>
    Math.min((lineStarts[p.line] ?? text.length) + p.character, text.length);
  const sorted = [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start));
  let out = text;
  for (const e of sorted) out = out.slice(0, offset(e.range.start)) + e.newText + out.slice(offset(e.range.end));
  return out;
}

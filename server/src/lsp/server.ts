import * as path from 'node:path';
import {
  CodeActionKind,
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  ErrorCodes,
  FileChangeType,
  ResponseError,
  TextDocumentSyncKind,
  type Connection,
  type FileEvent,
  type InitializeParams,
  type InitializeResult,
  type WorkspaceFolder,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { initEngine } from '../engine/analyze';
import { isApplicationFile, lintApplicationFile } from '../engine/application';
import { lintProjectRules, lintRevision, type RevisionFindingsCache } from '../engine/lint';
import type { MigrationModel } from '../model/migration';
import { LineIndex } from '../model/source';
import type { Finding } from '../rules/types';
import { FIX_ALL_KIND, ServerCommands } from '../shared/protocol';
import { workspaceTrustedFrom } from '../shared/settings';
import { registerCommands } from './commands';
import { CrossFileScheduler } from './crossFile';
import { inDocument, OpenDocument } from './documents';
import { registerFeatures } from './features';
import { ServerLog, WorkspaceProblems } from './log';
import { TracedLocks } from './tracedLocks';
import {
  contentChangesProblem,
  documentItemProblem,
  documentProblem,
  isObject,
  paramsOf,
  problemKey,
  versionedDocumentProblem,
} from './params';
import { DiagnosticsPublisher } from './publisher';
import { SettingsCache } from './settings';
import { ServerStatus } from './status';
import { canonicalUri, isInside, pathToUri, uriToPath } from './uri';
import { readRevision, WorkspaceIndex, type ProjectEntry } from './workspace';

/** Files whose change re-reads the projects (configuration) rather than one revision. */
const CONFIG_FILES = new Set(['alembic.ini', 'pyproject.toml', 'schema-warden.toml']);
const WATCHED_GLOBS = [
  '**/*.py',
  '**/alembic.ini',
  '**/pyproject.toml',
  '**/schema-warden.toml',
  '**/docs/decisions/*.md',
];
/** Cross-file rules wait for typing to pause this long; the file's own findings never wait. */
const CROSS_FILE_DELAY_MS = 150;

export interface ServerOptions {
  /** Overrides the debounce of cross-file validation (tests, benchmarks). */
  crossFileDelayMs?: number;
}

/**
 * The Schema Warden language server on one connection (IPC for VS Code, stdio for other editors).
 * Every handler runs inside `log.guard`: a failure is logged once and answered with an empty
 * result, never an exception that takes the process down.
 *
 * This file wires the parts and keeps the per-connection state (open documents, workspace
 * folders, trust, the index build); each part owns its own:
 * - lifecycle: initialize, initialized, the background index build (here);
 * - document sync and watched files → the per-keystroke validation (here);
 * - `publisher.ts`: publishes diagnostics and remembers what it published;
 * - `tracedLocks.ts`: what the last verification traced, for the hover and SW6xx findings;
 * - `status.ts`: the status the client shows (indexing or ready, counts, last validation);
 * - `log.ts`: the log, and the workspace problems logged once while they last;
 * - `crossFile.ts`: schedules the whole-project rules and the decision-record reloads;
 * - `features.ts`: code actions, hover, completion;
 * - `commands.ts`: workspace/executeCommand and Schema Warden's own requests.
 */
export function startServer(connection: Connection, options: ServerOptions = {}): void {
  const log = new ServerLog(connection);
  const open = new Map<string, OpenDocument>();
  let clientCapabilities: InitializeParams['capabilities'] = {};
  let folders: string[] = [];
  /** The client's word on workspace trust (initializationOptions); untrusted: no program is started in the workspace. */
  let trusted = true;
  // Requests that need the index wait for it; until the first build (after `initialized`) they wait for that.
  let resolveFirstIndex: () => void = () => undefined;
  let ready: Promise<void> = new Promise((resolve) => {
    resolveFirstIndex = resolve;
  });
  let indexChain: Promise<void> = Promise.resolve();

  const settings = new SettingsCache(connection, () => clientCapabilities.workspace?.configuration === true);
  const index = new WorkspaceIndex((root) => settings.get(pathToUri(root)));
  const tracedLocks = new TracedLocks();
  const publisher = new DiagnosticsPublisher(connection, open, log, () => trusted, tracedLocks);
  const status = new ServerStatus(connection, index);
  const workspaceProblems = new WorkspaceProblems(log);
  const crossFile = new CrossFileScheduler({
    index,
    publisher,
    log,
    delayMs: options.crossFileDelayMs ?? CROSS_FILE_DELAY_MS,
    projectRules: (entry) => safeProjectRules(entry),
    openTextOf,
    validated: (ms) => {
      status.validated(ms);
      void status.send();
    },
  });

  // ----------------------------------------------------------------------------------------------
  // Lifecycle

  connection.onInitialize(
    log.guard(
      'initialize',
      { capabilities: {} } as InitializeResult,
      async (params: InitializeParams): Promise<InitializeResult> => {
        clientCapabilities = params.capabilities;
        folders = workspaceFolderPaths(params.workspaceFolders, params.rootUri);
        trusted = workspaceTrustedFrom(params.initializationOptions);
        if (!trusted) {
          log.info(
            'The workspace is not trusted: SW108 (edited-history) does not run git in it and reports nothing; trust the workspace to check edited history.',
          );
          // The cache's entries are trusted by their key, and a cache folder can come with the
          // repository: in an untrusted workspace everything is analysed afresh.
          index.cache = undefined;
        }
        await initEngine();
        return {
          capabilities: {
            textDocumentSync: {
              openClose: true,
              change: TextDocumentSyncKind.Incremental,
              save: { includeText: false },
            },
            codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, FIX_ALL_KIND], resolveProvider: false },
            hoverProvider: true,
            completionProvider: { triggerCharacters: [' ', '=', '[', ',', '-'], resolveProvider: false },
            executeCommandProvider: { commands: Object.values(ServerCommands) },
            workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
          },
          serverInfo: { name: 'schema-warden' },
        };
      },
    ),
  );

  connection.onInitialized(
    log.guard('initialized', undefined, async () => {
      if (clientCapabilities.workspace?.didChangeConfiguration?.dynamicRegistration) {
        await connection.client.register(DidChangeConfigurationNotification.type, { section: 'schemaWarden' });
      }
      if (clientCapabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration) {
        await connection.client.register(DidChangeWatchedFilesNotification.type, {
          watchers: WATCHED_GLOBS.map((globPattern) => ({ globPattern })),
        });
      }
      if (clientCapabilities.workspace?.workspaceFolders) {
        connection.workspace.onDidChangeWorkspaceFolders(
          log.guard('didChangeWorkspaceFolders', undefined, (event) => {
            const removed = new Set(event.removed.map((f) => uriToPath(f.uri)));
            folders = [...folders.filter((f) => !removed.has(f)), ...workspaceFolderPaths(event.added, null)];
            reindex();
          }),
        );
      }
      reindex();
    }),
  );

  /** Rebuilds the index in the background, with LSP progress; open documents keep their text. */
  function reindex(): Promise<void> {
    indexChain = indexChain.then(() => buildIndex()).catch((err) => log.error('indexing the workspace', err));
    ready = indexChain;
    void indexChain.then(resolveFirstIndex);
    return indexChain;
  }

  async function buildIndex(): Promise<void> {
    void status.setIndexing(true);
    let built = false;
    const started = performance.now();
    const progress = await connection.window.createWorkDoneProgress().catch(() => undefined);
    progress?.begin('Schema Warden', 0, 'Indexing Alembic revisions…', false);
    try {
      await index.build(
        folders,
        (file) => openModelOf(file),
        openTextOf,
        (done, total) => progress?.report(total ? Math.round((done / total) * 100) : 100, `${done}/${total} revisions`),
      );
      workspaceProblems.replace(index.problems);
      const parsed = performance.now();
      // What the user looks at first: open documents get their diagnostics before the rest is linted.
      for (const doc of open.values()) validateDocument(doc);
      let linted = 0;
      for (const entry of index.projects) {
        for (const model of entry.model.revisions) {
          if (!entry.revisionFindings.has(model.path))
            entry.revisionFindings.set(model.path, lintRevision(model, entry.model, { revisionFindings: index.cache }));
          if (++linted % 50 === 0) await new Promise((resolve) => setImmediate(resolve)); // keep answering requests
        }
        // From the cache too: an unchanged workspace replays no schema for SW207/SW501 (engine/cache/).
        entry.projectFindings = safeProjectRules(entry, index.cache);
      }
      for (const problem of publisher.publishEverything(index.projects)) workspaceProblems.add(problem);
      // Documents edited while the rest was linted: their newest text wins.
      for (const doc of open.values()) validateDocument(doc);
      const ms = performance.now() - started;
      status.validated(ms);
      log.info(
        `Indexed ${index.revisionCount} revision(s) in ${index.projects.length} project(s) in ${Math.round(ms)} ` +
          `ms (parsing ${Math.round(parsed - started)} ms, linting ${Math.round(performance.now() - parsed)} ` +
          `ms; ${index.cache?.summary() ?? 'no cache'}).`,
      );
      built = true;
    } finally {
      progress?.done();
      // Models read back from the cache are decoded on first use: do it now, between requests, but
      // only once the diagnostics and this status are written. vscode-jsonrpc writes one message per
      // turn of the event loop, so warming up at once would stretch 1,000 publications over its
      // 250 ms of decoding (measured: the status "ready" reached the client 230 ms later).
      void status
        .setIndexing(false)
        .then(() => (built ? index.warmUp() : undefined))
        .catch((err) => log.error('warming up after indexing', err));
    }
  }

  connection.onShutdown(() => {
    for (const doc of open.values()) doc.dispose();
    open.clear();
  });

  // ----------------------------------------------------------------------------------------------
  // Documents

  /** A notification the server cannot use: logged once per kind of problem (and document), then ignored. */
  function ignored(method: string, problem: string, uri?: string, consequence = ''): void {
    log.once(
      `${method}\n${uri ?? ''}\n${problemKey(problem)}`,
      `Ignored ${method}${uri ? ` of ${uri}` : ''}: ${problem}.${consequence}`,
    );
  }

  connection.onDidOpenTextDocument(
    log.guard('didOpen', undefined, async (params) => {
      const problem = documentItemProblem(paramsOf(params).textDocument);
      if (problem) {
        ignored('textDocument/didOpen', problem);
        return;
      }
      const { textDocument } = params;
      const uri = canonicalUri(textDocument.uri);
      const version = Number.isInteger(textDocument.version) ? textDocument.version : 0;
      const languageId = typeof textDocument.languageId === 'string' ? textDocument.languageId : '';
      const doc = new OpenDocument(TextDocument.create(uri, languageId, version, textDocument.text), uriToPath(uri));
      open.get(uri)?.dispose();
      open.set(uri, doc);
      await ready;
      validateDocument(doc);
    }),
  );

  connection.onDidChangeTextDocument(
    log.guard('didChange', undefined, (params) => {
      const p = paramsOf(params);
      const uri =
        isObject(p.textDocument) && typeof p.textDocument.uri === 'string'
          ? canonicalUri(p.textDocument.uri)
          : undefined;
      const problem = versionedDocumentProblem(p.textDocument) ?? contentChangesProblem(p.contentChanges);
      const doc = uri === undefined ? undefined : open.get(uri);
      if (problem) {
        ignored(
          'textDocument/didChange',
          problem,
          uri,
          doc
            ? " The server's copy of the document may differ from the editor's from now on, until the editor sends its whole text or reopens it."
            : '',
        );
        return;
      }
      const { textDocument, contentChanges } = params;
      if (!doc) {
        ignored('textDocument/didChange', 'the document is not open (no didOpen came for it, or it was closed)', uri);
        return;
      }
      for (const change of contentChanges) {
        if ('range' in change) {
          const past = [change.range.start, change.range.end].find((position) => !inDocument(doc.text, position));
          if (past)
            log.once(
              `didChange past end\n${uri}`,
              `textDocument/didChange of ${uri}: a change range reaches ${past.line}:${past.character}, ` +
                `past the end of the document (${doc.text.lineCount} lines): applied at its end.`,
            );
        }
        doc.applyChanges([change], textDocument.version);
      }
      // While the index builds, the document is validated once it is ready (didOpen awaits it).
      if (!status.indexing) validateDocument(doc);
    }),
  );

  connection.onDidCloseTextDocument(
    log.guard('didClose', undefined, (params) => {
      const problem = documentProblem(paramsOf(params).textDocument);
      if (problem) {
        ignored('textDocument/didClose', problem);
        return;
      }
      const uri = canonicalUri(params.textDocument.uri);
      const doc = open.get(uri);
      if (!doc) {
        ignored('textDocument/didClose', 'the document is not open', uri);
        return;
      }
      open.delete(uri);
      doc.dispose();
      const file = doc.path;
      if (!file) return;
      const entry = index.projectOf(file);
      if (!entry) {
        const around = index.projectAround(file);
        if (around && file.endsWith('.md') && isInside(file, around.config.decisionsDir))
          crossFile.reloadDecisions(around);
        else if (publisher.has(uri) && !around?.model.decisions?.some((d) => d.path === file)) {
          // application code is checked only while it is open
          publisher.clear(uri);
        }
        return;
      }
      // The file on disk is the truth again (the editor may have discarded unsaved changes; the file
      // may have been deleted while it was open: then it leaves the project and its diagnostics go).
      reread(entry, file);
      crossFile.schedule(entry);
    }),
  );

  connection.onDidSaveTextDocument(
    log.guard('didSave', undefined, (params) => {
      const problem = documentProblem(paramsOf(params).textDocument);
      if (problem) {
        ignored('textDocument/didSave', problem);
        return;
      }
      const file = uriToPath(params.textDocument.uri);
      // Clients without file watching still learn about configuration changes on save.
      if (file && !clientCapabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration)
        onFilesChanged([{ uri: canonicalUri(params.textDocument.uri), type: FileChangeType.Changed }]);
    }),
  );

  connection.onDidChangeWatchedFiles(
    log.guard('didChangeWatchedFiles', undefined, (params) => {
      const changes = paramsOf(params).changes;
      if (!Array.isArray(changes)) {
        ignored('workspace/didChangeWatchedFiles', `changes is ${changes === undefined ? 'missing' : 'not an array'}`);
        return;
      }
      const events: FileEvent[] = [];
      for (const change of changes as unknown[]) {
        const type = isObject(change) ? change.type : undefined;
        if (
          !isObject(change) ||
          typeof change.uri !== 'string' ||
          (type !== FileChangeType.Created && type !== FileChangeType.Changed && type !== FileChangeType.Deleted)
        ) {
          ignored('workspace/didChangeWatchedFiles', 'a change that is not {uri: string, type: 1 | 2 | 3}');
          continue;
        }
        events.push({ uri: canonicalUri(change.uri), type });
      }
      onFilesChanged(events);
    }),
  );

  connection.onDidChangeConfiguration(
    log.guard('didChangeConfiguration', undefined, () => {
      settings.clear();
      reindex();
    }),
  );

  function onFilesChanged(changes: readonly FileEvent[]): void {
    let configChanged = false;
    const touched = new Set<ProjectEntry>();
    for (const change of changes) {
      const file = uriToPath(change.uri);
      if (!file) continue;
      const base = path.basename(file);
      // An env.py created or deleted makes or unmakes a project configured in Python (model/discovery.ts).
      if (CONFIG_FILES.has(base) || (base === 'env.py' && change.type !== FileChangeType.Changed)) {
        configChanged = true;
        continue;
      }
      if (file.endsWith('.md')) {
        const entry = index.projectAround(file);
        if (entry && isInside(file, entry.config.decisionsDir) && !open.has(change.uri))
          crossFile.reloadDecisions(entry); // waivers depend on records
        continue;
      }
      if (!file.endsWith('.py') || open.has(change.uri)) continue; // an open document's text wins over the disk
      const entry = index.projectOf(file);
      if (!entry) continue;
      if (change.type === FileChangeType.Deleted) {
        index.removeRevision(entry, file);
        publisher.publishFile(entry, file);
      } else reread(entry, file); // created or changed; or deleted again since the event
      touched.add(entry);
    }
    if (configChanged) {
      reindex();
      return;
    }
    for (const entry of touched) crossFile.schedule(entry);
  }

  /** Reads a revision that is not open from disk again; one that is gone (or unreadable) leaves the project. */
  function reread(entry: ProjectEntry, file: string): void {
    const read = readRevision(file);
    if ('path' in read) {
      index.setRevision(entry, read);
      entry.revisionFindings.set(file, lintRevision(read, entry.model));
    } else {
      if (read.problem) workspaceProblems.add(read.problem);
      index.removeRevision(entry, file);
    }
    publisher.publishFile(entry, file);
  }

  function openModelOf(file: string): MigrationModel | undefined {
    const doc = open.get(pathToUri(file));
    return doc?.isPython ? doc.model() : undefined;
  }

  function openTextOf(file: string): string | undefined {
    return open.get(pathToUri(file))?.text.getText();
  }

  // ----------------------------------------------------------------------------------------------
  // Validation

  /** The per-keystroke path: parse incrementally, run the file's own rules, publish; cross-file later. */
  function validateDocument(doc: OpenDocument): void {
    const file = doc.path;
    if (!file) return;
    if (doc.isPython) {
      const entry = index.projectOf(file);
      if (entry) updateRevision(entry, doc.model());
      else validateApplicationFile(doc, file);
      return;
    }
    const around = file.endsWith('.md') ? index.projectAround(file) : undefined;
    if (around && isInside(file, around.config.decisionsDir)) crossFile.reloadDecisions(around);
  }

  /** Application code (SW305): an open Python file of a project that is not one of its revisions. */
  function validateApplicationFile(doc: OpenDocument, file: string): void {
    const entry = index.projectAround(file);
    if (!entry || !isApplicationFile(file, entry.config)) return;
    const text = doc.text.getText();
    const findings = entry.settings.enable ? lintApplicationFile(file, text, entry.config, entry.model.decisions) : [];
    publisher.sendFindings(entry, doc.uri, doc.version, findings, new LineIndex(text), { canWaive: true });
  }

  function updateRevision(entry: ProjectEntry, model: MigrationModel): void {
    const before = entry.model.byPath.get(model.path);
    index.setRevision(entry, model);
    entry.revisionFindings.set(model.path, lintRevision(model, entry.model));
    publisher.publishFile(entry, model.path);
    crossFile.schedule(entry, before === undefined || !sameGraphHeader(before, model));
  }

  function safeProjectRules(entry: ProjectEntry, cache?: RevisionFindingsCache): Map<string, Finding[]> {
    try {
      return lintProjectRules(entry.model, { trusted, revisionFindings: cache });
    } catch (err) {
      log.error('project rules', err);
      return new Map();
    }
  }

  // ----------------------------------------------------------------------------------------------
  // Features and commands

  registerFeatures({ connection, log, index, open, publisher, tracedLocks });
  tracedLocks.listen(connection, log, (file) => {
    const entry = index.projectOf(file);
    if (entry) publisher.publishFile(entry, file);
  });
  registerCommands({
    connection,
    log,
    index,
    open,
    crossFile,
    canShowDocument: () => clientCapabilities.window?.showDocument?.support === true,
    folders: () => folders,
    ready: () => ready,
    reindex,
    status: () => status.params(),
  });

  // Methods this server does not have. A request gets MethodNotFound (never silence: the client
  // would wait for ever); a notification is ignored ($/ ones silently, as LSP allows). Each logged once.
  connection.onRequest((method: string) => {
    log.once(
      `unknown request\n${method}`,
      `Answered the unknown request ${JSON.stringify(method)} with MethodNotFound.`,
    );
    return new ResponseError(ErrorCodes.MethodNotFound, `Unhandled method ${method}`);
  });
  connection.onNotification((method: string) => {
    if (!method.startsWith('$/'))
      log.once(`unknown notification\n${method}`, `Ignored the unknown notification ${JSON.stringify(method)}.`);
  });

  connection.listen();
}

function workspaceFolderPaths(
  workspaceFolders: readonly WorkspaceFolder[] | null | undefined,
  rootUri: string | null,
): string[] {
  const uris = workspaceFolders?.length ? workspaceFolders.map((f) => f.uri) : rootUri ? [rootUri] : [];
  return uris.map(uriToPath).filter((p): p is string => p !== undefined);
}

/** Same revision id, parents, branch labels and dependencies: the revision graph is unchanged. */
function sameGraphHeader(a: MigrationModel, b: MigrationModel): boolean {
  return (
    a.revision === b.revision &&
    sameIds(a.downRevision, b.downRevision) &&
    sameIds(a.branchLabels, b.branchLabels) &&
    a.unresolvedBranchLabels === b.unresolvedBranchLabels &&
    sameIds(a.dependsOn, b.dependsOn)
  );
}

function sameIds(
  a: string | readonly string[] | null | undefined,
  b: string | readonly string[] | null | undefined,
): boolean {
  if (a === b) return true;
  if (!Array.isArray(a) || !Array.isArray(b)) return false;
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CodeActionKind,
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  ErrorCodes,
  FileChangeType,
  ResponseError,
  TextDocumentSyncKind,
  type CodeAction,
  type CompletionItem,
  type Connection,
  type Hover,
  type FileEvent,
  type InitializeParams,
  type InitializeResult,
  type WorkspaceFolder,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { initEngine } from '../engine/analyze';
import { isApplicationFile, lintApplicationFile } from '../engine/application';
import { LineIndex } from '../model/source';
import { lintProjectRules, lintRevision, sortFindings } from '../engine/lint';
import { acceptedHistory } from '../model/baseline';
import { unknownBaselineError } from '../engine/baseline';
import type { MigrationModel } from '../model/migration';
import type { ProjectModel } from '../model/project';
import { allRules } from '../rules';
import { ruleDocUrl } from '../rules/docsUrl';
import type { Finding } from '../rules/types';
import {
  FIX_ALL_KIND,
  LintWorkspaceRequest,
  ListRevisionsRequest,
  ListRulesRequest,
  NewDecisionRequest,
  ServerCommands,
  StatusNotification,
  type AllowWithDecisionArgs,
  type LintWorkspaceResult,
  type NewDecisionParams,
  type NewDecisionResult,
  type RevisionSummary,
  type RuleSummary,
  type StatusParams,
} from '../shared/protocol';
import { codeActions, type Published } from './codeActions';
import { committedChildOf } from '../engine/gitHistory';
import { frontMatterCompletion, waiverCompletion } from './completion';
import { loadRecords, recordInfo, waiverLine, writeRecord } from './decisions';
import { configErrorDiagnostic, fingerprint, toDiagnostic } from './diagnostics';
import { OpenDocument } from './documents';
import { hoverAt } from './hover';
import { ServerLog } from './log';
import {
  contentChangesProblem,
  documentItemProblem,
  documentProblem,
  isObject,
  paramsOf,
  positionProblem,
  problemKey,
  rangeProblem,
  versionedDocumentProblem,
} from './params';
import { SettingsCache } from './settings';
import { workspaceTrustedFrom } from '../shared/settings';
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
 */
export function startServer(connection: Connection, options: ServerOptions = {}): void {
  const log = new ServerLog(connection);
  const open = new Map<string, OpenDocument>();
  const published = new Map<string, Published>();
  const publishedPrints = new Map<string, string>();
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
  let indexing = false;
  let lastValidation: { at: Date; ms: number } | undefined;
  const crossTimers = new Map<ProjectEntry, NodeJS.Timeout>();
  const crossDelay = options.crossFileDelayMs ?? CROSS_FILE_DELAY_MS;
  const decisionTimers = new Map<ProjectEntry, NodeJS.Timeout>();
  let workspaceProblems = new Set<string>();
  /** When each project's cross-file pass last ran at once for a graph edit (performance.now()). */
  const lastEagerRun = new WeakMap<ProjectEntry, number>();

  const settings = new SettingsCache(connection, () => clientCapabilities.workspace?.configuration === true);
  const index = new WorkspaceIndex((root) => settings.get(pathToUri(root)));

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
        if (!trusted)
          log.info(
            'The workspace is not trusted: SW108 (edited-history) does not run git in it and reports nothing; trust the workspace to check edited history.',
          );
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
    indexing = true;
    sendStatus();
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
      reportWorkspaceProblems(index.problems);
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
        entry.projectFindings = safeProjectRules(entry);
      }
      publishEverything();
      // Documents edited while the rest was linted: their newest text wins.
      for (const doc of open.values()) validateDocument(doc);
      lastValidation = { at: new Date(), ms: performance.now() - started };
      log.info(
        `Indexed ${index.revisionCount} revision(s) in ${index.projects.length} project(s) in ${Math.round(lastValidation.ms)} ms (parsing ${Math.round(parsed - started)} ms, linting ${Math.round(performance.now() - parsed)} ms; ${index.cache?.summary() ?? 'no cache'}).`,
      );
    } finally {
      progress?.done();
      indexing = false;
      sendStatus();
    }
  }

  /**
   * Logs what the index found wrong (a broken or looping link, a configuration Alembic cannot
   * use): each problem once while it lasts, not again on every re-index; again if it comes back.
   */
  function reportWorkspaceProblems(problems: readonly string[]): void {
    const now = new Set(problems);
    for (const problem of now) if (!workspaceProblems.has(problem)) log.warn(problem);
    workspaceProblems = now;
  }

  /** A problem found between two index builds (a watcher event): logged unless it is known already. */
  function reportWorkspaceProblem(problem: string): void {
    if (workspaceProblems.has(problem)) return;
    workspaceProblems.add(problem);
    log.warn(problem);
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
              `textDocument/didChange of ${uri}: a change range reaches ${past.line}:${past.character}, past the end of the document (${doc.text.lineCount} lines): applied at its end.`,
            );
        }
        doc.applyChanges([change], textDocument.version);
      }
      // While the index builds, the document is validated once it is ready (didOpen awaits it).
      if (!indexing) validateDocument(doc);
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
          scheduleDecisionsReload(around);
        else if (published.has(uri) && !around?.model.decisions?.some((d) => d.path === file)) {
          // application code is checked only while it is open
          published.delete(uri);
          publishedPrints.delete(uri);
          void connection.sendDiagnostics({ uri, diagnostics: [] });
        }
        return;
      }
      // The file on disk is the truth again (the editor may have discarded unsaved changes; the file
      // may have been deleted while it was open: then it leaves the project and its diagnostics go).
      reread(entry, file);
      scheduleCrossFile(entry);
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
        if (entry && isInside(file, entry.config.decisionsDir) && !open.has(change.uri)) scheduleDecisionsReload(entry); // waivers depend on records
        continue;
      }
      if (!file.endsWith('.py') || open.has(change.uri)) continue; // an open document's text wins over the disk
      const entry = index.projectOf(file);
      if (!entry) continue;
      if (change.type === FileChangeType.Deleted) {
        index.removeRevision(entry, file);
        publishFile(entry, file);
      } else reread(entry, file); // created or changed; or deleted again since the event
      touched.add(entry);
    }
    if (configChanged) {
      reindex();
      return;
    }
    for (const entry of touched) scheduleCrossFile(entry);
  }

  /** Reads a revision that is not open from disk again; one that is gone (or unreadable) leaves the project. */
  function reread(entry: ProjectEntry, file: string): void {
    const read = readRevision(file);
    if ('path' in read) {
      index.setRevision(entry, read);
      entry.revisionFindings.set(file, lintRevision(read, entry.model));
    } else {
      if (read.problem) reportWorkspaceProblem(read.problem);
      index.removeRevision(entry, file);
    }
    publishFile(entry, file);
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
    if (around && isInside(file, around.config.decisionsDir)) scheduleDecisionsReload(around);
  }

  /** Application code (SW305): an open Python file of a project that is not one of its revisions. */
  function validateApplicationFile(doc: OpenDocument, file: string): void {
    const entry = index.projectAround(file);
    if (!entry || !isApplicationFile(file, entry.config)) return;
    const text = doc.text.getText();
    const findings = entry.settings.enable ? lintApplicationFile(file, text, entry.config, entry.model.decisions) : [];
    sendFindings(entry, doc.uri, doc.version, findings, new LineIndex(text), { canWaive: true });
  }

  /** A decision record changed: waivers of every revision may now hold or not. Debounced like cross-file work. */
  function scheduleDecisionsReload(entry: ProjectEntry): void {
    clearTimeout(decisionTimers.get(entry));
    decisionTimers.set(
      entry,
      setTimeout(
        log.guard('decision records', undefined, () => {
          decisionTimers.delete(entry);
          if (!index.projects.includes(entry)) return;
          index.setDecisions(entry, loadRecords(entry.config.decisionsDir, openTextOf));
          for (const model of entry.model.revisions)
            entry.revisionFindings.set(model.path, lintRevision(model, entry.model, { revisionFindings: index.cache }));
          runCrossFile(entry);
          for (const model of entry.model.revisions) publishFile(entry, model.path);
          for (const record of entry.model.decisions ?? []) publishFile(entry, record.path);
        }),
        crossDelay,
      ),
    );
  }

  function updateRevision(entry: ProjectEntry, model: MigrationModel): void {
    const before = entry.model.byPath.get(model.path);
    index.setRevision(entry, model);
    entry.revisionFindings.set(model.path, lintRevision(model, entry.model));
    publishFile(entry, model.path);
    scheduleCrossFile(entry, before === undefined || !sameGraphHeader(before, model));
  }

  /**
   * Cross-file work waits for typing to pause (`crossDelay`), except when the edit changed the
   * revision graph (revision, down_revision, branch_labels, depends_on): then it runs as soon as
   * this keystroke's own diagnostics are out, at most once per `crossDelay` — typing a revision id
   * runs it at the first character and once more when typing pauses.
   */
  function scheduleCrossFile(entry: ProjectEntry, graphChanged = false): void {
    const now = performance.now();
    const atOnce = graphChanged && now - (lastEagerRun.get(entry) ?? -Infinity) >= crossDelay;
    if (atOnce) lastEagerRun.set(entry, now);
    clearTimeout(crossTimers.get(entry));
    // "At once" is still a timer: the writer sends this edit's own diagnostics first (setImmediate).
    crossTimers.set(
      entry,
      setTimeout(
        log.guard('cross-file validation', undefined, () => {
          crossTimers.delete(entry);
          if (index.projects.includes(entry)) runCrossFile(entry); // else re-indexed meanwhile
        }),
        atOnce ? 0 : crossDelay,
      ),
    );
  }

  function runCrossFile(entry: ProjectEntry): void {
    clearTimeout(crossTimers.get(entry));
    crossTimers.delete(entry);
    const started = performance.now();
    const before = entry.projectFindings;
    entry.projectFindings = safeProjectRules(entry);
    for (const file of new Set([...before.keys(), ...entry.projectFindings.keys()])) publishFile(entry, file);
    lastValidation = { at: new Date(), ms: performance.now() - started };
    sendStatus();
  }

  function committedChildSafely(project: ProjectModel, file: string): Published['committedChild'] {
    try {
      return committedChildOf(project, file);
    } catch (err) {
      log.error('committed child', err);
      return undefined;
    }
  }

  function safeProjectRules(entry: ProjectEntry): Map<string, Finding[]> {
    try {
      return lintProjectRules(entry.model, { trusted });
    } catch (err) {
      log.error('project rules', err);
      return new Map();
    }
  }

  function findingsOf(entry: ProjectEntry, file: string): Finding[] {
    if (!entry.settings.enable) return [];
    const own = entry.revisionFindings.get(file) ?? [];
    const cross = entry.projectFindings.get(file);
    return cross?.length ? sortFindings([...own, ...cross]) : own;
  }

  /** Publishes a revision's or a decision record's findings (own + cross-file), skipping unchanged ones. */
  function publishFile(entry: ProjectEntry, file: string): void {
    const uri = pathToUri(file);
    const model = entry.model.byPath.get(file);
    const record = model ? undefined : entry.model.decisions?.find((d) => d.path === file);
    const lines = model?.lines ?? record?.lines;
    const doc = open.get(uri);
    // The version only when the findings were computed from the open document's current text.
    const current = doc !== undefined && lines !== undefined && doc.text.getText() === lines.text;
    sendFindings(entry, uri, current ? doc.version : -1, lines ? findingsOf(entry, file) : [], lines, {
      revision: model?.revision,
      canWaive: model !== undefined,
      // Quick fixes must not edit shared history; git is asked only in a trusted workspace.
      committedChild: model && trusted ? committedChildSafely(entry.model, file) : undefined,
    });
  }

  function sendFindings(
    entry: ProjectEntry,
    uri: string,
    version: number,
    findings: Finding[],
    lines: LineIndex | undefined,
    extra: Pick<Published, 'revision' | 'canWaive' | 'committedChild'>,
  ): void {
    if (lines) published.set(uri, { uri, version, findings, lines, ...extra });
    else published.delete(uri);
    const print = `${version}\n${fingerprint(findings)}`;
    if (publishedPrints.get(uri) === print) return;
    if (findings.length === 0 && !publishedPrints.has(uri)) return; // nothing shown, nothing to clear
    publishedPrints.set(uri, print);
    const diagnostics = findings.map((f, i) => toDiagnostic(f, { ruleId: f.ruleId, version, index: i }, entry.model));
    void connection.sendDiagnostics({ uri, version: version >= 0 ? version : undefined, diagnostics });
  }

  function publishEverything(): void {
    const live = new Set<string>();
    for (const entry of index.projects) {
      for (const model of entry.model.revisions) {
        publishFile(entry, model.path);
        live.add(pathToUri(model.path));
      }
      for (const record of entry.model.decisions ?? []) {
        publishFile(entry, record.path);
        live.add(pathToUri(record.path));
      }
      if (entry.configError) {
        const uri = pathToUri(entry.configError.file);
        live.add(uri);
        publishedPrints.set(uri, `config\n${entry.configError.message}`);
        void connection.sendDiagnostics({ uri, diagnostics: [configErrorDiagnostic(entry.configError)] });
      }
    }
    // A `baseline` naming no revision of the projects it configures accepts nothing: say so on the file.
    const baselineError = unknownBaselineError(index.projects.map((entry) => entry.model));
    if (baselineError) {
      const uri = pathToUri(baselineError.file);
      live.add(uri);
      publishedPrints.set(uri, `config\n${baselineError.message}`);
      const diagnostic = { ...configErrorDiagnostic(baselineError), message: `${baselineError.message}.` };
      void connection.sendDiagnostics({ uri, diagnostics: [diagnostic] });
      reportWorkspaceProblem(`configuration error: ${baselineError.message}`);
    }
    for (const doc of open.values()) live.add(doc.uri); // re-validated right after
    // Files that left every project (a moved version location, a deleted project): clear them.
    for (const uri of [...publishedPrints.keys()]) {
      if (live.has(uri)) continue;
      publishedPrints.delete(uri);
      published.delete(uri);
      void connection.sendDiagnostics({ uri, diagnostics: [] });
    }
  }

  function status(): StatusParams {
    let errors = 0;
    let warnings = 0;
    const heads: string[] = [];
    const baselineIds: string[] = [];
    let accepted = 0;
    for (const entry of index.projects) {
      const history = acceptedHistory(entry.model);
      baselineIds.push(...history.ids);
      accepted += history.revisions.size;
      for (const file of [...entry.model.byPath.keys(), ...(entry.model.decisions ?? []).map((d) => d.path)]) {
        for (const f of findingsOf(entry, file)) {
          if (f.severity === 'error') errors++;
          else if (f.severity === 'warning') warnings++;
        }
      }
      heads.push(...entry.model.graph.heads);
    }
    return {
      state: indexing ? 'indexing' : 'ready',
      projects: index.projects.length,
      filesAnalysed: index.revisionCount,
      errors,
      warnings,
      heads,
      ...(baselineIds.length ? { baseline: { ids: [...new Set(baselineIds)], accepted } } : {}),
      lastValidation: lastValidation?.at.toISOString(),
      lastValidationMs: lastValidation ? Math.round(lastValidation.ms * 10) / 10 : undefined,
    };
  }

  function sendStatus(): void {
    void connection.sendNotification(StatusNotification, status());
  }

  // ----------------------------------------------------------------------------------------------
  // Features

  /** A request whose params are malformed: answered InvalidParams (saying what is wrong), logged once per kind. */
  function invalidParams(method: string, problem: string): ResponseError<void> {
    log.once(`${method}\n\n${problemKey(problem)}`, `Answered ${method} with InvalidParams: ${problem}.`);
    return new ResponseError(ErrorCodes.InvalidParams, `${method}: ${problem}`);
  }

  /** The open document a request is about; a request about another one is answered empty and logged once. */
  function openFor(method: string, uri: string): OpenDocument | undefined {
    const doc = open.get(uri);
    if (!doc)
      log.once(
        `${method}\n${uri}\nnot open`,
        `${method} for ${uri}, which is not open (no didOpen came for it, or it was closed): answered with nothing.`,
      );
    return doc;
  }

  /** A position past the end of the document is taken as its end (as TextDocument does), logged once per document. */
  function notePastEnd(method: string, doc: OpenDocument, position: { line: number; character: number }): void {
    if (!inDocument(doc.text, position))
      log.once(
        `${method}\n${doc.uri}\npast end`,
        `${method} at ${position.line}:${position.character} in ${doc.uri}, past the end of the document (${doc.text.lineCount} lines): taken as its end.`,
      );
  }

  connection.onCodeAction(
    log.guard('codeAction', [] as CodeAction[] | ResponseError<void>, (params) => {
      const p = paramsOf(params);
      const problem =
        documentProblem(p.textDocument) ??
        rangeProblem(p.range) ??
        (!isObject(p.context) || !Array.isArray(p.context.diagnostics)
          ? 'context.diagnostics is not an array'
          : undefined);
      if (problem) return invalidParams('textDocument/codeAction', problem);
      const uri = canonicalUri(params.textDocument.uri);
      const doc = open.get(uri);
      const current = published.get(uri);
      if (!doc && !current) {
        openFor('textDocument/codeAction', uri);
        return [];
      } // findings of a file not open may still have actions
      if (doc) notePastEnd('textDocument/codeAction', doc, params.range.end);
      // Code actions answer for the text the editor shows: findings of an older version have stale ranges.
      if (doc && current && current.version !== doc.version) return [];
      return codeActions(params, current);
    }),
  );

  connection.onHover(
    log.guard('hover', null as Hover | null | ResponseError<void>, (params) => {
      const p = paramsOf(params);
      const problem = documentProblem(p.textDocument) ?? positionProblem(p.position);
      if (problem) return invalidParams('textDocument/hover', problem);
      const { textDocument, position } = params;
      const doc = openFor('textDocument/hover', canonicalUri(textDocument.uri));
      const file = doc?.path;
      const entry = file ? index.projectOf(file) : undefined;
      if (!doc || !entry || !doc.isPython) return null;
      notePastEnd('textDocument/hover', doc, position);
      const model = doc.model();
      return hoverAt(model, findingsOf(entry, model.path), model.lines.offsetAt(position), entry.config) ?? null;
    }),
  );

  connection.onCompletion(
    log.guard('completion', [] as CompletionItem[] | ResponseError<void>, (params) => {
      const p = paramsOf(params);
      const problem = documentProblem(p.textDocument) ?? positionProblem(p.position);
      if (problem) return invalidParams('textDocument/completion', problem);
      const { textDocument, position } = params;
      const doc = openFor('textDocument/completion', canonicalUri(textDocument.uri));
      if (!doc) return [];
      notePastEnd('textDocument/completion', doc, position);
      const file = doc.path;
      const text = doc.text.getText();
      const lines = text.split(/\r?\n/);
      const line = lines[position.line] ?? '';
      const entry = file ? (index.projectOf(file) ?? index.projectAround(file)) : undefined;
      if (doc.isPython) {
        return (
          waiverCompletion(line.slice(0, position.character), () => (entry?.model.decisions ?? []).map(recordInfo)) ??
          []
        );
      }
      if (file?.endsWith('.md') && entry && isInside(file, entry.config.decisionsDir))
        return frontMatterCompletion(lines, position.line, position.character) ?? [];
      return [];
    }),
  );

  connection.onExecuteCommand(
    log.guard('executeCommand', null as unknown, async (params) => {
      const p = paramsOf(params);
      if (typeof p.command !== 'string')
        return invalidParams(
          'workspace/executeCommand',
          `command is ${p.command === undefined ? 'missing' : 'not a string'}`,
        );
      const { command } = params;
      const args: unknown[] = Array.isArray(p.arguments) ? p.arguments : [];
      if (command === ServerCommands.showRuleDocumentation) {
        const rule = allRules.find((r) => r.meta.id === args[0]);
        if (rule)
          await connection.window.showDocument({ uri: ruleDocUrl(rule.meta.id, rule.meta.name), external: true });
        return null;
      }
      if (command === ServerCommands.allowWithDecision) {
        const arg = paramsOf(args[0]);
        if (
          typeof arg.uri !== 'string' ||
          typeof arg.ruleId !== 'string' ||
          typeof arg.line !== 'number' ||
          !Number.isInteger(arg.line) ||
          arg.line < 0
        ) {
          return invalidParams(
            'workspace/executeCommand',
            `${command} needs {uri: string, ruleId: string, line: non-negative integer}`,
          );
        }
        const allow = arg as unknown as AllowWithDecisionArgs;
        const title =
          allow.title ??
          `Allow ${allow.ruleId} in revision ${allow.revision ?? path.basename(uriToPath(allow.uri) ?? allow.uri)}`;
        const result = await newDecision({
          title,
          rules: [allow.ruleId],
          revisions: allow.revision ? [allow.revision] : ['*'],
          uri: allow.uri,
          waive: { uri: allow.uri, line: allow.line, ruleId: allow.ruleId },
        });
        if (clientCapabilities.window?.showDocument?.support)
          await connection.window.showDocument({ uri: result.uri, takeFocus: true });
        return result;
      }
      return invalidParams(
        'workspace/executeCommand',
        `unknown command ${JSON.stringify(command)} (this server has ${Object.values(ServerCommands).join(', ')})`,
      );
    }),
  );

  /** Writes the record, then (optionally) inserts the waiver comment above the finding with workspace/applyEdit. */
  async function newDecision(params: NewDecisionParams): Promise<NewDecisionResult> {
    const file = params.uri ? uriToPath(params.uri) : undefined;
    const entry = (file && (index.projectOf(file) ?? index.projectAround(file))) || index.projects[0];
    const dir = entry?.config.decisionsDir ?? path.join(folders[0] ?? process.cwd(), 'docs', 'decisions');
    const written = writeRecord(dir, { title: params.title, rules: params.rules, revisions: params.revisions });
    if (params.waive) {
      // Through the editor (workspace/applyEdit), so that an open revision with unsaved changes is edited, not overwritten.
      const doc = open.get(canonicalUri(params.waive.uri));
      const waivedFile = uriToPath(params.waive.uri);
      const source = doc ? doc.text.getText() : waivedFile ? fs.readFileSync(waivedFile, 'utf8') : '';
      const comment = waiverLine(source, params.waive.line, [params.waive.ruleId], written.id);
      await connection.workspace.applyEdit({
        label: `Allow ${params.waive.ruleId} (decision ${written.id})`,
        edit: {
          changes: {
            [params.waive.uri]: [
              {
                range: {
                  start: { line: params.waive.line, character: 0 },
                  end: { line: params.waive.line, character: 0 },
                },
                newText: comment,
              },
            ],
          },
        },
      });
    }
    if (entry) scheduleDecisionsReload(entry);
    return { id: written.id, uri: pathToUri(written.path) };
  }

  connection.onRequest(
    ListRulesRequest,
    log.guard('listRules', [] as RuleSummary[], () =>
      allRules.map((r) => ({
        id: r.meta.id,
        name: r.meta.name,
        severity: r.meta.severity,
        summary: r.meta.docs.summary,
        policyClause: r.meta.policyClause,
        docsUrl: ruleDocUrl(r.meta.id, r.meta.name),
      })),
    ),
  );

  connection.onRequest(
    ListRevisionsRequest,
    log.guard('listRevisions', [] as RevisionSummary[], async (params) => {
      await ready;
      const uri = paramsOf(params).uri;
      const file = typeof uri === 'string' ? uriToPath(uri) : undefined;
      const entry = (file && (index.projectOf(file) ?? index.projectAround(file))) || index.projects[0];
      if (!entry) return [];
      const heads = new Set(entry.model.graph.heads);
      const ordered = entry.model.graph.order
        .map((id) => entry.model.graph.nodes.get(id)!)
        .filter(Boolean)
        .reverse();
      return ordered.map((n) => ({
        revision: n.id,
        message: n.migration.message,
        uri: pathToUri(n.path),
        isHead: heads.has(n.id),
      }));
    }),
  );

  connection.onRequest(
    NewDecisionRequest,
    log.guard('newDecision', { id: '', uri: '' }, async (params) => {
      await ready;
      return newDecision(params);
    }),
  );

  connection.onRequest(
    LintWorkspaceRequest,
    log.guard('lintWorkspace', { files: 0, errors: 0, warnings: 0, ms: 0 } as LintWorkspaceResult, async () => {
      const started = performance.now();
      await reindex();
      const s = status();
      return {
        files: s.filesAnalysed,
        errors: s.errors,
        warnings: s.warnings,
        ms: Math.round(performance.now() - started),
      };
    }),
  );

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

/** False when `position` lies past the end of its line or of the document (TextDocument then takes the end). */
function inDocument(text: TextDocument, position: { line: number; character: number }): boolean {
  const back = text.positionAt(text.offsetAt(position));
  return back.line === position.line && back.character === position.character;
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

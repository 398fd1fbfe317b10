/**
 * Schema Warden's own LSP messages, declared once (method, message type, params and result) and
 * imported unchanged by the server (server/src/lsp) and the VS Code client (client/src). Both pin
 * releases of vscode-languageserver and vscode-languageclient that share one vscode-jsonrpc
 * (through vscode-languageserver-protocol, pinned to the same release), so these message types
 * work on either side.
 */
// `import = require`, as in the client's extension.ts: esbuild then reads the module's exports directly
// instead of copying its hundreds of re-exported names into an ES-module namespace at activation.
import jsonrpc = require('vscode-languageserver-protocol');
import type { Severity } from './severity';

/** Sent after every validation: drives the language status item. */
export interface StatusParams {
  state: 'indexing' | 'ready';
  /** Alembic projects found in the workspace. */
  projects: number;
  /** Revision files analysed (open documents and files on disk). */
  filesAnalysed: number;
  errors: number;
  warnings: number;
  /** Heads of the revision graph, over all projects. */
  heads: string[];
  /**
   * The accepted history (`baseline` in the team configuration), when one is configured: the
   * configured ids found, and how many revisions they accept (their findings are not shown).
   */
  baseline?: { ids: string[]; accepted: number };
  /** ISO time of the last validation, undefined before the first one. */
  lastValidation?: string;
  /** How long the last full validation took, in milliseconds. */
  lastValidationMs?: number;
}

export interface RuleSummary {
  id: string;
  name: string;
  severity: Severity;
  summary: string;
  policyClause: string;
  docsUrl: string;
}

export interface RevisionSummary {
  revision: string;
  message?: string;
  uri: string;
  isHead: boolean;
}
export interface ListRevisionsParams {
  /** A file inside the project to list; the first project of the workspace when omitted. */
  uri?: string;
}

export interface NewDecisionParams {
  title: string;
  rules: string[];
  /** Revision ids, or `*` for all. */
  revisions: string[];
  /** A file of the project the record belongs to (picks the decisions folder). */
  uri?: string;
  /** Insert `# schema-warden: allow RULE decision=ID` above this line of this revision. */
  waive?: { uri: string; line: number; ruleId: string };
}
export interface NewDecisionResult {
  id: string;
  uri: string;
}

export interface LintWorkspaceResult {
  files: number;
  errors: number;
  warnings: number;
  ms: number;
}

/** Commands the server executes (workspace/executeCommand); the code actions refer to them. */
export const ServerCommands = {
  /** args: [AllowWithDecisionArgs] — writes the record, inserts the waiver, opens the record. */
  allowWithDecision: 'schemaWarden.server.allowWithDecision',
  /** args: [ruleId] — answered with window/showDocument on the rule's page. */
  showRuleDocumentation: 'schemaWarden.server.showRuleDocumentation',
} as const;

/** Arguments of ServerCommands.allowWithDecision (a code action sends them). */
export interface AllowWithDecisionArgs {
  uri: string;
  /** The line of the finding: the waiver comment goes above it. */
  line: number;
  ruleId: string;
  revision?: string;
  /** Defaults to "Allow SWnnn in revision X"; the record opens for the rest. */
  title?: string;
}

/** The code action kind of "fix all safe findings": `source.fixAll.schemaWarden`. */
export const FIX_ALL_KIND = 'source.fixAll.schemaWarden';

export const DIAGNOSTIC_SOURCE = 'schema-warden';

/** What every diagnostic carries in `data`, so that code actions find the finding again. */
export interface DiagnosticData {
  ruleId: string;
  /** Document version the diagnostic was computed for (-1 for files not open). */
  version: number;
  /** Index of the finding in the list published for that version. */
  index: number;
}

/** Server → client, after every validation: drives the language status item. */
export const StatusNotification = new jsonrpc.NotificationType<StatusParams>('schemaWarden/status');

/** The registered rules, for the rule pickers. */
export const ListRulesRequest = new jsonrpc.RequestType0<RuleSummary[], void>('schemaWarden/listRules');

/** The revisions of a project, for *New decision record*. */
export const ListRevisionsRequest = new jsonrpc.RequestType<ListRevisionsParams, RevisionSummary[], void>(
  'schemaWarden/listRevisions',
);

/** Writes a decision record (and optionally a waiver comment) atomically. */
export const NewDecisionRequest = new jsonrpc.RequestType<NewDecisionParams, NewDecisionResult, void>(
  'schemaWarden/newDecision',
);

/** A configuration file (alembic.ini) the runner in the editor found. */
export interface RunLocationParams {
  configFile: string;
}
/** Where Alembic runs for it (project discovery's answer: Flask-Migrate runs from the folder above). */
export interface RunLocation {
  projectDir: string;
  /** Relative to projectDir. */
  configFile: string;
}

/** Where the runner runs Alembic for a configuration file: one home for layouts (model/discovery.ts). */
export const RunLocationRequest = new jsonrpc.RequestType<RunLocationParams, RunLocation, void>(
  'schemaWarden/runLocation',
);

/** Lints every revision of the workspace now. */
export const LintWorkspaceRequest = new jsonrpc.RequestType0<LintWorkspaceResult, void>('schemaWarden/lintWorkspace');

/**
 * One lock a verification traced (the shape of `result.revisions[].locks` in `verify --format
 * json`, declared again here because the protocol imports nothing of ours).
 */
export interface TracedLockInfo {
  table: string;
  /** PostgreSQL's name of the mode, e.g. AccessExclusiveLock. */
  mode: string;
  statement: string;
  /** The revision file's 1-based line that issued the statement; null when none was on the stack. */
  line: number | null;
  heldMs: number;
  /** The lock is on this index of `table`. */
  index?: string;
  /** The relation was created by the same upgrade. */
  new?: true;
}

/** What one verification traced in one revision file. */
export interface TracedRevisionLocks {
  /** The revision file (file: URI). */
  uri: string;
  revision: string;
  locks: TracedLockInfo[];
  /** Existing tables the upgrade rewrote. */
  rewrites: string[];
  /** Why the trace is incomplete, when it is. */
  traceError?: string;
  /**
   * SHA-256 (hex) of the file's text when it was traced. The server keeps the trace only when the
   * file's text on disk still has this hash (a trace sent again after a restart or a window reload
   * may be older than the file); without it, the text on disk when the trace arrives is taken.
   */
  sha256?: string;
}

export interface TracedLocksParams {
  /** The revisions the verification traced; a file not listed keeps what it was last sent. */
  revisions: TracedRevisionLocks[];
  /** The version of the PostgreSQL the verification ran on ("15.18"), named in the verdicts. */
  postgresVersion?: string;
}

/**
 * Client → server, after each finished verification: the locks it traced, so that the hover on an
 * `op.*` call shows them and SW6xx findings say whether the trace confirmed their prediction.
 */
export const TracedLocksNotification = new jsonrpc.NotificationType<TracedLocksParams>('schemaWarden/tracedLocks');

import type { Connection } from 'vscode-languageserver';
import { unknownBaselineError } from '../engine/baseline';
import { committedChildOf } from '../engine/gitHistory';
import { sortFindings } from '../engine/lint';
import type { ProjectModel } from '../model/project';
import type { LineIndex } from '../model/source';
import type { Finding } from '../rules/types';
import type { Published } from './codeActions';
import { configErrorDiagnostic, fingerprint, toDiagnostic } from './diagnostics';
import type { OpenDocument } from './documents';
import type { ServerLog } from './log';
import type { TracedLocks } from './tracedLocks';
import { pathToUri, uriToPath } from './uri';
import type { ProjectEntry } from './workspace';

/** A file's findings: its own and the cross-file ones, none when the user turned the extension off for it. */
export function findingsOf(entry: ProjectEntry, file: string): Finding[] {
  if (!entry.settings.enable) return [];
  const own = entry.revisionFindings.get(file) ?? [];
  const cross = entry.projectFindings.get(file);
  return cross?.length ? sortFindings([...own, ...cross]) : own;
}

/**
 * Publishes diagnostics and remembers what it published: the findings behind each file's
 * diagnostics (code actions read them back) and a fingerprint, so that unchanged diagnostics are
 * not sent again and files that leave every project are cleared.
 */
export class DiagnosticsPublisher {
  private readonly published = new Map<string, Published>();
  private readonly prints = new Map<string, string>();

  constructor(
    private readonly connection: Connection,
    private readonly open: ReadonlyMap<string, OpenDocument>,
    private readonly log: ServerLog,
    /** The client's word on workspace trust: git is asked only in a trusted workspace. */
    private readonly trusted: () => boolean,
    /** What the last verification traced: it annotates SW6xx findings and changes the fingerprint. */
    private readonly tracedLocks: TracedLocks,
  ) {}

  /** The findings last published for a file, with the text version they were computed for. */
  get(uri: string): Published | undefined {
    return this.published.get(uri);
  }

  has(uri: string): boolean {
    return this.published.has(uri);
  }

  /** Clears a file's diagnostics (application code is checked only while it is open). */
  clear(uri: string): void {
    this.published.delete(uri);
    this.prints.delete(uri);
    void this.connection.sendDiagnostics({ uri, diagnostics: [] });
  }

  /** Publishes a revision's or a decision record's findings (own + cross-file), skipping unchanged ones. */
  publishFile(entry: ProjectEntry, file: string): void {
    const uri = pathToUri(file);
    const model = entry.model.byPath.get(file);
    const record = model ? undefined : entry.model.decisions?.find((d) => d.path === file);
    const lines = model?.lines ?? record?.lines;
    const doc = this.open.get(uri);
    // The version only when the findings were computed from the open document's current text.
    const current = doc !== undefined && lines !== undefined && doc.text.getText() === lines.text;
    this.sendFindings(
      entry,
      uri,
      current ? doc.version : -1,
      lines ? findingsOf(entry, file) : [],
      lines,
      { revision: model?.revision, canWaive: model !== undefined },
      file,
    );
    // Quick fixes must not edit shared history; git is asked only in a trusted workspace, and only
    // when a code action reads the answer: not on every keystroke (it stats every revision file).
    const published = this.published.get(uri);
    if (published && model && this.trusted()) {
      const project = entry.model;
      let asked = false;
      let answer: Published['committedChild'];
      Object.defineProperty(published, 'committedChild', {
        enumerable: true,
        configurable: true,
        get: () => {
          if (!asked) [asked, answer] = [true, this.committedChildSafely(project, file)];
          return answer;
        },
      });
    }
  }

  private committedChildSafely(project: ProjectModel, file: string): Published['committedChild'] {
    try {
      return committedChildOf(project, file);
    } catch (err) {
      this.log.error('committed child', err);
      return undefined;
    }
  }

  sendFindings(
    entry: ProjectEntry,
    uri: string,
    version: number,
    findings: Finding[],
    lines: LineIndex | undefined,
    extra: Pick<Published, 'revision' | 'canWaive'>,
    /** The file `uri` names, when the caller knows it (the index publishes 1,000 at start: no URL parsing). */
    file: string | undefined = uriToPath(uri),
  ): void {
    if (lines) this.published.set(uri, { uri, version, findings, lines, ...extra });
    else this.published.delete(uri);
    const model = entry.model.byPath.get(file ?? '');
    const print = `${version}\n${fingerprint(findings)}\n${this.tracedLocks.stamp(model?.path)}`;
    if (this.prints.get(uri) === print) return;
    if (findings.length === 0 && !this.prints.has(uri)) return; // nothing shown, nothing to clear
    this.prints.set(uri, print);
    const diagnostics = this.tracedLocks.annotate(
      findings.map((f, i) => toDiagnostic(f, { ruleId: f.ruleId, version, index: i }, entry.model)),
      model,
      entry.config.postgresVersion,
    );
    void this.connection.sendDiagnostics({ uri, version: version >= 0 ? version : undefined, diagnostics });
  }

  /**
   * Publishes every file of every project, and clears the files that left every project. Returns
   * the configuration problems it published that concern the whole workspace (for the log).
   */
  publishEverything(projects: readonly ProjectEntry[]): string[] {
    const problems: string[] = [];
    const live = new Set<string>();
    for (const entry of projects) {
      for (const model of entry.model.revisions) {
        this.publishFile(entry, model.path);
        live.add(pathToUri(model.path));
      }
      for (const record of entry.model.decisions ?? []) {
        this.publishFile(entry, record.path);
        live.add(pathToUri(record.path));
      }
      if (entry.configError) {
        const uri = pathToUri(entry.configError.file);
        live.add(uri);
        this.prints.set(uri, `config\n${entry.configError.message}`);
        void this.connection.sendDiagnostics({ uri, diagnostics: [configErrorDiagnostic(entry.configError)] });
      }
    }
    // A `baseline` naming no revision of the projects it configures accepts nothing: say so on the file.
    const baselineError = unknownBaselineError(projects.map((entry) => entry.model));
    if (baselineError) {
      const uri = pathToUri(baselineError.file);
      live.add(uri);
      this.prints.set(uri, `config\n${baselineError.message}`);
      const diagnostic = { ...configErrorDiagnostic(baselineError), message: `${baselineError.message}.` };
      void this.connection.sendDiagnostics({ uri, diagnostics: [diagnostic] });
      problems.push(`configuration error: ${baselineError.message}`);
    }
    for (const doc of this.open.values()) live.add(doc.uri); // re-validated right after
    // Files that left every project (a moved version location, a deleted project): clear them.
    for (const uri of [...this.prints.keys()]) {
      if (live.has(uri)) continue;
      this.prints.delete(uri);
      this.published.delete(uri);
      void this.connection.sendDiagnostics({ uri, diagnostics: [] });
    }
    return problems;
  }
}

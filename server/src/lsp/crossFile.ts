import { lintRevision } from '../engine/lint';
import type { Finding } from '../rules/types';
import { loadRecords } from './decisions';
import type { ServerLog } from './log';
import type { DiagnosticsPublisher } from './publisher';
import type { ProjectEntry, WorkspaceIndex } from './workspace';

export interface CrossFileDeps {
  index: WorkspaceIndex;
  publisher: DiagnosticsPublisher;
  log: ServerLog;
  /** How long cross-file work waits for typing to pause. */
  delayMs: number;
  /** The whole-project rules of a project (never throws). */
  projectRules(entry: ProjectEntry): Map<string, Finding[]>;
  /** An open document's text, which wins over the file on disk. */
  openTextOf(file: string): string | undefined;
  /** Called after each cross-file pass with how long it took. */
  validated(ms: number): void;
}

/**
 * The scheduler of cross-file work: the whole-project rules, and the re-check of every waiver when
 * a decision record changes. Both wait for typing to pause, per project; it owns their timers.
 */
export class CrossFileScheduler {
  private readonly crossTimers = new Map<ProjectEntry, NodeJS.Timeout>();
  private readonly decisionTimers = new Map<ProjectEntry, NodeJS.Timeout>();
  /** When each project's cross-file pass last ran at once for a graph edit (performance.now()). */
  private readonly lastEagerRun = new WeakMap<ProjectEntry, number>();

  constructor(private readonly deps: CrossFileDeps) {}

  /**
   * Cross-file work waits for typing to pause (`delayMs`), except when the edit changed the
   * revision graph (revision, down_revision, branch_labels, depends_on): then it runs as soon as
   * this keystroke's own diagnostics are out, at most once per `delayMs` — typing a revision id
   * runs it at the first character and once more when typing pauses.
   */
  schedule(entry: ProjectEntry, graphChanged = false): void {
    const { delayMs, index } = this.deps;
    const now = performance.now();
    const atOnce = graphChanged && now - (this.lastEagerRun.get(entry) ?? -Infinity) >= delayMs;
    if (atOnce) this.lastEagerRun.set(entry, now);
    // "At once" is still a timer: the writer sends this edit's own diagnostics first (setImmediate).
    this.restart(this.crossTimers, entry, atOnce ? 0 : delayMs, 'cross-file validation', () => {
      if (index.projects.includes(entry)) this.run(entry); // else re-indexed meanwhile
    });
  }

  /** Runs a project's cross-file rules now and publishes the files whose findings may have changed. */
  run(entry: ProjectEntry): void {
    clearTimeout(this.crossTimers.get(entry));
    this.crossTimers.delete(entry);
    const started = performance.now();
    const before = entry.projectFindings;
    entry.projectFindings = this.deps.projectRules(entry);
    for (const file of new Set([...before.keys(), ...entry.projectFindings.keys()]))
      this.deps.publisher.publishFile(entry, file);
    this.deps.validated(performance.now() - started);
  }

  /** A decision record changed: waivers of every revision may now hold or not. Debounced like cross-file work. */
  reloadDecisions(entry: ProjectEntry): void {
    const { delayMs, index, publisher } = this.deps;
    this.restart(this.decisionTimers, entry, delayMs, 'decision records', () => {
      if (!index.projects.includes(entry)) return;
      index.setDecisions(entry, loadRecords(entry.config.decisionsDir, this.deps.openTextOf));
      for (const model of entry.model.revisions)
        entry.revisionFindings.set(model.path, lintRevision(model, entry.model, { revisionFindings: index.cache }));
      this.run(entry);
      for (const model of entry.model.revisions) publisher.publishFile(entry, model.path);
      for (const record of entry.model.decisions ?? []) publisher.publishFile(entry, record.path);
    });
  }

  /** (Re)starts a project's timer in `timers`: the work runs once, `delayMs` after the last call. */
  private restart(
    timers: Map<ProjectEntry, NodeJS.Timeout>,
    entry: ProjectEntry,
    delayMs: number,
    label: string,
    work: () => void,
  ): void {
    clearTimeout(timers.get(entry));
    timers.set(
      entry,
      setTimeout(
        this.deps.log.guard(label, undefined, () => {
          timers.delete(entry);
          work();
        }),
        delayMs,
      ),
    );
  }
}

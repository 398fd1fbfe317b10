import type { Connection } from 'vscode-languageserver';
import { acceptedHistory } from '../model/baseline';
import { StatusNotification, type StatusParams } from '../shared/protocol';
import { findingsOf } from './publisher';
import type { WorkspaceIndex } from './workspace';

/**
 * The server's status for the client's status bar and `schemaWarden/status`: whether the index is
 * being built, the workspace's counts and when it was last validated (and how long that took).
 */
export class ServerStatus {
  /** The index is being built: document changes wait for it (didOpen awaits it). */
  indexing = false;
  private lastValidation: { at: Date; ms: number } | undefined;

  constructor(
    private readonly connection: Connection,
    private readonly index: WorkspaceIndex,
  ) {}

  /** Records a validation that took `ms` (the caller tells the client when it is done). */
  validated(ms: number): void {
    this.lastValidation = { at: new Date(), ms };
  }

  /** Marks the index build as running or done and tells the client; resolves once it is written. */
  setIndexing(indexing: boolean): Promise<void> {
    this.indexing = indexing;
    return this.send();
  }

  /** Resolves once the notification is written (after every message sent before it), never rejects. */
  send(): Promise<void> {
    return this.connection.sendNotification(StatusNotification, this.params()).catch(() => undefined);
  }

  params(): StatusParams {
    let errors = 0;
    let warnings = 0;
    const heads: string[] = [];
    const baselineIds: string[] = [];
    let accepted = 0;
    for (const entry of this.index.projects) {
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
    const last = this.lastValidation;
    return {
      state: this.indexing ? 'indexing' : 'ready',
      projects: this.index.projects.length,
      filesAnalysed: this.index.revisionCount,
      errors,
      warnings,
      heads,
      ...(baselineIds.length ? { baseline: { ids: [...new Set(baselineIds)], accepted } } : {}),
      lastValidation: last?.at.toISOString(),
      lastValidationMs: last ? Math.round(last.ms * 10) / 10 : undefined,
    };
  }
}

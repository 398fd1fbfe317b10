import type { CodeAction, CompletionItem, Connection, Hover, ResponseError } from 'vscode-languageserver';
import { codeActions } from './codeActions';
import { frontMatterCompletion, waiverCompletion } from './completion';
import { recordInfo } from './decisions';
import { inDocument, type OpenDocument } from './documents';
import { hoverAt } from './hover';
import type { TracedLocks } from './tracedLocks';
import type { ServerLog } from './log';
import { documentProblem, invalidParams, isObject, paramsOf, positionProblem, rangeProblem } from './params';
import { findingsOf, type DiagnosticsPublisher } from './publisher';
import { canonicalUri, isInside } from './uri';
import type { WorkspaceIndex } from './workspace';

export interface FeaturesContext {
  connection: Connection;
  log: ServerLog;
  index: WorkspaceIndex;
  open: ReadonlyMap<string, OpenDocument>;
  publisher: DiagnosticsPublisher;
  /** What the last verification traced, added to the hover. */
  tracedLocks: TracedLocks;
}

/**
 * What the editor asks about a document: code actions (from the findings last published for it),
 * hover and completion. Stateless: they read the open documents, the index and the publisher.
 */
export function registerFeatures({ connection, log, index, open, publisher, tracedLocks }: FeaturesContext): void {
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
      if (problem) return invalidParams(log, 'textDocument/codeAction', problem);
      const uri = canonicalUri(params.textDocument.uri);
      const doc = open.get(uri);
      const current = publisher.get(uri);
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
      if (problem) return invalidParams(log, 'textDocument/hover', problem);
      const { textDocument, position } = params;
      const doc = openFor('textDocument/hover', canonicalUri(textDocument.uri));
      const file = doc?.path;
      const entry = file ? index.projectOf(file) : undefined;
      if (!doc || !entry || !doc.isPython) return null;
      notePastEnd('textDocument/hover', doc, position);
      const model = doc.model();
      const offset = model.lines.offsetAt(position);
      const hover = hoverAt(model, findingsOf(entry, model.path), offset, entry.config);
      return tracedLocks.withTrace(hover, model, offset, entry.config.postgresVersion) ?? null;
    }),
  );

  connection.onCompletion(
    log.guard('completion', [] as CompletionItem[] | ResponseError<void>, (params) => {
      const p = paramsOf(params);
      const problem = documentProblem(p.textDocument) ?? positionProblem(p.position);
      if (problem) return invalidParams(log, 'textDocument/completion', problem);
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
}

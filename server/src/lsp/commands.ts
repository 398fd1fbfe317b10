import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Connection } from 'vscode-languageserver';
import { allRules } from '../rules';
import { ruleDocUrl } from '../shared/docsUrl';
import {
  LintWorkspaceRequest,
  ListRevisionsRequest,
  ListRulesRequest,
  NewDecisionRequest,
  RunLocationRequest,
  ServerCommands,
  type AllowWithDecisionArgs,
  type LintWorkspaceResult,
  type NewDecisionParams,
  type NewDecisionResult,
  type RevisionSummary,
  type RuleSummary,
  type StatusParams,
} from '../shared/protocol';
import type { CrossFileScheduler } from './crossFile';
import { waiverLine, writeRecord } from './decisions';
import type { OpenDocument } from './documents';
import type { ServerLog } from './log';
import { invalidParams, paramsOf } from './params';
import { runLocationOf } from './runLocation';
import { canonicalUri, pathToUri, uriToPath } from './uri';
import type { WorkspaceIndex } from './workspace';

export interface CommandsContext {
  connection: Connection;
  log: ServerLog;
  index: WorkspaceIndex;
  open: ReadonlyMap<string, OpenDocument>;
  crossFile: CrossFileScheduler;
  /** The client can open a document for us (window/showDocument). */
  canShowDocument(): boolean;
  folders(): readonly string[];
  /** Resolves once the workspace index is built (requests that need it wait). */
  ready(): Promise<void>;
  /** Rebuilds the index and validates everything again. */
  reindex(): Promise<void>;
  status(): StatusParams;
}

/**
 * The commands the server executes (workspace/executeCommand, which code actions refer to) and
 * Schema Warden's own requests (server/src/shared/protocol.ts). They keep no state of their own.
 */
export function registerCommands(ctx: CommandsContext): void {
  const { connection, log, index } = ctx;

  connection.onExecuteCommand(
    log.guard('executeCommand', null as unknown, async (params) => {
      const p = paramsOf(params);
      if (typeof p.command !== 'string')
        return invalidParams(
          log,
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
            log,
            'workspace/executeCommand',
            `${command} needs {uri: string, ruleId: string, line: non-negative integer}`,
          );
        }
        const allow = arg as unknown as AllowWithDecisionArgs;
        const title =
          allow.title ??
          `Allow ${allow.ruleId} in revision ${allow.revision ?? path.basename(uriToPath(allow.uri) ?? allow.uri)}`;
        const result = await newDecision(ctx, {
          title,
          rules: [allow.ruleId],
          revisions: allow.revision ? [allow.revision] : ['*'],
          uri: allow.uri,
          waive: { uri: allow.uri, line: allow.line, ruleId: allow.ruleId },
        });
        if (ctx.canShowDocument()) await connection.window.showDocument({ uri: result.uri, takeFocus: true });
        return result;
      }
      return invalidParams(
        log,
        'workspace/executeCommand',
        `unknown command ${JSON.stringify(command)} (this server has ${Object.values(ServerCommands).join(', ')})`,
      );
    }),
  );

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
      await ctx.ready();
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

  // Thrown errors (bad params) reach the client as errors; the server carries on.
  connection.onRequest(RunLocationRequest, runLocationOf);

  connection.onRequest(
    NewDecisionRequest,
    log.guard('newDecision', { id: '', uri: '' }, async (params) => {
      await ctx.ready();
      return newDecision(ctx, params);
    }),
  );

  connection.onRequest(
    LintWorkspaceRequest,
    log.guard('lintWorkspace', { files: 0, errors: 0, warnings: 0, ms: 0 } as LintWorkspaceResult, async () => {
      const started = performance.now();
      await ctx.reindex();
      const s = ctx.status();
      return {
        files: s.filesAnalysed,
        errors: s.errors,
        warnings: s.warnings,
        ms: Math.round(performance.now() - started),
      };
    }),
  );
}

/** Writes the record, then (optionally) inserts the waiver comment above the finding with workspace/applyEdit. */
async function newDecision(ctx: CommandsContext, params: NewDecisionParams): Promise<NewDecisionResult> {
  const { index } = ctx;
  const file = params.uri ? uriToPath(params.uri) : undefined;
  const entry = (file && (index.projectOf(file) ?? index.projectAround(file))) || index.projects[0];
  const dir = entry?.config.decisionsDir ?? path.join(ctx.folders()[0] ?? process.cwd(), 'docs', 'decisions');
  const written = writeRecord(dir, { title: params.title, rules: params.rules, revisions: params.revisions });
  if (params.waive) {
    // Through the editor (workspace/applyEdit), so that an open revision with unsaved changes is edited, not overwritten.
    const doc = ctx.open.get(canonicalUri(params.waive.uri));
    const waivedFile = uriToPath(params.waive.uri);
    const source = doc ? doc.text.getText() : waivedFile ? fs.readFileSync(waivedFile, 'utf8') : '';
    const comment = waiverLine(source, params.waive.line, [params.waive.ruleId], written.id);
    await ctx.connection.workspace.applyEdit({
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
  if (entry) ctx.crossFile.reloadDecisions(entry);
  return { id: written.id, uri: pathToUri(written.path) };
}

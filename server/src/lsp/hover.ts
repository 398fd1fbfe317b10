import { MarkupKind, type Hover } from 'vscode-languageserver';
import type { ResolvedConfig } from '../config/config';
import type { MigrationModel, Operation, SqlStatement } from '../model/migration';
import type { Span } from '../model/source';
import { ruleById } from '../rules';
import { ruleDocUrl } from '../shared/docsUrl';
import type { Finding } from '../rules/types';
import { lockInfo } from '../rules/util/locks';

const contains = (span: Span, offset: number): boolean => span.start <= offset && offset <= span.end;

/** Markdown for a rule: what it reports, the policy clause it enforces, and its page. */
export function ruleMarkdown(ruleId: string): string | undefined {
  const rule = ruleById(ruleId);
  if (!rule) return undefined;
  const { meta } = rule;
  return [
    `**${meta.id} ${meta.name}** (${meta.severity}): ${meta.docs.summary}`,
    '',
    `> ${meta.policyClause}`,
    `> — *${meta.policySection}*`,
    '',
    `[Documentation](${ruleDocUrl(meta.id, meta.name)})`,
  ].join('\n');
}

/** Hover at a UTF-16 offset: the findings there, and the `op.*` call or SQL statement under it. */
export function hoverAt(
  model: MigrationModel,
  findings: readonly Finding[],
  offset: number,
  config: ResolvedConfig,
): Hover | undefined {
  const parts: string[] = [];
  let range: Span | undefined;
  const seen = new Set<string>();
  for (const f of findings) {
    if (!contains(f.span, offset) || seen.has(f.ruleId)) continue;
    seen.add(f.ruleId);
    const md = ruleMarkdown(f.ruleId);
    if (md) parts.push(md);
    range ??= f.span;
  }
  const op = innermostOperation(model.operations, offset);
  if (op) {
    const statement = op.sql?.statements.find((s) => contains(s.span, offset));
    parts.push(statement ? sqlMarkdown(op, statement, config) : operationMarkdown(op, config));
    range ??= statement?.span ?? op.call.calleeSpan;
  }
  if (parts.length === 0) return undefined;
  return {
    contents: { kind: MarkupKind.Markdown, value: parts.join('\n\n---\n\n') },
    range: range ? model.lines.rangeOf(range.start, range.end) : undefined,
  };
}

function innermostOperation(operations: readonly Operation[], offset: number): Operation | undefined {
  let best: Operation | undefined;
  for (const op of operations) {
    if (
      contains(op.call.span, offset) &&
      (!best || op.call.span.end - op.call.span.start < best.call.span.end - best.call.span.start)
    )
      best = op;
  }
  return best;
}

function operationMarkdown(op: Operation, config: ResolvedConfig): string {
  const target = op.table ?? op.batchTable;
  const lines = [`**${op.call.callee}**${target ? ` on \`${target}\`` : ''} (in ${op.section}())`];
  lockLines(lines, lockInfo(op, config.postgresVersion), config.postgresVersion);
  return lines.join('\n');
}

function sqlMarkdown(op: Operation, statement: SqlStatement, config: ResolvedConfig): string {
  const lines = [`**${statementHead(statement)}** in \`${op.call.callee}\` (in ${op.section}())`];
  lockLines(lines, lockInfo(statement, config.postgresVersion), config.postgresVersion);
  return lines.join('\n');
}

/** Words that start an SQL statement's head: `CREATE OR REPLACE FUNCTION`, `ALTER TABLE`, `DROP INDEX`… */
const HEAD_WORDS = new Set(
  (
    'CREATE OR REPLACE UNIQUE INDEX CONCURRENTLY TABLE TRIGGER CONSTRAINT FUNCTION PROCEDURE VIEW MATERIALIZED ' +
    'DROP ALTER ADD COLUMN TEMP TEMPORARY UNLOGGED EXTENSION TYPE SEQUENCE SCHEMA DOMAIN POLICY RULE AGGREGATE ' +
    'INSERT INTO UPDATE DELETE FROM REFRESH COMMENT ON SET RESET GRANT REVOKE TRUNCATE RENAME VACUUM ANALYZE ' +
    'REINDEX LOCK SELECT WITH DO CLUSTER EVENT CAST OPERATOR ROLE USER DATABASE LOCAL'
  ).split(' '),
);

/**
 * How a statement is named in the hover: its own leading keywords as written (`CREATE TRIGGER`,
 * `DROP TABLE`), never the parser's node names (`CreateTrigStmt`, `DropStmt`).
 */
export function statementHead(statement: Pick<SqlStatement, 'text'>): string {
  const words = statement.text
    .replace(/--[^\n]*\n?|\/\*[\s\S]*?\*\//g, ' ')
    .trim()
    .split(/\s+/)
    .map((w) => w.toUpperCase());
  const head: string[] = [];
  for (const word of words) {
    if (!HEAD_WORDS.has(word) || head.length === 4) break;
    head.push(word);
  }
  return head.length ? head.join(' ') : 'SQL statement';
}

function lockLines(lines: string[], info: ReturnType<typeof lockInfo>, postgresVersion: number): void {
  if (!info) return;
  lines.push(
    '',
    `${info.lock ? `**Lock:** \`${info.lock}\` · ` : ''}**Rewrites the table:** ${info.rewrites ? 'yes' : 'no'} (PostgreSQL ${postgresVersion})`,
    '',
    info.note,
  );
}

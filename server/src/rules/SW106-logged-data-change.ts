import type { MigrationModel, PyCall } from '../model/migration';
import type { Span } from '../model/source';
import { dataChangeOf } from '../parse/facts/dataChanges';
import { statementHeadSpan } from '../analysis/sqlSource';
import { defineRule } from './types';

const LOG_METHODS = new Set(['debug', 'info', 'warning', 'warn', 'error', 'exception', 'critical', 'log', 'msg']);
const LOGGER_FACTORY_NAMES = ['getLogger', 'get_logger', 'getChild'];
const LOGGER_FACTORY = /^\s*([A-Za-z_]\w*)\s*(?::[^=\n]*)?=\s*(?:[\w.]+\.)?(?:getLogger|get_logger|getChild)\(/gm;
const SESSION_RECEIVER = /(^|\.)(session|db_session|orm_session|sess|db\.session)$/i;
const SESSION_WRITES = new Set([
  'add',
  'add_all',
  'merge',
  'delete',
  'bulk_save_objects',
  'bulk_insert_mappings',
  'bulk_update_mappings',
]);
/** `t.update()`, `sa.update(t).where(…).values(…)`, `t.insert().values(…)` as the statement given to execute(). */
const DML_CHAIN = /(^|\.)(update|insert|delete)\(\)/;

interface FunctionRange {
  name: string;
  span: Span;
}
interface DataChange {
  what: string;
  span: Span;
  at: number;
}

export default defineRule({
  meta: {
    id: 'SW106',
    name: 'logged-data-change',
    severity: 'error',
    scope: 'revision',
    policySection: 'Migration Rules',
    policyClause:
      'Data backfills or transformations must be explicit in migrations with logging hooks; silent data modification is forbidden.',
    docs: {
      summary: 'Data changes in a revision must be logged.',
      whatItDoes:
        'Finds the data changes of a revision, in the upgrade, the downgrade and their helper ' +
        'functions: SQL `INSERT`, `UPDATE`, `DELETE`, `MERGE`, `COPY … FROM` (also inside a CTE) in ' +
        '`op.execute` / `bind.execute` / `connection.execute`, `op.bulk_insert`, SQLAlchemy Core ' +
        'statements (`sa.update(…)`, `sa.insert(…)`, `sa.delete(…)`, `table.update()`…) and ORM ' +
        'session writes (`session.add`, `session.merge`, `session.bulk_save_objects`, ' +
        '`session.query(…).update(…)`…). Each one is reported unless a logging call runs in the ' +
        'same function, or in a function that calls that helper: a `logging` logger call ' +
        '(`logger.info(…)`, `log.warning(…)`, `logging.info(…)`, `logging.getLogger(…).info(…)`, ' +
        "any name assigned from `getLogger`/`get_logger`) or Alembic's `print_stdout(…)`.",
      whyBad:
        'A backfill that changes rows without saying so is invisible in the deploy log: when it ' +
        'touches more (or fewer) rows than expected, nobody can tell what happened or undo it. The ' +
        'policy forbids silent data modification and asks for logging hooks.',
      bad: 'def upgrade():\n    op.execute("UPDATE invoice SET status = \'sent\' WHERE sent_at IS NOT NULL")',
      good:
        'import logging\n\nlogger = logging.getLogger(f"alembic.{__name__}")\n\n\ndef ' +
        'upgrade():\n    logger.info("backfilling invoice.status from sent_at")\n    result = ' +
        "op.get_bind().execute(sa.text(\"UPDATE invoice SET status = 'sent' WHERE sent_at IS NOT " +
        'NULL"))\n    logger.info("invoice.status backfilled on %d rows", result.rowcount)',
      howToFix:
        "Create a logger (`logger = logging.getLogger(__name__)`; Alembic's `env.py` configures " +
        'logging through alembic.ini) and log what the change does, ideally with the row count, in ' +
        'the function that changes the data.',
      fixSafety: 'none',
      notes:
        '`print()` is not a logging hook: it bypasses the logging configuration and is lost in most ' +
        'deploy pipelines. A data change in the downgrade (undoing a backfill) is a data change too ' +
        'and needs logging. SQL built at run time is not analysable (SW001) and is not guessed at.',
    },
  },
  check({ migration, report }) {
    // Most revisions change no data: the functions and loggers are read only when one does.
    const changes = dataChanges(migration);
    if (changes.length === 0) return;
    const functions = moduleFunctions(migration);
    const loggers = loggerNames(migration.source);
    const logCalls = migration.calls.filter((c) => isLogCall(c, loggers)).map((c) => c.span.start);
    const innermost = (offset: number): FunctionRange | undefined =>
      functions.find((f) => offset >= f.span.start && offset < f.span.end);
    const hasLogCall = new Map(functions.map((f) => [f, logCalls.some((at) => at >= f.span.start && at < f.span.end)]));
    const callsByCallee = new Map<string, number[]>();
    for (const c of migration.calls) {
      const starts = callsByCallee.get(c.callee);
      if (starts) starts.push(c.span.start);
      else callsByCallee.set(c.callee, [c.span.start]);
    }
    // A function counts as logged when it, or a function that calls it, logs; one answer per function.
    const logged = new Map<FunctionRange, boolean>();
    const isLogged = (offset: number): boolean => {
      const own = innermost(offset);
      if (!own) return true; // module level: not run by upgrade()/downgrade()
      let answer = logged.get(own);
      if (answer === undefined) {
        const callers = (callsByCallee.get(own.name) ?? [])
          .map(innermost)
          .filter((f): f is FunctionRange => f !== undefined);
        answer = [own, ...callers].some((f) => hasLogCall.get(f) === true);
        logged.set(own, answer);
      }
      return answer;
    };
    for (const change of changes) {
      if (isLogged(change.at)) continue;
      const fn = innermost(change.at)?.name ?? 'this function';
      report({
        message: `${change.what} changes data in ${fn}() with no logging hook, and silent data modification is forbidden.`,
        help: `Log what it changes in ${fn}(), e.g. logger.info("backfilling …") with logger = logging.getLogger(__name__).`,
        span: change.span,
      });
    }
  },
});

function dataChanges(migration: MigrationModel): DataChange[] {
  const changes: DataChange[] = [];
  const executeSpans: Span[] = [];
  for (const op of migration.operations) {
    if (op.name === 'bulk_insert' && op.isAlembicOp) {
      changes.push({ what: `\`${op.call.callee}\``, span: op.call.calleeSpan, at: op.span.start });
      continue;
    }
    if (op.name !== 'execute') continue;
    for (const statement of op.sql?.statements ?? []) {
      const fact = dataChangeOf(statement.kind, statement.parsed.node);
      if (fact)
        changes.push({
          what: `\`${fact.verb}${fact.table ? ` ${fact.table}` : ''}\``,
          span: statementHeadSpan(migration, statement),
          at: op.span.start,
        });
    }
    const arg = op.args.sqltext;
    if (!op.sql && arg?.kind === 'call' && DML_CHAIN.test(`${arg.call.callee}()`)) {
      changes.push({
        what: `\`${arg.call.callee.replace(/\(\)\..*$/, '()')}\``,
        span: arg.call.calleeSpan,
        at: op.span.start,
      });
      executeSpans.push(op.span);
    }
  }
  const builders = sqlalchemyBuilders(migration);
  for (const call of migration.calls) {
    const inExecute = executeSpans.some((s) => call.span.start >= s.start && call.span.end <= s.end);
    if (!inExecute && builders.has(call.callee))
      changes.push({ what: `\`${call.callee}(…)\``, span: call.calleeSpan, at: call.span.start });
    else if (SESSION_RECEIVER.test(call.receiver) && SESSION_WRITES.has(call.method))
      changes.push({ what: `\`${call.callee}(…)\``, span: call.calleeSpan, at: call.span.start });
    else if (/\.query\(\)(\.\w+\(\))*\.(update|delete)$/.test(call.callee))
      changes.push({ what: `\`query(…).${call.method}(…)\``, span: call.calleeSpan, at: call.span.start });
  }
  return changes.sort((a, b) => a.span.start - b.span.start);
}

/** `sa.update`, `sqlalchemy.insert`, or `delete` imported from sqlalchemy. */
function sqlalchemyBuilders(migration: MigrationModel): Set<string> {
  const names = new Set<string>();
  for (const i of migration.imports) {
    if (!/^sqlalchemy(\.sql(\.expression)?)?$/.test(i.module)) continue;
    if (i.name === undefined) for (const verb of ['update', 'insert', 'delete']) names.add(`${i.alias}.${verb}`);
    else if (['update', 'insert', 'delete'].includes(i.name)) names.add(i.alias);
  }
  return names;
}

function loggerNames(source: string): Set<string> {
  const names = new Set<string>();
  // The pattern tries every line start; a file that names no logger factory needs none of it.
  if (!LOGGER_FACTORY_NAMES.some((name) => source.includes(name))) return names;
  for (const m of source.matchAll(LOGGER_FACTORY)) names.add(m[1]);
  return names;
}

function isLogCall(call: PyCall, loggers: Set<string>): boolean {
  if (call.method === 'print_stdout') return true;
  if (!LOG_METHODS.has(call.method)) return false;
  const last = call.receiver.split('.').pop() ?? '';
  return (
    call.receiver === 'logging' ||
    /^_?(log|logger)$/i.test(last) ||
    /(getLogger|get_logger)\(\)$/.test(call.receiver) ||
    loggers.has(call.receiver) ||
    loggers.has(last)
  );
}

/** Module-level `def`s, from the `def` line to the next line that starts at column 0 with code. */
function moduleFunctions(migration: MigrationModel): FunctionRange[] {
  const out: FunctionRange[] = [];
  const { lines } = migration;
  let current: { name: string; start: number } | undefined;
  for (let line = 0; line < lines.lineCount; line++) {
    const text = lines.lineText(line);
    if (text === '' || /^\s/.test(text) || text.startsWith('#') || /^[)\]}]/.test(text)) continue;
    if (current) {
      out.push({ name: current.name, span: { start: current.start, end: lines.lineStart(line) } });
      current = undefined;
    }
    const def = /^(?:async\s+)?def\s+([A-Za-z_]\w*)/.exec(text);
    if (def) current = { name: def[1], start: lines.lineStart(line) };
  }
  if (current) out.push({ name: current.name, span: { start: current.start, end: migration.source.length } });
  return out;
}

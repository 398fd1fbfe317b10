import type { MigrationModel, PyCall, Section, SqlStatement } from '../model/migration';
import { parseSqlString } from '../model/sqlBlocks';
import type { Span } from '../model/source';
import { libpgQueryAnalyzer } from '../parse/sql';
import { everyCall } from './calls';
import { ObjectMemo } from '../model/objectMemo';

/**
 * Where code of a revision runs (upgrade, downgrade, both) and every SQL statement it carries,
 * whether passed to `execute(...)` or wrapped in SQLAlchemy's `DDL("…")` (e.g. for
 * `event.listen(table, "after_create", DDL(...))` or `op.execute(DDL(...))`).
 */

const contains = (outer: Span, inner: Span): boolean => outer.start <= inner.start && inner.end <= outer.end;

/**
 * The sections a piece of code runs in: those of the operations around it, else the function it
 * stands in. Module-level code and helpers nobody calls give an empty set: "unknown".
 */
export function sectionsOf(migration: MigrationModel, span: Span): Set<Section> {
  const sections = new Set<Section>();
  for (const operation of migration.operations) if (contains(operation.span, span)) sections.add(operation.section);
  if (sections.size) return sections;
  if (migration.upgrade && contains(migration.upgrade.span, span)) sections.add('upgrade');
  if (migration.downgrade && contains(migration.downgrade.span, span)) sections.add('downgrade');
  return sections;
}

/**
 * Forbidden objects are reported where they are created: in the upgrade, or in code whose section
 * is unknown. A downgrade that re-creates what its upgrade removed restores the previous state.
 */
export function mayRunInUpgrade(migration: MigrationModel, span: Span): boolean {
  const sections = sectionsOf(migration, span);
  return sections.size === 0 || sections.has('upgrade');
}

export interface LocatedStatement {
  statement: SqlStatement;
  /** Undefined when the SQL is not inside upgrade()/downgrade() (module-level DDL objects, listeners). */
  section?: Section;
  /** The `DDL(...)` call holding the SQL, when it came from one. */
  ddlCall?: PyCall;
}

const cache = new ObjectMemo<MigrationModel, LocatedStatement[]>('cache');

/** Every parsed SQL statement of the file, in source order. */
export function sqlStatementsOf(migration: MigrationModel): LocatedStatement[] {
  const cached = cache.get(migration);
  if (cached) return cached;
  const out: LocatedStatement[] = [];
  for (const operation of migration.operations) {
    for (const statement of operation.sql?.statements ?? []) out.push({ statement, section: operation.section });
  }
  for (const call of everyCall(migration)) {
    const arg = call.args[0];
    if (call.method !== 'DDL' || arg?.kind !== 'string' || !arg.string.analysable) continue;
    const block = parseSqlString(arg.string, arg.span, migration.lines, libpgQueryAnalyzer);
    const sections = sectionsOf(migration, call.span);
    for (const statement of block.statements) {
      if (sections.size === 0) out.push({ statement, ddlCall: call });
      for (const section of sections) out.push({ statement, section, ddlCall: call });
    }
  }
  out.sort((a, b) => a.statement.span.start - b.statement.span.start);
  cache.set(migration, out);
  return out;
}

/** A statement in an upgrade, or in code not known to run only in the downgrade. */
export function upgradeStatements(migration: MigrationModel): LocatedStatement[] {
  // Several rules ask on every keystroke: once per model.
  let found = upgradeCache.get(migration);
  if (!found) upgradeCache.set(migration, (found = readUpgradeStatements(migration)));
  return found;
}

const upgradeCache = new ObjectMemo<MigrationModel, LocatedStatement[]>('upgradeCache');

function readUpgradeStatements(migration: MigrationModel): LocatedStatement[] {
  const seen = new Set<SqlStatement>();
  const byStatement = new Map<SqlStatement, Set<Section | undefined>>();
  for (const located of sqlStatementsOf(migration)) {
    byStatement.set(located.statement, (byStatement.get(located.statement) ?? new Set()).add(located.section));
  }
  return sqlStatementsOf(migration).filter((located) => {
    if (seen.has(located.statement)) return false;
    const sections = byStatement.get(located.statement) as Set<Section | undefined>;
    if (!sections.has('upgrade') && !sections.has(undefined)) return false;
    seen.add(located.statement);
    return true;
  });
}

/** The statement's first source line (e.g. `CREATE TRIGGER audit BEFORE UPDATE ON account`). */
export function statementHead(migration: MigrationModel, statement: SqlStatement): Span {
  const { start, end } = statement.span;
  const newline = migration.source.slice(start, end).search(/[\r\n]/);
  let headEnd = newline < 0 ? end : start + newline;
  // A statement split over implicitly concatenated literals: stop before the first line's closing quote.
  while (headEnd > start && /\s/.test(migration.source[headEnd - 1])) headEnd--;
  if (newline >= 0) while (headEnd > start && /["'\s]/.test(migration.source[headEnd - 1])) headEnd--;
  return { start, end: headEnd };
}

/**
 * Finds a pattern in the source text of a statement, from `from` (a source offset) on. SQL
 * keywords are written literally in the source, so searching it gives exact ranges.
 */
export function findInStatement(
  migration: MigrationModel,
  statement: SqlStatement,
  pattern: RegExp,
  from = statement.span.start,
  to = statement.span.end,
): Span | undefined {
  const flags = pattern.flags.includes('g') ? pattern.flags : pattern.flags + 'g';
  const regex = new RegExp(pattern.source, flags);
  const text = migration.source.slice(0, to);
  regex.lastIndex = Math.max(from, statement.span.start);
  const match = regex.exec(text);
  return match ? { start: match.index, end: match.index + match[0].length } : undefined;
}

/** The source span of a libpg-query location, widened to the identifier or keyword written there. */
export function tokenAt(migration: MigrationModel, statement: SqlStatement, byteLocation: number): Span {
  const at = statement.locate(byteLocation);
  const match = /^[\w.$"]+/.exec(migration.source.slice(at.start, statement.span.end));
  return match ? { start: at.start, end: at.start + match[0].length } : at;
}

import * as fs from 'node:fs';
import * as path from 'node:path';
import picomatch from 'picomatch';
import type { ProjectModel } from '../model/project';
import { replayProject, tableKey, type TableModel } from '../model/schema';
import { LineIndex } from '../model/source';
import { jsonFixtureWrites, sqlFixtureWrites, type FixtureWrite } from '../parse/facts/fixtureRows';
import { libpgQueryAnalyzer } from '../parse/sql';
import { ParserNotReadyError } from '../parse/parserReady';
import { defineRule } from './types';
import { ObjectMemo } from '../model/objectMemo';

/** Folders never searched for fixtures. */
const SKIPPED_DIRS = new Set([
  'node_modules',
  '.git',
  '.hg',
  '.svn',
  '.venv',
  'venv',
  '__pycache__',
  '.tox',
  '.mypy_cache',
  '.pytest_cache',
  'dist',
  'out',
  'build',
  '.idea',
  '.vscode',
  // The analysis cache's default folder: thousands of entries, none a fixture.
  '.schema-warden-cache',
]);
const MAX_FILES = 20000;
const MAX_FIXTURE_BYTES = 5 * 1024 * 1024;

export default defineRule({
  meta: {
    id: 'SW501',
    name: 'fixture-schema',
    severity: 'warning',
    scope: 'project',
    policySection: 'Testing Strategy Boundaries',
    policyClause:
      'Data fixtures used in tests must map to documented schemas; implicit schema assumptions are forbidden.',
    docs: {
      summary: 'Test fixtures insert only into tables and columns the migrations create.',
      whatItDoes:
        'Reads the SQL and JSON fixtures matching `fixture-globs` (default `**/fixtures/**/*.sql`, ' +
        '`**/fixtures/**/*.json`) and compares what they write with the schema replayed from every ' +
        'revision, as it stands at the heads. Reports a table no migration creates, and a column ' +
        'the table does not have. SQL fixtures: `INSERT INTO t (cols) …` and `COPY t (cols) FROM ' +
        '…`. JSON fixtures: `{ "invoice": [ { "id": …, "total": … } ] }` (every value an array of ' +
        'row objects) or `[ { "table": "invoice", "rows": [ { … } ] } ]`; other JSON files are not ' +
        'taken for fixtures.',
      whyBad:
        'A fixture that writes a column the migrations never created (or dropped long ago) only ' +
        'works against a database built some other way — from ORM metadata, or by hand — so the ' +
        'tests check a schema production does not have. The policy forbids such implicit schema ' +
        'assumptions.',
      bad: '-- tests/fixtures/invoices.sql\nINSERT INTO invoice (id, total, discount) VALUES (1, 10, 0);  -- no migration adds "discount"',
      good: '-- tests/fixtures/invoices.sql\nINSERT INTO invoice (id, total) VALUES (1, 10);',
      howToFix:
        'Update the fixture to the schema the migrations create, or add the missing table or column with a new revision.',
      fixSafety: 'none',
      notes:
        'Findings are reported on the fixture files. A SQL fixture that does not parse (psql ' +
        'meta-commands such as `\\copy`) is skipped, as is an `INSERT` without a column list (its ' +
        'columns are positional). Tables outside the default schema are written `schema.table`.',
    },
  },
  checkProject({ project, config, report }) {
    if (config.fixtureGlobs.length === 0) return;
    const heads = replayProject(project).heads;
    const tables = new Map<string, TableModel>();
    const views = new Set<string>();
    for (const { schema } of heads) {
      for (const [key, table] of schema.tables) if (!tables.has(key)) tables.set(key, table);
      for (const key of schema.views.keys()) views.add(key);
    }
    // Without a replayed schema there is nothing to compare with.
    if (tables.size === 0) return;
    for (const file of fixtureFiles(project)) {
      const fixture = readFixture(file);
      if (!fixture) continue;
      const reported = new Set<string>();
      const once = (key: string): boolean => {
        if (reported.has(key)) return false;
        reported.add(key);
        return true;
      };
      for (const write of fixture.writes) {
        const key = tableKey(write.table, write.schema);
        const table = tables.get(key);
        if (!table) {
          if (!views.has(key) && once(key))
            report({
              path: file,
              span: write.tableSpan,
              range: fixture.lines.rangeOf(write.tableSpan.start, write.tableSpan.end),
              message: `The fixture writes to table "${key}", which no migration creates (schema at head).`,
              help: 'Update the fixture, or add the table in a new revision.',
            });
          continue;
        }
        for (const column of write.columns) {
          if (table.columns.has(column.name) || !once(`${key}.${column.name}`)) continue;
          report({
            path: file,
            span: column.span,
            range: fixture.lines.rangeOf(column.span.start, column.span.end),
            message: `The fixture sets column "${column.name}" of "${key}", which the table does not have at head (its columns: ${columnList(table)}).`,
            help: 'Update the fixture, or add the column in a new revision.',
          });
        }
      }
    }
  },
});

function columnList(table: TableModel): string {
  const names = [...table.columns.keys()];
  return names.length > 10 ? `${names.slice(0, 10).join(', ')}, …` : names.join(', ');
}

const fileLists = new ObjectMemo<ProjectModel, string[]>('fileLists');
/** The editor makes a new project model per keystroke: the folder walk is reused for a few seconds. */
const recentWalks = new Map<string, { at: number; files: string[] }>();
const WALK_TTL_MS = 5000;

/** Fixture files under the configuration root, found once per project model (and at most every few seconds). */
export function fixtureFiles(project: ProjectModel): string[] {
  const cached = fileLists.get(project);
  if (cached) return cached;
  const root = project.config.root;
  const walkKey = `${root}\0${project.config.fixtureGlobs.join('\0')}`;
  const recent = recentWalks.get(walkKey);
  if (recent && Date.now() - recent.at < WALK_TTL_MS) {
    fileLists.set(project, recent.files);
    return recent.files;
  }
  const matches = picomatch([...project.config.fixtureGlobs], { dot: false });
  const found: string[] = [];
  let seen = 0;
  const walk = (dir: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (++seen > MAX_FILES) return;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) walk(full);
      } else if (entry.isFile() && matches(path.relative(root, full).split(path.sep).join('/'))) {
        found.push(full);
      }
    }
  };
  walk(root);
  found.sort();
  fileLists.set(project, found);
  recentWalks.set(walkKey, { at: Date.now(), files: found });
  return found;
}

interface ParsedFixture {
  writes: FixtureWrite[];
  lines: LineIndex;
}
const parsedFixtures = new Map<string, { stamp: string; fixture: ParsedFixture | undefined }>();

/** Parses a fixture, re-using the last parse while the file's size and mtime are unchanged. */
function readFixture(file: string): ParsedFixture | undefined {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return undefined;
  }
  if (stat.size > MAX_FIXTURE_BYTES) return undefined;
  const stamp = `${stat.size}:${stat.mtimeMs}`;
  const cached = parsedFixtures.get(file);
  if (cached?.stamp === stamp) return cached.fixture;
  let fixture: ParsedFixture | undefined;
  try {
    const text = fs.readFileSync(file, 'utf8');
    const writes = file.toLowerCase().endsWith('.json')
      ? jsonFixtureWrites(text)
      : sqlFixtureWrites(text, libpgQueryAnalyzer);
    fixture = writes ? { writes, lines: new LineIndex(text) } : undefined;
  } catch (err) {
    // Not remembered as unreadable: the CLI loads the parser and asks again (parse/parserReady.ts).
    if (err instanceof ParserNotReadyError) throw err;
    fixture = undefined;
  }
  parsedFixtures.set(file, { stamp, fixture });
  return fixture;
}

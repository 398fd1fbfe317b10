import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError } from '../config/config';
import { analyzeOnce, initEngine } from '../engine/analyze';
import { lintNonRevisionFiles } from '../engine/application';
import { lintProject } from '../engine/lint';
import { loadProjects, readText } from '../engine/loadProject';
import { applyEdits } from '../fixes/applyEdits';
import { writeFileAtomic } from '../fixes/atomicWrite';
import { enclosingProject, findProjects } from '../model/discovery';
import { withRevision, type ProjectModel } from '../model/project';
import { allRules, ruleById } from '../rules';
import { forgetPrefetchedGit, prefetchGit } from '../rules/SW108-edited-history';
import type { Finding, Rule } from '../rules/types';
import { formatJson } from './formats/json';
import { formatSarif } from './formats/sarif';
import { formatText } from './formats/text';
import type { CliIo } from './io';
import type { FileReport, LintReport } from './report';
import { countBySeverity } from './report';
import { VERSION } from './version';

export const LINT_USAGE = `Usage: schema-warden lint [options] [PATH...]

Lints Alembic revisions against the data-architecture policy. PATH is a revision file, a folder
of revisions or an Alembic project folder; with none, every Alembic project found from the current
folder (alembic.ini with or without script_location, [tool.alembic], or a folder holding env.py
and versions/). Files are revisions by content (top-level revision and down_revision).

Options:
  --format text|json|sarif   output format (default: text)
  --select SW101,SW204       run only these rules
  --ignore SW201             skip these rules
  --fix                      apply safe fixes in place (atomically; never to a file whose result does not parse)
  --no-color                 plain text output
  -h, --help                 this help

Exit codes: 0 no error-severity finding, 1 findings, 2 usage or configuration error, or no revision found.`;

export class UsageError extends Error {}

function ruleList(value: string | undefined, flag: string): string[] | undefined {
  if (value === undefined) return undefined;
  const ids = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const id of ids)
    if (!ruleById(id)) throw new UsageError(`${flag}: unknown rule "${id}" (see docs/rules/README.md for the list)`);
  return ids.map((id) => (ruleById(id) as Rule).meta.id);
}

export async function runLint(argv: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        format: { type: 'string', default: 'text' },
        select: { type: 'string' },
        ignore: { type: 'string' },
        fix: { type: 'boolean', default: false },
        'no-color': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    io.stderr(`schema-warden lint: ${(err as Error).message}\n\n${LINT_USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(LINT_USAGE + '\n');
    return 0;
  }
  const format = values.format as string;
  if (!['text', 'json', 'sarif'].includes(format)) {
    io.stderr(`schema-warden lint: --format must be text, json or sarif, not "${format}"\n`);
    return 2;
  }
  let rules: readonly Rule[] = allRules;
  try {
    const select = ruleList(values.select, '--select');
    const ignore = new Set(ruleList(values.ignore, '--ignore') ?? []);
    rules = allRules.filter((r) => (!select || select.includes(r.meta.id)) && !ignore.has(r.meta.id));
  } catch (err) {
    io.stderr(`schema-warden lint: ${(err as Error).message}\n`);
    return 2;
  }

  // SW108's git questions run in other processes while this one parses.
  const gitAnswers = rules.some((r) => r.meta.id === 'SW108')
    ? prefetchGit(revisionDirsOf(positionals, io.cwd))
    : Promise.resolve();
  try {
    return await lintWith(rules, positionals, values, format, io, gitAnswers);
  } finally {
    forgetPrefetchedGit();
  }
}

async function lintWith(
  rules: readonly Rule[],
  positionals: string[],
  values: { fix?: boolean; 'no-color'?: boolean },
  format: string,
  io: CliIo,
  gitAnswers: Promise<void>,
): Promise<number> {
  await initEngine();
  let loaded;
  try {
    loaded = await loadProjects(positionals, io.cwd);
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr(`schema-warden: configuration error: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  await gitAnswers;
  if (loaded.nothingFound !== undefined) {
    // Nothing linted is never a pass: say what was searched and how to point the tool at the migrations.
    io.stderr(`schema-warden lint: ${[...loaded.problems, loaded.nothingFound].join('\nschema-warden lint: ')}\n`);
    return 2;
  }

  const report: LintReport = { files: [], problems: loaded.problems };
  const nonRevisionSeen = new Set<string>();
  for (let project of loaded.projects) {
    if (values.fix) project = applySafeFixes(project, rules, loaded.only, io);
    const results = lintProject(project, { rules });
    for (const migration of project.revisions) {
      if (loaded.only && !loaded.only.has(migration.path)) continue;
      report.files.push(
        fileReport(migration.path, migration.source, migration.revision, results.get(migration.path) ?? [], io.cwd),
      );
    }
    // Decision records (SW901) and application code (SW305) are reported like any file, without a revision.
    if (!loaded.only)
      for (const file of lintNonRevisionFiles(project, results, { rules }, nonRevisionSeen))
        report.files.push(fileReport(file.path, file.source, undefined, file.findings, io.cwd));
  }
  report.files.sort((a, b) => a.displayPath.localeCompare(b.displayPath));

  if (format === 'json') io.stdout(formatJson(report));
  else if (format === 'sarif') io.stdout(formatSarif(report, io.cwd, VERSION));
  else io.stdout(formatText(report, io.isTTY && !values['no-color']));
  // The text format lists them after the findings; JSON's shape is fixed and SARIF carries them as
  // notifications, so they also go to standard error, where a CI log shows them.
  if (format !== 'text') for (const problem of report.problems) io.stderr(`schema-warden lint: warning: ${problem}\n`);
  return countBySeverity(report).errors > 0 ? 1 : 0;
}

/** Where the revisions of the linted projects probably are (a guess is fine: see prefetchGit). */
function revisionDirsOf(paths: readonly string[], cwd: string): string[] {
  try {
    if (paths.length === 0) return findProjects(cwd).projects.flatMap((p) => p.versionLocations);
    return paths.flatMap((given) => {
      const target = path.resolve(cwd, given);
      if (!fs.statSync(target).isDirectory()) return [path.dirname(target)];
      const found = findProjects(target).projects;
      return (found.length ? found : [enclosingProject(target)]).flatMap((p) => p?.versionLocations ?? [target]);
    });
  } catch {
    return [];
  }
}

function fileReport(
  file: string,
  source: string,
  revision: string | undefined,
  findings: Finding[],
  cwd: string,
): FileReport {
  return { path: file, displayPath: path.relative(cwd, file) || file, revision, source, findings };
}

/**
 * Applies safe fixes file by file, up to a few rounds (one fix may enable another), writing each
 * file atomically and only when its new text still parses without new syntax errors.
 */
function applySafeFixes(
  project: ProjectModel,
  rules: readonly Rule[],
  only: Set<string> | undefined,
  io: CliIo,
): ProjectModel {
  let current = project;
  for (const migration of project.revisions) {
    if (only && !only.has(migration.path)) continue;
    let model = migration;
    for (let round = 0; round < 5; round++) {
      const findings = lintProject(current, { rules }).get(model.path) ?? [];
      const edits = findings.flatMap((f) =>
        f.fixes
          .filter((fix) => fix.safe)
          .slice(0, 1)
          .flatMap((fix) => fix.edits),
      );
      if (edits.length === 0) break;
      const { text } = applyEdits(model.source, edits);
      if (text === model.source) break;
      const next = analyzeOnce(model.path, text);
      if (next.syntaxErrors.length > model.syntaxErrors.length) {
        io.stderr(`schema-warden: not writing fixes to ${model.path}: the fixed text would not parse\n`);
        break;
      }
      model = next;
      current = withRevision(current, model);
    }
    if (model !== migration) {
      if (readText(model.path) !== migration.source) {
        io.stderr(`schema-warden: ${model.path} changed while fixing; left as it is\n`);
        continue;
      }
      writeFileAtomic(model.path, model.source);
    }
  }
  return current;
}

import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError } from '../config/config';
import { initEngine } from '../engine/analyze';
import { ParserNotReadyError, takeParserMissed } from '../parse/parserReady';
import { lintNonRevisionFiles } from '../engine/application';
import { unknownBaselineError } from '../engine/baseline';
import { ChangedFilesError, changedFiles, isGitCommit, type ChangedFiles } from '../engine/changedFiles';
import { lintProject } from '../engine/lint';
import { acceptedHistory } from '../model/baseline';
import { loadProjects } from '../engine/loadProject';
import { libpgQueryOnRead } from '../parse/sql';
import { AnalysisCache } from '../engine/cache/analysisCache';
import { enclosingProject, findProjects } from '../model/discovery';
import { parseCommandArgs } from './args';
import { allRules, ruleById } from '../rules';
import { forgetPrefetchedGit, prefetchGitHistory } from '../engine/gitHistory';
import type { Finding, Rule } from '../rules/types';
import { applyFixes, type FileFixes } from './fix';
import { formatFixSummary } from './formats/fixSummary';
import { FORMATS, formatReport, isFormat, type Format } from './formats';
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
  --format FORMAT            text (default), json, sarif, github (workflow commands: annotations on
                             a pull request) or gitlab (a Code Quality report)
  --select SW101,SW204       run only these rules
  --ignore SW201             skip these rules
  --fix                      apply safe fixes in place (atomically; never to a file whose result does not parse)
  --changed [REF]            report only revisions added or modified relative to git REF (default: the
                             merge-base with the upstream branch, else HEAD; uncommitted and untracked
                             files count); the whole history still builds the schema. --changed=REF
                             when REF could be read as a PATH
  --unsafe-fixes             with --fix, also apply the fixes the editor offers that need a review
                             (they may change what a migration does); each kept only where the file still parses
  --cache-dir DIR            keep the analysis cache in DIR (default: the configuration's cache-dir, else
                             .schema-warden-cache at the project root; it holds its own .gitignore)
  --no-cache                 neither read nor write the analysis cache (a cold run)
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

/**
 * `--changed` takes an optional REF, which parseArgs cannot express: a bare `--changed` followed by
 * a word that names a git commit (and no file or folder) takes it as its REF.
 */
function splitChanged(argv: string[], cwd: string): { args: string[]; changed?: { ref?: string } } {
  const args: string[] = [];
  let changed: { ref?: string } | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      args.push(...argv.slice(i));
      break;
    }
    if (arg.startsWith('--changed=')) {
      changed = { ref: arg.slice('--changed='.length) };
      continue;
    }
    if (arg !== '--changed') {
      args.push(arg);
      continue;
    }
    const next = argv[i + 1];
    if (
      next !== undefined &&
      !next.startsWith('-') &&
      !fs.existsSync(path.resolve(cwd, next)) &&
      isGitCommit(cwd, next)
    ) {
      changed = { ref: next };
      i++;
    } else changed = {};
  }
  return { args, changed };
}

export async function runLint(argv: string[], io: CliIo): Promise<number> {
  const split = splitChanged(argv, io.cwd);
  const parsed = parseCommandArgs('lint', LINT_USAGE, split.args, io, {
    format: { type: 'string', default: 'text' },
    select: { type: 'string' },
    ignore: { type: 'string' },
    fix: { type: 'boolean', default: false },
    'unsafe-fixes': { type: 'boolean', default: false },
    'no-color': { type: 'boolean', default: false },
    'cache-dir': { type: 'string' },
    'no-cache': { type: 'boolean', default: false },
  });
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const format = values.format as string;
  if (!isFormat(format)) {
    io.stderr(`schema-warden lint: --format must be ${FORMATS.join(', ')}, not "${format}"\n`);
    return 2;
  }
  if (values['unsafe-fixes'] && !values.fix) {
    io.stderr('schema-warden lint: --unsafe-fixes applies fixes only with --fix (use --fix --unsafe-fixes)\n');
    return 2;
  }
  if (values['no-cache'] && values['cache-dir'] !== undefined) {
    io.stderr('schema-warden lint: --no-cache and --cache-dir contradict each other (give one)\n');
    return 2;
  }
  if (values['cache-dir'] === '') {
    io.stderr('schema-warden lint: --cache-dir needs a folder\n');
    return 2;
  }
  const openCache = (): AnalysisCache | undefined =>
    values['no-cache']
      ? undefined
      : new AnalysisCache({
          version: VERSION,
          dir: values['cache-dir'] === undefined ? undefined : path.resolve(io.cwd, values['cache-dir']),
          schemas: true,
        });
  let rules: readonly Rule[] = allRules;
  try {
    const select = ruleList(values.select, '--select');
    const ignore = new Set(ruleList(values.ignore, '--ignore') ?? []);
    rules = allRules.filter((r) => (!select || select.includes(r.meta.id)) && !ignore.has(r.meta.id));
  } catch (err) {
    io.stderr(`schema-warden lint: ${(err as Error).message}\n`);
    return 2;
  }

  let changed: ChangedFiles | undefined;
  if (split.changed) {
    try {
      // Git is asked where the linted files are: the first PATH's folder, else the current one.
      const first = positionals[0] === undefined ? io.cwd : path.resolve(io.cwd, positionals[0]);
      const where = fs.existsSync(first) && !fs.statSync(first).isDirectory() ? path.dirname(first) : first;
      changed = changedFiles(fs.existsSync(where) ? where : io.cwd, split.changed.ref);
    } catch (err) {
      if (!(err instanceof ChangedFilesError)) throw err;
      io.stderr(`schema-warden lint: ${err.message}\n`);
      return 2;
    }
  }

  // SW108's git questions run in other processes while this one parses.
  const gitAnswers = rules.some((r) => r.meta.id === 'SW108')
    ? prefetchGitHistory(revisionDirsOf(positionals, io.cwd))
    : Promise.resolve();
  try {
    return await lintWith(rules, positionals, values, format, io, gitAnswers, changed, openCache);
  } finally {
    forgetPrefetchedGit();
  }
}

async function lintWith(
  rules: readonly Rule[],
  positionals: string[],
  values: { fix?: boolean; 'unsafe-fixes'?: boolean; 'no-color'?: boolean; 'no-cache'?: boolean },
  format: Format,
  io: CliIo,
  gitAnswers: Promise<void>,
  changed: ChangedFiles | undefined,
  openCache: () => AnalysisCache | undefined,
): Promise<number> {
  // The parsers are loaded up front only when this run certainly parses (--fix re-parses what it
  // fixes; --no-cache parses every file); otherwise on first use (parse/parserReady.ts).
  takeParserMissed(); // a note left by an earlier caller in this process is not this run's
  if (values.fix) await initEngine();
  // --no-cache: the parsers start loading now, and the analysis awaits them (engine/parallelAnalyze.ts)
  // after finding the projects and starting the parse workers, which overlap their compile.
  else if (values['no-cache']) initEngine().catch(() => undefined);
  let cache = openCache();
  let collected = await collectReport(rules, positionals, values, io, gitAnswers, changed, cache);
  if (takeParserMissed()) {
    // Something asked for a parser before it was loaded: load them and run again from the start,
    // with a fresh cache object, so that nothing the first attempt computed is kept or stored.
    await initEngine();
    cache = openCache();
    collected = await collectReport(rules, positionals, values, io, gitAnswers, changed, cache);
  }
  if (typeof collected === 'number') return collected;
  const { report, notes, fixed } = collected;

  const useColor = io.isTTY && !values['no-color'];
  io.stdout(formatReport(format, report, { cwd: io.cwd, version: VERSION, useColor }));
  // What --fix did: on standard output beside the text report, else on standard error (the other
  // formats' output is read by machines).
  if (values.fix) {
    // The text report's last lines already say what remains fixable.
    const mode = values['unsafe-fixes'] ? 'unsafe' : 'safe';
    const summary = formatFixSummary(fixed, report, io.cwd, mode, format !== 'text');
    if (format === 'text') io.stdout(summary);
    else io.stderr(summary);
  }
  // The cache is filled once the report is out; one that could not be written at all is said
  // once, a partly written one is not.
  cache?.flush();
  for (const problem of cache?.writeProblems() ?? []) notes.push(`warning: ${problem}`);
  // What was left out, said where a person reads it (standard error keeps JSON and SARIF clean).
  for (const note of notes) io.stderr(`schema-warden lint: ${note}\n`);
  // The text format lists them after the findings; JSON's shape is fixed and SARIF carries them as
  // notifications, so they also go to standard error, where a CI log shows them.
  if (format !== 'text') for (const problem of report.problems) io.stderr(`schema-warden lint: warning: ${problem}\n`);
  return countBySeverity(report).errors > 0 ? 1 : 0;
}

/** Where the revisions of the linted projects probably are (a guess is fine: see prefetchGitHistory). */
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

/** Loads the projects (from the cache where it can) and lints them: the report, not yet printed. */
async function collectReport(
  rules: readonly Rule[],
  positionals: string[],
  values: { fix?: boolean; 'unsafe-fixes'?: boolean },
  io: CliIo,
  gitAnswers: Promise<void>,
  changed: ChangedFiles | undefined,
  cache: AnalysisCache | undefined,
): Promise<number | { report: LintReport; notes: string[]; fixed: FileFixes[] }> {
  try {
    return await collectOrThrow(rules, positionals, values, io, gitAnswers, changed, cache);
  } catch (err) {
    // A parser asked for before it was loaded: the caller loads them and collects again.
    if (err instanceof ParserNotReadyError) return 0;
    throw err;
  }
}

async function collectOrThrow(
  rules: readonly Rule[],
  positionals: string[],
  values: { fix?: boolean; 'unsafe-fixes'?: boolean },
  io: CliIo,
  gitAnswers: Promise<void>,
  changed: ChangedFiles | undefined,
  cache: AnalysisCache | undefined,
): Promise<number | { report: LintReport; notes: string[]; fixed: FileFixes[] }> {
  let loaded;
  try {
    // Rules that read no SQL: each string is parsed only if something reads it (model/sqlBlocks.ts).
    const sql = rules.every((rule) => rule.meta.readsSql === false) ? libpgQueryOnRead : undefined;
    loaded = await loadProjects(positionals, io.cwd, { cache, sql });
    const baselineError = unknownBaselineError(loaded.projects);
    if (baselineError) throw baselineError;
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
  // Which files are reported: those named (if any), and with --changed those git sees changed.
  const wanted = (file: string): boolean => (!loaded.only || loaded.only.has(file)) && (!changed || changed.has(file));
  const notes: string[] = [];
  const fixed: FileFixes[] = [];
  for (let project of loaded.projects) {
    if (values.fix) {
      const outcome = applyFixes(project, rules, wanted, values['unsafe-fixes'] ? 'unsafe' : 'safe');
      project = outcome.project;
      fixed.push(...outcome.files);
    }
    // Named files: the other revisions' own rules need not run (their findings are not reported).
    const only = loaded.only;
    const results = lintProject(project, { rules, revisionFindings: cache }, only && ((file) => only.has(file)));
    for (const migration of project.revisions) {
      if (!wanted(migration.path)) continue;
      report.files.push(
        fileReport(migration.path, migration.source, migration.revision, results.get(migration.path) ?? [], io.cwd),
      );
    }
    // Decision records (SW901) and application code (SW305) are reported like any file, without a revision.
    if (!loaded.only)
      for (const file of lintNonRevisionFiles(project, results, { rules }, nonRevisionSeen))
        if (!changed || changed.has(file.path))
          report.files.push(fileReport(file.path, file.source, undefined, file.findings, io.cwd));
    const accepted = acceptedHistory(project);
    if (accepted.ids.length)
      notes.push(
        `baseline ${accepted.ids.join(', ')}: ${accepted.revisions.size} revision${accepted.revisions.size === 1 ? '' : 's'} ` +
          `accepted (their own findings are not reported)`,
      );
  }
  if (changed) notes.push(`--changed: ${report.files.length} changed file(s) relative to ${changed.base}`);
  // A CI checkout usually has no upstream branch: HEAD is then the commit under test, and only
  // uncommitted files would count. Say so rather than let an empty run pass unexplained.
  if (changed?.comparedWithHead && process.env.CI)
    notes.push(
      'warning: the branch has no upstream, so --changed compared with HEAD (only uncommitted ' +
        'files count); in CI, name the target branch: --changed origin/main',
    );
  report.files.sort((a, b) => a.displayPath.localeCompare(b.displayPath));
  return { report, notes, fixed };
}

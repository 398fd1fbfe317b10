import * as fs from 'node:fs';
import * as path from 'node:path';
import picomatch from 'picomatch';
import { ConfigError, defaultConfig, loadConfig, type ResolvedConfig } from '../config/config';
import { analyzeOnce } from '../engine/analyze';
import { analyzeFilesWith } from '../engine/parallelAnalyze';
import { readText } from '../engine/readText';
import {
  brokenRevisionLink,
  errorCode,
  findAlembicProjects,
  scanRevisionFiles,
  type AlembicProject,
} from '../model/alembicConfig';
import type { MigrationModel } from '../model/migration';
import { createProjectModel, withRevision, type ProjectModel } from '../model/project';
import type { DecisionRecord } from '../model/decisionRecord';
import type { Finding } from '../rules/types';
import { loadRecords } from './decisions';
import type { SchemaWardenSettings } from '../shared/settings';
import { mergeSettings } from './settings';
import { isInside } from './uri';

/** One Alembic project of the workspace, as the server keeps it between edits. */
export interface ProjectEntry {
  root: string;
  alembic?: AlembicProject;
  settings: SchemaWardenSettings;
  /** The team configuration merged with the person's settings. */
  config: ResolvedConfig;
  /** Set when pyproject.toml / schema-warden.toml could not be read; the defaults apply meanwhile. */
  configError?: ConfigError;
  /** The revisions as the rules see them: open documents override the files on disk. */
  model: ProjectModel;
  /** Per-revision findings by path (recomputed on every change of that file). */
  revisionFindings: Map<string, Finding[]>;
  /** Whole-project findings by path (recomputed, debounced, when any file of the project changes). */
  projectFindings: Map<string, Finding[]>;
  matchesGlob: (file: string) => boolean;
}

const SKIPPED_DIRS = new Set([
  'node_modules',
  '.git',
  '.venv',
  'venv',
  '__pycache__',
  '.tox',
  '.mypy_cache',
  'dist',
  'out',
  'build',
]);

/** Reads the team configuration; a broken file is reported and the defaults are used meanwhile. */
export function readTeamConfig(root: string): { config: ResolvedConfig; error?: ConfigError } {
  try {
    return { config: loadConfig(root) };
  } catch (err) {
    if (err instanceof ConfigError) return { config: defaultConfig(root), error: err };
    throw err;
  }
}

/** True when `file` is a revision of the project: in a version location, or matching a revision glob. */
export function isRevisionOf(entry: Pick<ProjectEntry, 'alembic' | 'matchesGlob'>, file: string): boolean {
  if (!file.endsWith('.py') || path.basename(file) === '__init__.py') return false;
  const alembic = entry.alembic;
  if (alembic) {
    for (const location of alembic.versionLocations) {
      if (
        alembic.recursive
          ? isInside(file, location) &&
            !file.includes(`${path.sep}__pycache__${path.sep}`) &&
            !throughLinkedFolder(location, file)
          : path.dirname(file) === path.normalize(location)
      )
        return true;
    }
  }
  return entry.matchesGlob(file);
}

/**
 * True when the path from `location` down to `file` goes through a symbolic link to a folder
 * (e.g. `versions/loop/versions/a1.py` with `loop -> ..`): Alembic does not follow those, so the
 * file is not a revision of that location (it would be the same revision a second time).
 */
function throughLinkedFolder(location: string, file: string): boolean {
  const parts = path.relative(location, path.dirname(file)).split(path.sep).filter(Boolean);
  let dir = path.normalize(location);
  for (const part of parts) {
    dir = path.join(dir, part);
    try {
      if (fs.lstatSync(dir).isSymbolicLink()) return true;
    } catch {
      return false;
    } // gone: judge by the path alone
  }
  return false;
}

function globMatcher(root: string, globs: readonly string[]): (file: string) => boolean {
  if (globs.length === 0) return () => false;
  const match = picomatch([...globs], { dot: false });
  return (file) => {
    const rel = path.relative(root, file);
    return !rel.startsWith('..') && !path.isAbsolute(rel) && match(rel.split(path.sep).join('/'));
  };
}

/** How many folder entries a revision-glob search looks at, at most. */
const MAX_GLOB_ENTRIES = 200_000;

/**
 * Files below `root` matching the project's revision globs: regular files and symbolic links to
 * files. Symbolic links to folders are not followed (no loop can make it recurse); depth and the
 * number of entries are bounded, and `problems` says when the bound was reached.
 */
function globbedFiles(root: string, matches: (file: string) => boolean, problems: string[], depth = 8): string[] {
  const found: string[] = [];
  let budget = MAX_GLOB_ENTRIES;
  const visit = (dir: string, level: number): void => {
    if (budget <= 0) return;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    budget -= entries.length;
    if (budget <= 0) {
      problems.push(
        `Stopped looking for files matching the revision globs below ${root} after ${MAX_GLOB_ENTRIES} files and folders (at ${dir}).`,
      );
      return;
    }
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (level < depth && !SKIPPED_DIRS.has(e.name) && !e.name.startsWith('.')) visit(full, level + 1);
      } else if ((e.isFile() || e.isSymbolicLink()) && e.name.endsWith('.py') && matches(full)) {
        if (e.isFile()) {
          found.push(full);
          continue;
        }
        try {
          if (fs.statSync(full).isFile()) found.push(full);
        } catch (err) {
          problems.push(brokenRevisionLink(full, err));
        }
      }
    }
  };
  visit(root, 0);
  return found;
}

export interface IndexProgress {
  (done: number, total: number): void;
}

/**
 * The workspace's projects: found from alembic.ini (or `[tool.alembic]`) below each workspace
 * folder, plus a folder-level project when only revision globs say where revisions are.
 */
export class WorkspaceIndex {
  projects: ProjectEntry[] = [];
  /** What the last build found wrong in the workspace's projects (configuration, broken or looping links …). */
  problems: string[] = [];

  constructor(private readonly settingsFor: (root: string) => Promise<SchemaWardenSettings>) {}

  /**
   * Builds every project from disk. `override` gives the text of open documents. Yields to the
   * event loop between files so that requests keep being answered while a large workspace loads.
   */
  async build(
    folders: readonly string[],
    override: (file: string) => MigrationModel | undefined,
    openText: (file: string) => string | undefined,
    progress?: IndexProgress,
  ): Promise<void> {
    const planned: Array<{
      root: string;
      alembic?: AlembicProject;
      settings: SchemaWardenSettings;
      team: ReturnType<typeof readTeamConfig>;
      files: string[];
      matchesGlob: (f: string) => boolean;
    }> = [];
    const problems: string[] = [];
    for (const folder of folders) {
      const alembics = findAlembicProjects(folder, undefined, problems);
      for (const alembic of alembics) {
        const team = readTeamConfig(alembic.root);
        const settings = await this.settingsFor(alembic.root);
        const config = mergeSettings(team.config, settings);
        const matchesGlob = globMatcher(config.root, config.revisionGlobs);
        const scan = scanRevisionFiles(alembic);
        problems.push(...alembic.problems, ...scan.problems);
        const files = new Set(scan.files);
        if (config.revisionGlobs.length) for (const f of globbedFiles(config.root, matchesGlob, problems)) files.add(f);
        planned.push({ root: alembic.root, alembic, settings, team, files: [...files].sort(), matchesGlob });
      }
      if (alembics.length === 0) {
        // No Alembic configuration: revision globs (team or personal) may still name revision files.
        const team = readTeamConfig(folder);
        const settings = await this.settingsFor(folder);
        const config = mergeSettings(team.config, settings);
        if (config.revisionGlobs.length) {
          const matchesGlob = globMatcher(config.root, config.revisionGlobs);
          planned.push({
            root: folder,
            settings,
            team,
            files: globbedFiles(config.root, matchesGlob, problems).sort(),
            matchesGlob,
          });
        }
      }
    }
    const total = planned.reduce((n, p) => n + p.files.length, 0);
    let done = 0;
    const projects: ProjectEntry[] = [];
    for (const plan of planned) {
      // Open documents come from the editor; the rest from disk, parsed on every core.
      const open = plan.files.map((file) => override(file));
      const fromDisk = plan.files.filter((_, i) => open[i] === undefined);
      const before = done;
      const read = await analyzeFilesWith(fromDisk, {
        local: readRevision,
        progress: (n) => {
          done = before + n;
          progress?.(done, total);
        },
      });
      done = before + plan.files.length;
      const models: MigrationModel[] = [];
      let next = 0;
      for (let i = 0; i < plan.files.length; i++) {
        const result = open[i] ?? read[next++];
        if ('path' in result) models.push(result);
        else if (result.problem) problems.push(result.problem);
      }
      const config = mergeSettings(plan.team.config, plan.settings);
      projects.push({
        root: plan.root,
        alembic: plan.alembic,
        settings: plan.settings,
        config,
        configError: plan.team.error,
        model: createProjectModel(plan.root, config, models, plan.alembic, loadRecords(config.decisionsDir, openText)),
        revisionFindings: new Map(),
        projectFindings: new Map(),
        matchesGlob: plan.matchesGlob,
      });
    }
    progress?.(total, total);
    this.projects = projects;
    this.problems = [...new Set(problems)];
  }

  /** The project a revision file belongs to (the innermost one when projects nest). */
  projectOf(file: string): ProjectEntry | undefined {
    let best: ProjectEntry | undefined;
    for (const entry of this.projects) {
      if (isRevisionOf(entry, file) && (!best || entry.root.length > best.root.length)) best = entry;
    }
    return best;
  }

  /** The project whose root holds `file` (for config files, decision records, application code). */
  projectAround(file: string): ProjectEntry | undefined {
    let best: ProjectEntry | undefined;
    for (const entry of this.projects) {
      if (isInside(file, entry.root) && (!best || entry.root.length > best.root.length)) best = entry;
    }
    return best;
  }

  /** Replaces (or adds) a revision's model. */
  setRevision(entry: ProjectEntry, model: MigrationModel): void {
    entry.model = withRevision(entry.model, model);
  }

  removeRevision(entry: ProjectEntry, file: string): void {
    if (!entry.model.byPath.has(file)) return;
    entry.model = createProjectModel(
      entry.root,
      entry.config,
      entry.model.revisions.filter((m) => m.path !== file),
      entry.alembic,
      entry.model.decisions,
    );
    entry.revisionFindings.delete(file);
  }

  /** Replaces the project's decision records (a record changed on disk or in an editor). */
  setDecisions(entry: ProjectEntry, decisions: readonly DecisionRecord[]): void {
    entry.model = createProjectModel(entry.root, entry.config, entry.model.revisions, entry.alembic, decisions);
  }

  get revisionCount(): number {
    return this.projects.reduce((n, p) => n + p.model.revisions.length, 0);
  }
}

/**
 * A revision file's model from disk, or why there is none: `problem` is undefined when the file is
 * simply gone (deleted between listing and reading, or a watcher event for a file deleted since).
 */
export function readRevision(file: string): MigrationModel | { problem?: string } {
  let text: string;
  try {
    text = readText(file);
  } catch (err) {
    let link = false;
    try {
      link = fs.lstatSync(file).isSymbolicLink();
    } catch {
      /* gone */
    }
    if (link) return { problem: brokenRevisionLink(file, err) };
    const code = errorCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return {};
    return { problem: `${file} could not be read (${(err as Error).message}): not linted.` };
  }
  return analyzeOnce(file, text);
}

import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, defaultConfig, loadConfig, type ResolvedConfig } from '../config/config';
import { analyzeOnce } from '../engine/analyze';
import { AnalysisCache } from '../engine/cache/analysisCache';
import { analyzeFilesWith } from '../engine/parallelAnalyze';
import { VERSION } from '../cli/version';
import { readText } from '../engine/readText';
import { brokenRevisionLink, errorCode, type AlembicProject } from '../model/alembicConfig';
import { findProjects, inVersionLocations, listProjectRevisions, revisionGlobMatcher } from '../model/discovery';
import { isRevisionSource } from '../model/revisionContent';
import { forgetDeclaredNamingConventions } from '../model/namingConvention';
import { projectRootOf } from '../model/sourceRoots';
import type { MigrationModel } from '../model/migration';
import { createProjectModel, withRevision, type ProjectModel } from '../model/project';
import { replayProject } from '../model/schema';
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
  /** Python files where revisions are that are not revisions by content (env.py, helpers, templates). */
  nonRevisions: Set<string>;
}

/** Reads the team configuration; a broken file is reported and the defaults are used meanwhile. */
export function readTeamConfig(
  root: string,
  projectRoot = projectRootOf(root),
): { config: ResolvedConfig; error?: ConfigError } {
  try {
    return { config: loadConfig(root, projectRoot) };
  } catch (err) {
    if (err instanceof ConfigError) return { config: defaultConfig(projectRoot), error: err };
    throw err;
  }
}

/**
 * True when `file` sits where the project's revisions are: a version location or a subfolder of
 * one (see `inVersionLocations`), or a file matching a revision glob. Its content is judged
 * separately (`WorkspaceIndex.projectOf`).
 */
export function isRevisionOf(entry: Pick<ProjectEntry, 'alembic' | 'matchesGlob'>, file: string): boolean {
  if (!file.endsWith('.py') || path.basename(file) === '__init__.py') return false;
  return (entry.alembic !== undefined && inVersionLocations(entry.alembic, file)) || entry.matchesGlob(file);
}

export interface IndexProgress {
  (done: number, total: number): void;
}

/**
 * The workspace's projects: found from alembic.ini (or `[tool.alembic]`) below each workspace
 * folder, plus a folder-level project when only revision globs say where revisions are.
 */
/** Models read back per turn of the event loop while warming up after indexing. */
const WARM_UP_CHUNK = 20;

export class WorkspaceIndex {
  projects: ProjectEntry[] = [];
  /** What the last build found wrong in the workspace's projects (configuration, broken or looping links …). */
  problems: string[] = [];
  /** The text of an open document (undefined when it is not open). */
  private openText: (file: string) => string | undefined = () => undefined;

  /**
   * The analysis cache the CLI shares (engine/cache/): unchanged revision files are read back, not
   * parsed, when the workspace is indexed. Undefined: every file is parsed.
   */
  cache: AnalysisCache | undefined = new AnalysisCache({ version: VERSION, flushAfterMs: 1000 });

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
    this.openText = openText;
    // Read again, like env.py: the models' naming convention may have changed since (SW102).
    forgetDeclaredNamingConventions();
    this.cache?.resetStats();
    for (const folder of folders) {
      // The same discovery as the CLI's (model/discovery.ts): the editor finds the projects `lint` finds.
      const alembics = findProjects(folder, problems).projects;
      for (const alembic of alembics) {
        const team = readTeamConfig(alembic.root, alembic.projectRoot);
        const settings = await this.settingsFor(alembic.projectRoot);
        const config = mergeSettings(team.config, settings);
        const listing = listProjectRevisions(alembic, config);
        problems.push(...listing.problems);
        planned.push({
          root: alembic.projectRoot,
          alembic,
          settings,
          team,
          files: listing.files,
          matchesGlob: revisionGlobMatcher(config.root, config.revisionGlobs),
        });
      }
      if (alembics.length === 0) {
        // No Alembic project: revision globs (team or personal) may still name revision files.
        const team = readTeamConfig(folder);
        const settings = await this.settingsFor(folder);
        const config = mergeSettings(team.config, settings);
        if (config.revisionGlobs.length) {
          const listing = listProjectRevisions(undefined, config);
          problems.push(...listing.problems);
          planned.push({
            root: config.root,
            settings,
            team,
            files: listing.files,
            matchesGlob: revisionGlobMatcher(config.root, config.revisionGlobs),
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
      const parse = (files: readonly string[]): Promise<Array<MigrationModel | { problem?: string }>> =>
        analyzeFilesWith(files, {
          local: readRevision,
          progress: (n) => {
            done = before + n;
            progress?.(done, total);
          },
        });
      const read = this.cache
        ? await this.cache.analyzeFiles(fromDisk, plan.root, mergeSettings(plan.team.config, plan.settings), parse)
        : await parse(fromDisk);
      done = before + plan.files.length;
      const models: MigrationModel[] = [];
      const nonRevisions = new Set<string>();
      let next = 0;
      for (let i = 0; i < plan.files.length; i++) {
        const result = open[i] ?? read[next++];
        if (!('path' in result)) {
          if (result.problem) problems.push(result.problem);
        } else if (isRevisionSource(result.source) || (open[i] !== undefined && revisionOnDisk(result.path)))
          models.push(result); // an open revision stays one while it is edited (judged by its saved text)
        else nonRevisions.add(result.path); // env.py, a helper, __init__.py: judged by content
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
        nonRevisions,
      });
    }
    progress?.(total, total);
    this.projects = projects;
    this.problems = [...new Set(problems)];
  }

  /**
   * The project a revision file belongs to (the innermost one when projects nest or share a
   * root). A file where revisions are is one when it is a known revision, else when its content
   * is one: an open document's text, or the file on disk.
   */
  projectOf(file: string): ProjectEntry | undefined {
    let best: ProjectEntry | undefined;
    const depth = (entry: ProjectEntry): number => (entry.alembic?.scriptLocation ?? entry.root).length;
    for (const entry of this.projects) {
      if (isRevisionOf(entry, file) && (!best || depth(entry) > depth(best))) best = entry;
    }
    return best && this.isRevisionByContent(best, file) ? best : undefined;
  }

  private isRevisionByContent(entry: ProjectEntry, file: string): boolean {
    // A known revision stays one while it is edited (a line deleted for a moment, a syntax error).
    if (entry.model.byPath.has(file)) return true;
    const text = this.openText(file);
    if (text !== undefined) return isRevisionSource(text);
    if (entry.nonRevisions.has(file)) return false;
    let disk: string;
    try {
      disk = readText(file);
    } catch {
      return true; // gone or unreadable: reading it again says so
    }
    if (isRevisionSource(disk)) return true;
    entry.nonRevisions.add(file);
    return false;
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
    entry.nonRevisions.delete(model.path);
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

  /**
   * After indexing from the cache: reads the models back and replays the schema a few files at a
   * time, answering requests in between, so that the first keystroke's rules (which read the
   * schema before the edited revision) do not pay for it. Stops when the index is built again.
   */
  async warmUp(): Promise<void> {
    const projects = this.projects;
    for (const entry of projects) {
      let read = 0;
      for (const model of entry.model.revisions) {
        if (this.projects !== projects) return;
        void model.operations; // a model from the cache is decoded on first use
        if (++read % WARM_UP_CHUNK === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      if (this.projects !== projects) return;
      replayProject(entry.model);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  get revisionCount(): number {
    return this.projects.reduce((n, p) => n + p.model.revisions.length, 0);
  }
}

/** Whether the saved text of a file is a revision (false when it cannot be read). */
function revisionOnDisk(file: string): boolean {
  try {
    return isRevisionSource(readText(file));
  } catch {
    return false;
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

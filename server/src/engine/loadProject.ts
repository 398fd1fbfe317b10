import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadConfig, type ResolvedConfig } from '../config/config';
import { loadDecisionRecords } from '../decisions/parse';
import { scanRevisionFiles, type AlembicProject } from '../model/alembicConfig';
import {
  enclosingProject,
  findProjects,
  isInside,
  listProjectRevisions,
  nothingFoundMessage,
  type ProjectSearch,
} from '../model/discovery';
import type { MigrationModel } from '../model/migration';
import type { SqlAnalyzer } from '../parse/sql';
import { createProjectModel, type ProjectModel } from '../model/project';
import { isRevisionFile, isRevisionSource, notARevision } from '../model/revisionContent';
import { projectRootOf } from '../model/sourceRoots';
import type { AnalysisCache } from './cache/analysisCache';
import { analyzeFiles } from './parallelAnalyze';
import { readText } from './readText';

export { readText };

export interface LoadedProjects {
  projects: ProjectModel[];
  /** Files the user named that belong to a project: lint only these (undefined: all). */
  only?: Set<string>;
  problems: string[];
  /** Set when no revision at all was found: what was searched and how to point the tool at the migrations. */
  nothingFound?: string;
}

/** The team configuration of an Alembic project, its paths relative to the project root. */
export function projectConfig(alembic: AlembicProject): ResolvedConfig {
  return loadConfig(alembic.root, alembic.projectRoot);
}

/**
 * The decision records folder of the project `cwd` is in or holds, as `lint` and the editor use
 * it: the configuration's `decisions-dir`, relative to the project root of the Alembic project.
 */
export function projectDecisionsDir(cwd: string): string {
  const alembic = enclosingProject(cwd) ?? findProjects(cwd).projects[0];
  return alembic ? projectConfig(alembic).decisionsDir : loadConfig(cwd, projectRootOf(cwd)).decisionsDir;
}

/** Where models come from: the analysis cache when there is one (`--no-cache`: none). */
export interface LoadOptions {
  cache?: AnalysisCache;
  /** How SQL is parsed when models are built here (default: while building; see model/sqlBlocks.ts). */
  sql?: SqlAnalyzer;
}

function analyze(
  files: readonly string[],
  projectRoot: string,
  config: ResolvedConfig,
  options: LoadOptions,
): Promise<MigrationModel[]> {
  return options.cache ? options.cache.analyzeFiles(files, projectRoot, config) : analyzeFiles(files, options.sql);
}

/** Loads one project: its revisions as discovery lists them (`files` when already listed). */
export async function loadProjectFromAlembic(
  alembic: AlembicProject,
  files?: readonly string[],
  problems: string[] = [],
  options: LoadOptions = {},
): Promise<ProjectModel> {
  const config = projectConfig(alembic);
  const listed = files ?? listProjectRevisions(alembic, config).files;
  const models = (await analyze(readable(listed, problems), alembic.projectRoot, config, options)).filter(
    isRevisionModel,
  );
  return createProjectModel(alembic.projectRoot, config, models, alembic, loadDecisionRecords(config.decisionsDir));
}

/** The files that can be read; one that cannot (deleted meanwhile, no permission) is a problem, not a crash. */
function readable(files: readonly string[], problems: string[]): string[] {
  return files.filter((file) => {
    try {
      fs.accessSync(file, fs.constants.R_OK);
      return true;
    } catch (err) {
      problems.push(`${file} could not be read (${(err as Error).message}): not linted.`);
      return false;
    }
  });
}

/** Files are revisions by content: env.py, helpers, `__init__.py` and templates in a version location are not. */
function isRevisionModel(model: MigrationModel): boolean {
  return isRevisionSource(model.source);
}

/** Revision files with no Alembic project around them (a folder of revisions, or files named one by one). */
async function loadLoose(
  root: string,
  files: readonly string[],
  problems: string[],
  options: LoadOptions,
): Promise<ProjectModel> {
  const projectRoot = projectRootOf(root);
  const config = loadConfig(root, projectRoot);
  const models: MigrationModel[] = (await analyze(readable(files, problems), projectRoot, config, options)).filter(
    isRevisionModel,
  );
  return createProjectModel(projectRoot, config, models, undefined, loadDecisionRecords(config.decisionsDir));
}

/**
 * Resolves the CLI's PATH arguments to projects: an Alembic project folder (or a folder holding
 * projects), a folder inside a project (its revisions there), a folder of revision files, or
 * single files (linted with their whole project around them, so that cross-file rules see the
 * graph). With no paths, the projects found from `cwd` (or the project `cwd` is in). Files are
 * judged by content: env.py, helpers, `__init__.py` are never linted; one named on the command
 * line is reported as not a revision.
 */
export async function loadProjects(
  paths: readonly string[],
  cwd: string,
  options: LoadOptions = {},
): Promise<LoadedProjects> {
  const problems: string[] = [];
  const projects: ProjectModel[] = [];
  const seen = new Map<string, ProjectModel>();
  let only: Set<string> | undefined;
  let total = 0;
  let search: ProjectSearch | undefined;
  const addAlembic = async (alembic: AlembicProject): Promise<ProjectModel> => {
    let project = seen.get(alembic.scriptLocation);
    if (!project) {
      const config = projectConfig(alembic);
      const listing = listProjectRevisions(alembic, config);
      problems.push(...listing.problems);
      const models = (await analyze(readable(listing.files, problems), alembic.projectRoot, config, options)).filter(
        isRevisionModel,
      );
      project = createProjectModel(
        alembic.projectRoot,
        config,
        models,
        alembic,
        loadDecisionRecords(config.decisionsDir),
      );
      seen.set(alembic.scriptLocation, project);
      projects.push(project);
      total += models.length;
    }
    return project;
  };
  const restrictTo = (files: Iterable<string>): void => {
    only ??= new Set();
    for (const file of files) only.add(file);
  };

  if (paths.length === 0) {
    search = findProjects(cwd, problems);
    const found = search.projects.length ? search.projects : [enclosingProject(cwd)].filter((p) => p !== undefined);
    for (const alembic of found) await addAlembic(alembic);
    if (found.length === 0) {
      // No Alembic project: the team's revision globs may still say where the revisions are.
      const config = loadConfig(cwd, projectRootOf(cwd));
      const listing = listProjectRevisions(undefined, config);
      problems.push(...listing.problems);
      if (listing.files.length) {
        const loose = await loadLoose(cwd, listing.files, problems, options);
        projects.push(loose);
        total += loose.revisions.length;
      }
    }
  }
  for (const given of paths) {
    const target = path.resolve(cwd, given);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(target);
    } catch {
      problems.push(`${given}: no such file or folder`);
      continue;
    }
    if (stat.isDirectory()) {
      const inside = enclosingProject(target);
      if (inside && !samePath(inside.scriptLocation, target) && !samePath(inside.root, target)) {
        // A folder within a project (e.g. its versions/): that project, reporting the revisions there.
        const project = await addAlembic(inside);
        restrictTo(project.revisions.filter((m) => isInside(m.path, target)).map((m) => m.path));
        continue;
      }
      const nested = findProjects(target, problems).projects;
      if (nested.length) {
        for (const project of nested) await addAlembic(project);
        continue;
      }
      const scan = scanRevisionFiles({ versionLocations: [target], recursive: false });
      problems.push(...scan.problems);
      if (scan.files.length) {
        const loose = await loadLoose(target, scan.files, problems, options);
        projects.push(loose);
        total += loose.revisions.length;
      }
      continue;
    }
    if (!isRevisionFile(target)) {
      problems.push(notARevision(given));
      continue;
    }
    const alembic = enclosingProject(target);
    if (alembic) {
      const project = await addAlembic(alembic);
      if (!project.byPath.has(target)) {
        // Named by the user, a revision by content, but outside what discovery lists (e.g. a left-out folder).
        projects.push(await loadLoose(path.dirname(target), [target], problems, options));
        total += 1;
      }
    } else {
      projects.push(await loadLoose(path.dirname(target), [target], problems, options));
      total += 1;
    }
    restrictTo([target]);
  }
  // A whole project named alongside a file lints all of it.
  if (paths.some((p) => namesWholeProject(path.resolve(cwd, p)))) only = undefined;
  const reported = only ? only.size : total;
  const nothingFound = reported === 0 ? nothingFoundMessage(paths.length ? paths.join(', ') : cwd, search) : undefined;
  return { projects, only, problems: [...new Set(problems)], nothingFound };
}

function namesWholeProject(target: string): boolean {
  try {
    if (!fs.statSync(target).isDirectory()) return false;
  } catch {
    return false;
  }
  const inside = enclosingProject(target);
  return !inside || samePath(inside.scriptLocation, target) || samePath(inside.root, target);
}

function samePath(a: string, b: string): boolean {
  return path.relative(a, b) === '';
}

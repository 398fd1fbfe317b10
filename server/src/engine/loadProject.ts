import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadConfig } from '../config/config';
import { loadDecisionRecords } from '../decisions/parse';
import {
  findAlembicProjects,
  listRevisionFiles,
  readAlembicProject,
  scanRevisionFiles,
  type AlembicProject,
} from '../model/alembicConfig';
import type { MigrationModel } from '../model/migration';
import { createProjectModel, type ProjectModel } from '../model/project';
import { analyzeOnce } from './analyze';
import { analyzeFiles } from './parallelAnalyze';
import { readText } from './readText';

export { readText };

export interface LoadedProjects {
  projects: ProjectModel[];
  /** Files the user named that belong to a project: lint only these (undefined: all). */
  only?: Set<string>;
  problems: string[];
}

export async function loadProjectFromAlembic(
  alembic: AlembicProject,
  files = listRevisionFiles(alembic),
  problems: string[] = [],
): Promise<ProjectModel> {
  const config = loadConfig(alembic.root);
  const models = await analyzeFiles(readable(files, problems));
  return createProjectModel(alembic.root, config, models, alembic, loadDecisionRecords(config.decisionsDir));
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

/** A folder of revision files with no Alembic configuration around it (listed like a version location). */
async function loadLooseFolder(dir: string, problems: string[]): Promise<ProjectModel> {
  const scan = scanRevisionFiles({ versionLocations: [dir], recursive: false });
  problems.push(...scan.problems);
  const models: MigrationModel[] = await analyzeFiles(readable(scan.files, problems));
  const config = loadConfig(dir);
  return createProjectModel(dir, config, models, undefined, loadDecisionRecords(config.decisionsDir));
}

function enclosingAlembicProject(file: string): AlembicProject | undefined {
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const project = readAlembicProject(dir);
    if (project) {
      const inVersions = project.versionLocations.some((loc) =>
        path.resolve(file).startsWith(path.resolve(loc) + path.sep),
      );
      return inVersions ? project : undefined;
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

/**
 * Resolves the CLI's PATH arguments to projects: an Alembic project folder, a folder of revision
 * files, or single files (linted with their whole project around them, so that cross-file rules
 * see the graph). With no paths, the projects found from `cwd`.
 */
export async function loadProjects(paths: readonly string[], cwd: string): Promise<LoadedProjects> {
  const problems: string[] = [];
  const projects: ProjectModel[] = [];
  const seen = new Map<string, ProjectModel>();
  let only: Set<string> | undefined;
  const addAlembic = async (alembic: AlembicProject): Promise<void> => {
    let project = seen.get(alembic.configFile);
    if (!project) {
      const scan = scanRevisionFiles(alembic);
      problems.push(...alembic.problems, ...scan.problems);
      project = await loadProjectFromAlembic(alembic, scan.files, problems);
      seen.set(alembic.configFile, project);
      projects.push(project);
    }
  };
  if (paths.length === 0) {
    const found = findAlembicProjects(cwd, undefined, problems);
    if (found.length === 0)
      problems.push(
        `No Alembic project found in ${cwd} (looked for alembic.ini, or [tool.alembic] in pyproject.toml). Pass the revision files or folders to lint.`,
      );
    for (const alembic of found) await addAlembic(alembic);
    return { projects, problems };
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
      const alembic = readAlembicProject(target);
      if (alembic) {
        await addAlembic(alembic);
        continue;
      }
      const nested = findAlembicProjects(target, undefined, problems);
      if (nested.length) {
        for (const project of nested) await addAlembic(project);
        continue;
      }
      const loose = await loadLooseFolder(target, problems);
      projects.push(loose);
      continue;
    }
    const alembic = enclosingAlembicProject(target);
    if (alembic) await addAlembic(alembic);
    else {
      const model = analyzeOnce(target, readText(target));
      const config = loadConfig(path.dirname(target));
      projects.push(
        createProjectModel(path.dirname(target), config, [model], undefined, loadDecisionRecords(config.decisionsDir)),
      );
    }
    only ??= new Set();
    only.add(target);
  }
  // A folder named alongside a file lints all of its project: drop the filter when any folder was given.
  if (
    paths.some((p) => {
      try {
        return fs.statSync(path.resolve(cwd, p)).isDirectory();
      } catch {
        return false;
      }
    })
  )
    only = undefined;
  return { projects, only, problems };
}

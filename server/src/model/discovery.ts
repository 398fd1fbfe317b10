import * as fs from 'node:fs';
import * as path from 'node:path';
import picomatch from 'picomatch';
import {
  brokenRevisionLink,
  pythonConfiguredProject,
  readAlembicProjects,
  scanRevisionFiles,
  OTHER_DATABASE_FOLDERS,
  type AlembicProject,
} from './alembicConfig';

/**
 * Project discovery, shared by the CLI and the language server so that both find the same
 * projects and the same revisions. Nothing of the project's Python is run: an Alembic project is
 * - a folder with alembic.ini (with or without `script_location`: Flask-Migrate's
 *   `migrations/alembic.ini` is its own script location; a package resource `pkg.sub:path` is
 *   looked for in the project's source roots), or `[tool.alembic]` in pyproject.toml;
 * - a folder holding `env.py` and `versions/` (Alembic configured in the application's code).
 * Its revisions are the Python files of its version locations and their subfolders (minus those
 * named for another database) whose content is a revision (top-level `revision` and
 * `down_revision`), plus the files the team's `revision-globs` match.
 */

/** Folders never searched: dependencies, virtual environments, caches, build output. */
const SKIPPED_DIRS = new Set([
  'node_modules',
  '.git',
  '.venv',
  'venv',
  '__pycache__',
  '.tox',
  '.nox',
  '.mypy_cache',
  'site-packages',
  'dist',
  'out',
  'build',
]);

/** How deep below the starting folder projects are looked for, and how many folder entries at most. */
export const MAX_SEARCH_DEPTH = 6;
export const MAX_SEARCH_ENTRIES = 200_000;

export interface ProjectSearch {
  projects: AlembicProject[];
  /** How many folders were looked at (said when nothing is found). */
  folders: number;
}

/**
 * Finds the Alembic projects at or below a folder. Symbolic links to folders are not followed
 * (no link loop can make it recurse) and the search is bounded; `problems` says when it stopped.
 * Every project is found, also projects below another one (plugins with their own histories).
 */
export function findProjects(start: string, problems: string[] = []): ProjectSearch {
  const configured: AlembicProject[] = [];
  const inCode: AlembicProject[] = [];
  let budget = MAX_SEARCH_ENTRIES;
  let folders = 0;
  const root = path.resolve(start);
  const visit = (dir: string, level: number): void => {
    folders++;
    configured.push(...readAlembicProjects(dir));
    const python = pythonConfiguredProject(dir);
    if (python) inCode.push(python);
    if (level >= MAX_SEARCH_DEPTH || budget <= 0) return;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    budget -= entries.length;
    if (budget <= 0) {
      problems.push(
        `Stopped looking for Alembic projects below ${root} after ${MAX_SEARCH_ENTRIES} files and folders (at ${dir}); name the project's folder.`,
      );
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (entry.isDirectory() && !SKIPPED_DIRS.has(entry.name) && !entry.name.startsWith('.'))
        visit(path.join(dir, entry.name), level + 1);
    }
  };
  visit(root, 0);
  return { projects: mergeFound(configured, inCode), folders };
}

/**
 * One project per script location: a configuration file wins over the env.py folder it points
 * to, and an env.py folder inside another project's version locations is not a project of its own.
 */
function mergeFound(configured: readonly AlembicProject[], inCode: readonly AlembicProject[]): AlembicProject[] {
  const out: AlembicProject[] = [];
  const locations = new Set<string>();
  for (const project of [...configured, ...inCode]) {
    const key = realPath(project.scriptLocation);
    if (locations.has(key)) continue;
    if (
      project.kind === 'python' &&
      out.some((other) => other.versionLocations.some((loc) => isInside(project.scriptLocation, loc)))
    )
      continue;
    locations.add(key);
    out.push(project);
  }
  return out;
}

/**
 * The Alembic project a file or folder belongs to: the one whose version locations (or script
 * location) hold it, found by walking up from it. A configuration file wins over the env.py
 * folder it points to; the innermost project otherwise.
 */
export function enclosingProject(target: string): AlembicProject | undefined {
  const resolved = path.resolve(target);
  const holds = (project: AlembicProject): boolean =>
    project.versionLocations.some((loc) => isInside(resolved, loc) || samePath(resolved, loc)) ||
    isInside(resolved, project.scriptLocation) ||
    samePath(resolved, project.scriptLocation);
  let inCode: AlembicProject | undefined;
  for (let dir = resolved; ; dir = path.dirname(dir)) {
    const project = readAlembicProjects(dir).find(holds);
    if (project) return project;
    const python = inCode ? undefined : pythonConfiguredProject(dir);
    if (python && holds(python)) inCode = python;
    if (fs.existsSync(path.join(dir, '.git')) || path.dirname(dir) === dir) return inCode;
  }
}

export interface RevisionListing {
  /**
   * The Python files where the project's revisions are, sorted. Which of them are revisions is
   * judged by content once they are read (`isRevisionSource`): env.py, helpers, `__init__.py` and
   * templates sit there too.
   */
  files: string[];
  /** Subfolders named for another database, left out. */
  leftOut: string[];
  problems: string[];
}

/**
 * Where a project's revisions are: its version locations with their subfolders (Alembic's
 * `recursive_version_locations`, or an env.py choosing a subfolder at run time), minus
 * subfolders named for another database; plus the files `revision-globs` match.
 */
export function listProjectRevisions(
  alembic: AlembicProject | undefined,
  config: { root: string; revisionGlobs: readonly string[] },
): RevisionListing {
  const problems: string[] = [...(alembic?.problems ?? [])];
  const scan = alembic
    ? scanRevisionFiles({ versionLocations: alembic.versionLocations, recursive: true }, true)
    : { files: [], problems: [], leftOut: [] };
  problems.push(...scan.problems);
  const files = new Set(scan.files);
  if (config.revisionGlobs.length)
    for (const file of globbedFiles(config.root, revisionGlobMatcher(config.root, config.revisionGlobs), problems))
      files.add(file);
  for (const folder of scan.leftOut) problems.push(leftOutMessage(folder));
  return { files: [...files].sort(), leftOut: scan.leftOut, problems };
}

export function leftOutMessage(folder: string): string {
  return `Left out ${folder}: it is named for another database (${path.basename(folder).toLowerCase()}), so its revisions never run on PostgreSQL.`;
}

/**
 * True when `file` sits where a project's revisions are: in a version location or a subfolder
 * of one (not `__pycache__`, not a folder named for another database, not through a symbolic link
 * to a folder, which Alembic does not follow). Content is judged separately.
 */
export function inVersionLocations(alembic: Pick<AlembicProject, 'versionLocations'>, file: string): boolean {
  if (!file.endsWith('.py')) return false;
  return alembic.versionLocations.some((location) => {
    if (!isInside(file, location)) return false;
    const parts = path.relative(location, path.dirname(file)).split(path.sep).filter(Boolean);
    if (parts.some((part) => part === '__pycache__' || OTHER_DATABASE_FOLDERS.has(part.toLowerCase()))) return false;
    return !throughLinkedFolder(location, parts);
  });
}

function throughLinkedFolder(location: string, parts: readonly string[]): boolean {
  let dir = path.normalize(location);
  for (const part of parts) {
    dir = path.join(dir, part);
    try {
      if (fs.lstatSync(dir).isSymbolicLink()) return true;
    } catch {
      return false; // gone: judge by the path alone
    }
  }
  return false;
}

/** Where Alembic runs for a project: its working directory and its configuration file from there. */
export interface AlembicRunLocation {
  /** The working directory (the project's root as `alembic` or `flask db` is run by hand). */
  projectDir: string;
  /** The configuration file, relative to projectDir. */
  configFile: string;
  /**
   * The named section of alembic.ini Alembic reads (`alembic -n core`), when the file keeps its
   * histories in named sections: the one holding `revisionFile`, or the only one.
   */
  section?: string;
  /** Every named section holding a history, when there are several (none in `[alembic]`). */
  sections?: string[];
}

/**
 * Where Alembic runs for the configuration file `iniPath`, as it would be run by hand: a plain
 * project from the folder of alembic.ini; Flask-Migrate's layout (`migrations/alembic.ini` beside
 * env.py, no script_location) from the folder above, where the application (wsgi.py / app.py) is.
 * With named sections (`[core]`, `[tenant]`), the section whose history holds `revisionFile`
 * (or the only one). The runner in the CLI and in the editor (through the language server) ask here.
 */
export function alembicRunLocation(iniPath: string, revisionFile?: string): AlembicRunLocation {
  const folder = path.dirname(path.resolve(iniPath));
  const projects = path.basename(iniPath) === 'alembic.ini' ? readAlembicProjects(folder) : [];
  const project = projects[0];
  const projectDir = project?.flaskMigrate ? path.dirname(folder) : folder;
  const location: AlembicRunLocation = { projectDir, configFile: path.relative(projectDir, path.resolve(iniPath)) };
  const sections = projects.flatMap((p) => (p.section ? [p.section] : []));
  if (sections.length === 1) location.section = sections[0];
  else if (sections.length > 1) {
    location.sections = sections;
    const file = revisionFile ? path.resolve(revisionFile) : undefined;
    // Version locations first: one history's script location may hold another's versions.
    const holder = file
      ? (projects.find((p) => p.versionLocations.some((loc) => isInside(file, loc))) ??
        projects.find((p) => isInside(file, p.scriptLocation)))
      : undefined;
    if (holder?.section) location.section = holder.section;
  }
  return location;
}

/** What to say when no revision was found: what was searched and how to point the tool at the migrations. */
export function nothingFoundMessage(start: string, search?: ProjectSearch): string {
  const where = search
    ? `Searched ${search.folders} folder${search.folders === 1 ? '' : 's'} at most ${MAX_SEARCH_DEPTH} levels below ${start}`
    : `Searched ${start}`;
  return (
    `No Alembic revisions found. ${where} for alembic.ini (with or without script_location), [tool.alembic] in pyproject.toml, ` +
    `and folders holding env.py and versions/ (a revision is a .py file with top-level \`revision\` and \`down_revision\`). ` +
    `Point Schema Warden at the migrations: \`schema-warden lint path/to/migrations\` (the folder holding env.py or versions/), ` +
    `or list them with \`revision-globs\` in [tool.schema-warden] (pyproject.toml).`
  );
}

/** Matches files against `revision-globs`, relative to the project root. */
export function revisionGlobMatcher(root: string, globs: readonly string[]): (file: string) => boolean {
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
 * Files below `root` matching the revision globs: regular files and symbolic links to files.
 * Symbolic links to folders are not followed (no loop can make it recurse); depth and the number
 * of entries are bounded, and `problems` says when the bound was reached.
 */
export function globbedFiles(
  root: string,
  matches: (file: string) => boolean,
  problems: string[],
  depth = 8,
): string[] {
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
  return found.sort();
}

export function isInside(file: string, dir: string): boolean {
  const rel = path.relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

function samePath(a: string, b: string): boolean {
  return path.relative(a, b) === '';
}

function realPath(p: string): string {
  try {
    return fs.realpathSync.native(p);
  } catch {
    return path.resolve(p);
  }
}

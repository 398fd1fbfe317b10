import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ini from 'ini';
import { parseToml } from '../config/toml';
import { isPackageResource, projectRootOf, resolvePackageResource, sourceRoots } from './sourceRoots';
import { readEnvScript, type EnvScriptSettings } from './envScript';

/**
 * Where an Alembic project keeps its revisions: read from alembic.ini or pyproject.toml's
 * [tool.alembic], or (Alembic configured in Python) a folder holding `env.py` and `versions/`.
 */
export interface AlembicProject {
  /** The folder of the configuration file (the script location when there is none); relative paths in it are taken from here. */
  root: string;
  /** alembic.ini, pyproject.toml, or `env.py` when Alembic is configured in the application's code. */
  configFile: string;
  kind: 'ini' | 'pyproject' | 'python';
  /** The nearest folder above holding pyproject.toml, setup.cfg, setup.py or .git (see `projectRootOf`). */
  projectRoot: string;
  scriptLocation: string;
  versionLocations: string[];
  recursive: boolean;
  /** Problems with the configuration, said so that the user knows what to change. */
  problems: string[];
  /** What `env.py` sets for every migration (read statically), when it can be read. */
  env?: EnvScriptSettings;
  /**
   * Flask-Migrate's layout: alembic.ini beside env.py with no `script_location` (Flask-Migrate
   * sets it); Alembic runs from the folder above (see `alembicRunLocation` in discovery.ts).
   */
  flaskMigrate?: boolean;
  /**
   * The named section of alembic.ini it is read from (`[core]`, run as `alembic -n core`), when the
   * file keeps several histories in named sections and none in `[alembic]`.
   */
  section?: string;
}

export class AlembicConfigError extends Error {}

/** Reads the Alembic configuration in one folder (alembic.ini, else `[tool.alembic]` in pyproject.toml), if it has one. */
export function readAlembicProject(dir: string): AlembicProject | undefined {
  return readAlembicProjects(dir)[0];
}

/**
 * Every Alembic project the configuration in one folder names: one, or (alembic.ini with named
 * sections that each have a `script_location`, and none in `[alembic]`) one per named section.
 */
export function readAlembicProjects(dir: string): AlembicProject[] {
  const iniFile = path.join(dir, 'alembic.ini');
  if (fs.existsSync(iniFile)) return fromIniFile(dir, iniFile);
  const project = fromPyproject(dir);
  return project ? [project] : [];
}

function fromPyproject(dir: string): AlembicProject | undefined {
  const pyproject = path.join(dir, 'pyproject.toml');
  if (fs.existsSync(pyproject)) {
    let table: Record<string, unknown> | undefined;
    try {
      table = (
        (parseToml(fs.readFileSync(pyproject, 'utf8')) as Record<string, unknown>).tool as
          Record<string, unknown> | undefined
      )?.alembic as Record<string, unknown> | undefined;
    } catch {
      return undefined; // a broken pyproject.toml is reported by the configuration loader
    }
    if (table && typeof table.script_location === 'string') {
      const problems: string[] = [];
      const projectRoot = projectRootOf(dir);
      const resolve = (s: string): string =>
        resolveLocation(s.replace(/%\(here\)s/g, dir), dir, projectRoot, pyproject, problems);
      const scriptLocation = resolve(table.script_location);
      const versionLocations = Array.isArray(table.version_locations)
        ? table.version_locations.map((v) => resolve(String(v)))
        : [path.join(scriptLocation, 'versions')];
      return {
        root: dir,
        configFile: pyproject,
        kind: 'pyproject',
        projectRoot,
        scriptLocation,
        versionLocations,
        recursive: table.recursive_version_locations === true,
        problems,
        env: readEnvScript(scriptLocation),
      };
    }
  }
  return undefined;
}

/** An Alembic project configured in Python code (no ini): a folder holding `env.py` and a `versions/` folder. */
export function pythonConfiguredProject(dir: string): AlembicProject | undefined {
  const envPy = path.join(dir, 'env.py');
  const versions = path.join(dir, 'versions');
  try {
    if (!fs.statSync(envPy).isFile() || !fs.statSync(versions).isDirectory()) return undefined;
  } catch {
    return undefined;
  }
  return {
    root: dir,
    configFile: envPy,
    kind: 'python',
    projectRoot: projectRootOf(dir),
    scriptLocation: dir,
    versionLocations: [versions],
    recursive: false,
    problems: [],
    env: readEnvScript(dir),
  };
}

/**
 * A `script_location` or version location as a folder: a path (relative to the configuration
 * file's folder), or a package resource (`pkg.sub:path`, `pkg:a:b`) looked for in the folders from
 * the configuration's up to the project root and in the project's source roots.
 */
function resolveLocation(location: string, dir: string, projectRoot: string, file: string, problems: string[]): string {
  if (!isPackageResource(location)) return path.resolve(dir, location);
  const roots: string[] = [];
  for (let d = dir; ; d = path.dirname(d)) {
    roots.push(d);
    if (d === projectRoot || path.dirname(d) === d || !isInsideOrSame(d, projectRoot)) break;
  }
  roots.push(...sourceRoots(projectRoot));
  const searched = [...new Set(roots)];
  const resolved = resolvePackageResource(location, searched);
  if (resolved) return resolved;
  const [pkg, ...parts] = location.split(':');
  problems.push(
    `${file}: script location "${location}" names the Python package ${pkg}, which is in none ` +
      `of ${searched.join(', ')}: give a folder path (e.g. \`%(here)s/migrations\`) or declare ` +
      `the package's folder in pyproject.toml`,
  );
  return path.resolve(dir, ...pkg.split('.'), ...parts);
}

function isInsideOrSame(dir: string, parent: string): boolean {
  const rel = path.relative(parent, dir);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * alembic.ini's projects: `[alembic]`'s, or, when it names no `script_location` and other sections
 * do (several histories under one file, selected with `alembic -n NAME`), one per such section.
 */
function fromIniFile(dir: string, file: string): AlembicProject[] {
  let parsed: Record<string, Record<string, unknown>> = {};
  let unreadable: string | undefined;
  try {
    parsed = ini.parse(joinContinuationLines(fs.readFileSync(file, 'utf8'))) as typeof parsed;
  } catch (err) {
    unreadable = `${file} could not be read: ${(err as Error).message}`;
  }
  const hasLocation = (section: unknown): boolean =>
    typeof section === 'object' &&
    section !== null &&
    typeof (section as Record<string, unknown>).script_location === 'string' &&
    ((section as Record<string, unknown>).script_location as string).trim() !== '';
  const named = hasLocation(parsed.alembic)
    ? []
    : Object.keys(parsed).filter((name) => name !== 'alembic' && hasLocation(parsed[name]));
  if (named.length === 0) return [fromIni(dir, file, parsed, 'alembic', unreadable)];
  return named.map((name) => fromIni(dir, file, parsed, name));
}

function fromIni(
  dir: string,
  file: string,
  parsed: Record<string, Record<string, unknown>>,
  sectionName: string,
  unreadable?: string,
): AlembicProject {
  const problems: string[] = unreadable ? [unreadable] : [];
  const section = parsed[sectionName] ?? {};
  const projectRoot = projectRootOf(dir);
  const here = (s: string): string => s.replace(/%\(here\)s/g, dir).replace(/%%/g, '%');
  const rawLocation = typeof section.script_location === 'string' ? section.script_location.trim() : undefined;
  let scriptLocation = dir; // Flask-Migrate's layout: alembic.ini beside env.py, no script_location
  const flaskMigrate = !rawLocation && fs.existsSync(path.join(dir, 'env.py'));
  if (rawLocation) scriptLocation = resolveLocation(here(rawLocation), dir, projectRoot, file, problems);
  else if (!flaskMigrate) {
    const below = ['migrations', 'alembic'].find((name) => fs.existsSync(path.join(dir, name, 'env.py')));
    problems.push(
      below
        ? `${file} has no \`script_location\` in its [alembic] section: add \`script_location = %(here)s/${below}\` (the folder holding env.py)`
        : `${file} has no \`script_location\` in its [alembic] section and no env.py beside it: add ` +
            `\`script_location = \` and the folder holding env.py and versions/`,
    );
    if (below) scriptLocation = path.join(dir, below);
  }
  let versionLocations = [path.join(scriptLocation, 'versions')];
  if (typeof section.version_locations === 'string' && section.version_locations.trim() !== '') {
    versionLocations = splitLocations(section.version_locations, section.version_path_separator).map((v) =>
      resolveLocation(here(v), dir, projectRoot, file, problems),
    );
  }
  if (!problems.length && !fs.existsSync(scriptLocation))
    problems.push(`${file}: script_location ${scriptLocation} does not exist`);
  return {
    root: dir,
    configFile: file,
    kind: 'ini',
    projectRoot,
    scriptLocation,
    versionLocations,
    recursive: String(section.recursive_version_locations ?? '').toLowerCase() === 'true',
    problems,
    env: readEnvScript(scriptLocation),
    ...(flaskMigrate ? { flaskMigrate } : {}),
    ...(sectionName !== 'alembic' ? { section: sectionName } : {}),
  };
}

/** configparser continues a value on indented lines; the `ini` package does not. */
function joinContinuationLines(text: string): string {
  return text.replace(/\r\n/g, '\n').replace(/\n[ \t]+(?=\S)/g, ' ');
}

function splitLocations(value: string, separator: unknown): string[] {
  const sep = typeof separator === 'string' ? separator.trim() : undefined;
  const bySeparator: Record<string, RegExp> = {
    space: / +/,
    newline: /\n+/,
    colon: /:/,
    semicolon: /;/,
    os: new RegExp(path.delimiter),
    ':': /:/,
    ';': /;/,
  };
  const pattern = sep && sep in bySeparator ? bySeparator[sep] : /[\s,]+/; // Alembic's legacy split: spaces and commas
  return value
    .split(pattern)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Revision files found in a project's version locations, and what is wrong there (broken or looping links). */
export interface RevisionScan {
  files: string[];
  problems: string[];
  /** Subfolders named for another database (`leaveOutOtherDatabases`): their revisions never run on PostgreSQL. */
  leftOut: string[];
}

/** Subfolders of a version location holding revisions for another database, left out of a PostgreSQL lint. */
export const OTHER_DATABASE_FOLDERS: ReadonlySet<string> = new Set(['sqlite', 'mysql', 'mariadb', 'mssql', 'oracle']);

/** How deep a recursive version location is walked, and how many entries at most. */
export const MAX_VERSION_DEPTH = 32;
export const MAX_VERSION_ENTRIES = 200_000;

const isRevisionName = (name: string): boolean => name.endsWith('.py') && name !== '__init__.py';

/**
 * Lists a project's revision files as Alembic does (`ScriptDirectory._load_revisions`): the `*.py`
 * files of each version location, also through symbolic links to files, each real file once; with
 * `recursive_version_locations` the subfolders too, but not through symbolic links to folders
 * (os.walk / Path.walk do not follow them). Never recurses forever: folders are walked once by
 * device and inode, the depth and the number of entries are bounded. What Alembic would trip over
 * (a `.py` link that is broken or loops, which makes Alembic fail to load the project) or silently
 * skip in a recursive location (a linked folder, a link loop) is said in `problems`.
 */
export function scanRevisionFiles(
  project: Pick<AlembicProject, 'versionLocations' | 'recursive'>,
  leaveOutOtherDatabases = false,
): RevisionScan {
  const files: string[] = [];
  const problems: string[] = [];
  const leftOut: string[] = [];
  const walked = new Set<string>();
  const loaded = new Map<string, string>(); // real path → the path it was listed under
  let budget = MAX_VERSION_ENTRIES;
  const add = (file: string, real: string): void => {
    const first = loaded.get(real);
    if (first !== undefined) {
      problems.push(
        `${file} is the same file as ${first} (a symbolic link): Alembic loads it once, so Schema Warden does too.`,
      );
      return;
    }
    loaded.set(real, file);
    files.push(file);
  };
  const visit = (dir: string, level: number, recursive: boolean): void => {
    let stat: fs.Stats;
    let real: string;
    try {
      stat = fs.statSync(dir);
      real = fs.realpathSync.native(dir);
    } catch (err) {
      if (errorCode(err) === 'ELOOP')
        problems.push(`${dir} is a symbolic link loop: no revisions can be read from it.`);
      return; // a missing version location: Alembic skips it too
    }
    if (!stat.isDirectory()) return;
    const key = `${stat.dev}:${stat.ino}`;
    if (walked.has(key)) return; // the same folder again (two version locations, one through a link)
    walked.add(key);
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    budget -= entries.length;
    if (budget < 0) {
      problems.push(`Stopped listing revisions after ${MAX_VERSION_ENTRIES} files and folders (at ${dir}).`);
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const folders: string[] = [];
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isFile()) {
        if (isRevisionName(entry.name)) add(full, path.join(real, entry.name));
      } else if (entry.isDirectory()) {
        if (!recursive || entry.name === '__pycache__') continue;
        if (leaveOutOtherDatabases && OTHER_DATABASE_FOLDERS.has(entry.name.toLowerCase())) leftOut.push(full);
        else folders.push(full);
      } else if (entry.isSymbolicLink()) linked(full, entry.name, real, recursive);
    }
    for (const folder of folders) {
      if (level + 1 > MAX_VERSION_DEPTH) {
        problems.push(`${folder} is more than ${MAX_VERSION_DEPTH} folders deep in a version location: not listed.`);
        continue;
      }
      visit(folder, level + 1, true);
    }
  };
  const linked = (link: string, name: string, realDir: string, recursive: boolean): void => {
    let target: fs.Stats;
    try {
      target = fs.statSync(link);
    } catch (err) {
      const code = errorCode(err);
      if (!isRevisionName(name) && !recursive) return; // Alembic never looks at it
      if (!isRevisionName(name) && code !== 'ELOOP') {
        problems.push(`${link} is a symbolic link to ${linkTarget(link)}, which does not exist: ignored.`);
        return;
      }
      problems.push(isRevisionName(name) ? brokenRevisionLink(link, err) : `${link} is a symbolic link loop: ignored.`);
      return;
    }
    if (target.isFile()) {
      if (isRevisionName(name)) {
        let real = path.join(realDir, name);
        try {
          real = fs.realpathSync.native(link);
        } catch {
          /* raced with a delete: list it under its own name */
        }
        add(link, real);
      }
      return;
    }
    if (!target.isDirectory() || !recursive || name === '__pycache__') return;
    let real = '';
    try {
      real = fs.realpathSync.native(link);
    } catch {
      /* raced with a delete */
    }
    const rel = path.relative(real, realDir);
    const loops = real !== '' && (rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel)));
    problems.push(
      loops
        ? `${link} is a symbolic link to ${real}, a folder that contains it: a loop. Not followed (Alembic does not follow linked folders either).`
        : `${link} is a symbolic link to the folder ${real || linkTarget(link)}: not followed, as ` +
            `Alembic does not follow linked folders, so the revisions in it are not loaded.`,
    );
  };
  for (const location of project.versionLocations) visit(location, 0, project.recursive);
  return { files: [...new Set(files)].sort(), problems, leftOut };
}

/** What is wrong with a revision file that is a symbolic link that cannot be followed (`err` from stat). */
export function brokenRevisionLink(link: string, err: unknown): string {
  const why =
    errorCode(err) === 'ELOOP'
      ? 'is a symbolic link loop'
      : `is a symbolic link to ${linkTarget(link)}, which does not exist`;
  return `${link} ${why}: Alembic fails to load the revisions while it is there; Schema Warden skips it.`;
}

export function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

function linkTarget(link: string): string {
  try {
    return fs.readlinkSync(link);
  } catch {
    return 'somewhere unreadable';
  }
}

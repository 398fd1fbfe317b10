import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ini from 'ini';
import { parseToml } from '../config/toml';
import { readEnvScript, type EnvScriptSettings } from './envScript';

/** Where an Alembic project keeps its revisions, read from alembic.ini or pyproject.toml's [tool.alembic]. */
export interface AlembicProject {
  /** The folder of the configuration file; relative paths in it are taken from here. */
  root: string;
  configFile: string;
  scriptLocation: string;
  versionLocations: string[];
  recursive: boolean;
  /** Problems with the configuration, said so that the user knows what to change. */
  problems: string[];
  /** What `env.py` sets for every migration (read statically), when it can be read. */
  env?: EnvScriptSettings;
}

export class AlembicConfigError extends Error {}

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

/** How many folder entries the project search looks at before it gives up (a workspace holding a huge tree). */
export const MAX_SEARCH_ENTRIES = 200_000;

/**
 * Finds the Alembic projects at or below a folder (at most `depth` levels down). Symbolic links to
 * folders are not followed (so a link loop cannot make it recurse), and the search stops after
 * `MAX_SEARCH_ENTRIES` entries; `problems` (when given) says when it did.
 */
export function findAlembicProjects(start: string, depth = 4, problems?: string[]): AlembicProject[] {
  const found: AlembicProject[] = [];
  let budget = MAX_SEARCH_ENTRIES;
  const visit = (dir: string, level: number): void => {
    const project = readAlembicProject(dir);
    if (project) {
      found.push(project);
      return;
    }
    if (level >= depth || budget <= 0) return;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    budget -= entries.length;
    if (budget <= 0) {
      problems?.push(
        `Stopped looking for Alembic projects below ${start} after ${MAX_SEARCH_ENTRIES} files and folders (at ${dir}); open the project's folder itself.`,
      );
      return;
    }
    for (const entry of entries) {
      if (entry.isDirectory() && !SKIPPED_DIRS.has(entry.name) && !entry.name.startsWith('.'))
        visit(path.join(dir, entry.name), level + 1);
    }
  };
  visit(path.resolve(start), 0);
  return found;
}

/** Reads the Alembic configuration in one folder, if it has one. */
export function readAlembicProject(dir: string): AlembicProject | undefined {
  const iniFile = path.join(dir, 'alembic.ini');
  if (fs.existsSync(iniFile)) return fromIni(dir, iniFile);
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
      const here = (s: string): string => s.replace(/%\(here\)s/g, dir);
      const scriptLocation = path.resolve(dir, here(table.script_location));
      const versionLocations = Array.isArray(table.version_locations)
        ? table.version_locations.map((v) => path.resolve(dir, here(String(v))))
        : [path.join(scriptLocation, 'versions')];
      return {
        root: dir,
        configFile: pyproject,
        scriptLocation,
        versionLocations,
        recursive: table.recursive_version_locations === true,
        problems: [],
        env: readEnvScript(scriptLocation),
      };
    }
  }
  return undefined;
}

function fromIni(dir: string, file: string): AlembicProject {
  const problems: string[] = [];
  let parsed: Record<string, Record<string, unknown>> = {};
  try {
    parsed = ini.parse(joinContinuationLines(fs.readFileSync(file, 'utf8'))) as typeof parsed;
  } catch (err) {
    problems.push(`${file} could not be read: ${(err as Error).message}`);
  }
  const section = parsed.alembic ?? {};
  const here = (s: string): string => s.replace(/%\(here\)s/g, dir).replace(/%%/g, '%');
  const rawLocation = typeof section.script_location === 'string' ? section.script_location.trim() : undefined;
  if (!rawLocation)
    problems.push(
      `${file} has no \`script_location\` in its [alembic] section: add e.g. \`script_location = %(here)s/alembic\``,
    );
  const location = here(rawLocation ?? 'alembic');
  if (/^[\w.]+:[\w./]+$/.test(location))
    problems.push(
      `${file}: script_location "${location}" names a Python package; give a folder path so Schema Warden can find the revisions`,
    );
  const scriptLocation = path.resolve(dir, location);
  let versionLocations = [path.join(scriptLocation, 'versions')];
  if (typeof section.version_locations === 'string' && section.version_locations.trim() !== '') {
    versionLocations = splitLocations(section.version_locations, section.version_path_separator).map((v) =>
      path.resolve(dir, here(v)),
    );
  }
  if (!problems.length && !fs.existsSync(scriptLocation))
    problems.push(`${file}: script_location ${scriptLocation} does not exist`);
  return {
    root: dir,
    configFile: file,
    scriptLocation,
    versionLocations,
    recursive: String(section.recursive_version_locations ?? '').toLowerCase() === 'true',
    problems,
    env: readEnvScript(scriptLocation),
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

/** The revision files of a project: `*.py` in its version locations, sorted for stable output. */
export function listRevisionFiles(project: AlembicProject): string[] {
  return scanRevisionFiles(project).files;
}

/** Revision files found in a project's version locations, and what is wrong there (broken or looping links). */
export interface RevisionScan {
  files: string[];
  problems: string[];
}

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
export function scanRevisionFiles(project: Pick<AlembicProject, 'versionLocations' | 'recursive'>): RevisionScan {
  const files: string[] = [];
  const problems: string[] = [];
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
        if (recursive && entry.name !== '__pycache__') folders.push(full);
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
        : `${link} is a symbolic link to the folder ${real || linkTarget(link)}: not followed, as Alembic does not follow linked folders, so the revisions in it are not loaded.`,
    );
  };
  for (const location of project.versionLocations) visit(location, 0, project.recursive);
  return { files: [...new Set(files)].sort(), problems };
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

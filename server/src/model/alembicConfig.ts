import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ini from 'ini';
import { parseToml } from '../config/toml';

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
}

export class AlembicConfigError extends Error {}

const SKIPPED_DIRS = new Set(['node_modules', '.git', '.venv', 'venv', '__pycache__', '.tox', '.mypy_cache', 'dist', 'out', 'build']);

/** Finds the Alembic projects at or below a folder (at most `depth` levels down). */
export function findAlembicProjects(start: string, depth = 4): AlembicProject[] {
  const found: AlembicProject[] = [];
  const visit = (dir: string, level: number): void => {
    const project = readAlembicProject(dir);
    if (project) { found.push(project); return; }
    if (level >= depth) return;
    let entries: fs.Dirent[];
    try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch { return; }
    for (const entry of entries) {
      if (entry.isDirectory() && !SKIPPED_DIRS.has(entry.name) && !entry.name.startsWith('.')) visit(path.join(dir, entry.name), level + 1);
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
      table = ((parseToml(fs.readFileSync(pyproject, 'utf8')) as Record<string, unknown>).tool as Record<string, unknown> | undefined)?.alembic as Record<string, unknown> | undefined;
    } catch {
      return undefined; // a broken pyproject.toml is reported by the configuration loader
    }
    if (table && typeof table.script_location === 'string') {
      const here = (s: string): string => s.replace(/%\(here\)s/g, dir);
      const scriptLocation = path.resolve(dir, here(table.script_location));
      const versionLocations = Array.isArray(table.version_locations) ? table.version_locations.map((v) => path.resolve(dir, here(String(v)))) : [path.join(scriptLocation, 'versions')];
      return { root: dir, configFile: pyproject, scriptLocation, versionLocations, recursive: table.recursive_version_locations === true, problems: [] };
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
  if (!rawLocation) problems.push(`${file} has no \`script_location\` in its [alembic] section: add e.g. \`script_location = %(here)s/alembic\``);
  const location = here(rawLocation ?? 'alembic');
  if (/^[\w.]+:[\w./]+$/.test(location)) problems.push(`${file}: script_location "${location}" names a Python package; give a folder path so Schema Warden can find the revisions`);
  const scriptLocation = path.resolve(dir, location);
  let versionLocations = [path.join(scriptLocation, 'versions')];
  if (typeof section.version_locations === 'string' && section.version_locations.trim() !== '') {
    versionLocations = splitLocations(section.version_locations, section.version_path_separator).map((v) => path.resolve(dir, here(v)));
  }
  if (!problems.length && !fs.existsSync(scriptLocation)) problems.push(`${file}: script_location ${scriptLocation} does not exist`);
  return { root: dir, configFile: file, scriptLocation, versionLocations, recursive: String(section.recursive_version_locations ?? '').toLowerCase() === 'true', problems };
}

/** configparser continues a value on indented lines; the `ini` package does not. */
function joinContinuationLines(text: string): string {
  return text.replace(/\r\n/g, '\n').replace(/\n[ \t]+(?=\S)/g, ' ');
}

function splitLocations(value: string, separator: unknown): string[] {
  const sep = typeof separator === 'string' ? separator.trim() : undefined;
  const bySeparator: Record<string, RegExp> = { space: / +/, newline: /\n+/, colon: /:/, semicolon: /;/, os: new RegExp(path.delimiter), ':': /:/, ';': /;/ };
  const pattern = sep && sep in bySeparator ? bySeparator[sep] : /[\s,]+/; // Alembic's legacy split: spaces and commas
  return value.split(pattern).map((s) => s.trim()).filter(Boolean);
}

/** The revision files of a project: `*.py` in its version locations, sorted for stable output. */
export function listRevisionFiles(project: AlembicProject): string[] {
  const files: string[] = [];
  const visit = (dir: string, recursive: boolean): void => {
    let entries: fs.Dirent[];
    try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch { return; }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isFile() && entry.name.endsWith('.py') && entry.name !== '__init__.py') files.push(full);
      else if (recursive && entry.isDirectory() && entry.name !== '__pycache__') visit(full, true);
    }
  };
  for (const location of project.versionLocations) visit(location, project.recursive);
  return [...new Set(files)].sort();
}

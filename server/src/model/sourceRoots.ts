import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseToml } from '../config/toml';

/** Files that mark the root of a Python project (or of a repository). */
export const PROJECT_MARKERS = ['pyproject.toml', 'setup.cfg', 'setup.py', '.git'] as const;

/**
 * The project root of a folder: the nearest folder at or above it holding pyproject.toml,
 * setup.cfg, setup.py or .git. Team configuration paths (`decisions-dir`, globs) are relative to
 * it and application code (SW305) is read under it. Without any marker below the home folder:
 * the folder itself.
 */
export function projectRootOf(dir: string): string {
  const start = path.resolve(dir);
  // A home folder kept in git (dotfiles) is not a project root: application code would be read from all of it.
  const home = os.homedir();
  for (let current = start; ; current = path.dirname(current)) {
    if (current === home && current !== start) return start;
    if (PROJECT_MARKERS.some((marker) => fs.existsSync(path.join(current, marker)))) return current;
    if (path.dirname(current) === current) return start;
  }
}

/**
 * Where Python packages live in a project, for a package-resource `script_location`
 * (`mypkg.sub:migrations`): the root itself, `src/`, and the folders pyproject.toml (setuptools,
 * Poetry, Hatch) or setup.cfg (`package_dir`, `packages.find.where`) declare. Existing folders only.
 */
export function sourceRoots(projectRoot: string): string[] {
  const roots = [projectRoot, path.join(projectRoot, 'src'), ...declaredRoots(projectRoot)];
  return [...new Set(roots.map((r) => path.resolve(r)))].filter(isDirectory);
}

function declaredRoots(root: string): string[] {
  const out: string[] = [];
  const pyproject = readTomlTable(path.join(root, 'pyproject.toml'));
  const tool = record(pyproject?.tool);
  const setuptools = record(tool?.setuptools);
  const find = record(record(setuptools?.packages)?.find);
  for (const where of strings(find?.where)) out.push(path.resolve(root, where));
  const packageDir = record(setuptools?.['package-dir']);
  for (const dir of strings(packageDir?.[''])) out.push(path.resolve(root, dir));
  for (const pkg of Array.isArray(record(tool?.poetry)?.packages) ? (record(tool?.poetry)?.packages as unknown[]) : [])
    for (const from of strings(record(pkg)?.from)) out.push(path.resolve(root, from));
  const wheel = record(record(record(record(tool?.hatch)?.build)?.targets)?.wheel);
  for (const pkg of strings(wheel?.packages)) out.push(path.dirname(path.resolve(root, pkg)));
  const setupCfg = readSetupCfg(path.join(root, 'setup.cfg'));
  // `package_dir =\n    =src`: the folder of the root package ('' before the '=').
  for (const line of (setupCfg.get('options.package_dir') ?? '').split('\n')) {
    const match = /^\s*=\s*(\S+)\s*$/.exec(line);
    if (match) out.push(path.resolve(root, match[1]));
  }
  const where = setupCfg.get('options.packages.find.where')?.trim();
  if (where) out.push(path.resolve(root, where));
  return out;
}

/** True for `pkg:path`, `pkg.sub:path`, `pkg:a:b` (Alembic's package resources); not for `C:\x` or `/a:b`. */
export function isPackageResource(location: string): boolean {
  return !path.isAbsolute(location) && !/^[A-Za-z]:[\\/]/.test(location) && /^[A-Za-z_][\w.]*:/.test(location);
}

/**
 * Resolves a package resource as Alembic does (`importlib.resources.files(pkg) / a / b` for
 * `pkg:a:b`), without importing anything: the package is looked for in each of `roots`.
 */
export function resolvePackageResource(location: string, roots: readonly string[]): string | undefined {
  const [pkg, ...parts] = location.split(':');
  const pkgPath = pkg.split('.');
  for (const root of roots) {
    const pkgDir = path.join(root, ...pkgPath);
    if (isDirectory(pkgDir)) return path.join(pkgDir, ...parts.flatMap((p) => p.split(/[\\/]/)).filter(Boolean));
  }
  return undefined;
}

function isDirectory(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

function readTomlTable(file: string): Record<string, unknown> | undefined {
  try {
    return parseToml(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined; // missing, or broken (the configuration loader reports a broken pyproject.toml)
  }
}

/** setup.cfg as configparser reads it: `section.key` → value, continuation lines joined with newlines. */
function readSetupCfg(file: string): Map<string, string> {
  const values = new Map<string, string>();
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return values;
  }
  let section = '';
  let key: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (/^\s*[#;]/.test(line) || line.trim() === '') continue;
    const header = /^\[([^\]]+)\]/.exec(line);
    if (header) {
      section = header[1].trim();
      key = undefined;
    } else if (/^\s/.test(line) && key) values.set(key, `${values.get(key) ?? ''}\n${line.trim()}`);
    else {
      const pair = /^([^=:]+)[=:](.*)$/.exec(line);
      key = pair ? `${section}.${pair[1].trim()}` : undefined;
      if (pair && key) values.set(key, pair[2].trim());
    }
  }
  return values;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

import * as fs from 'node:fs';
import * as path from 'node:path';
import picomatch from 'picomatch';
import type { ResolvedConfig } from '../config/config';
import type { DecisionRecord } from '../model/decisionRecord';
import { createProjectModel, type ProjectModel } from '../model/project';
import { allRules } from '../rules';
import type { Finding, Rule } from '../rules/types';
import { analyzeOnce } from './analyze';
import { filterWaived, runChecks, sortFindings, type LintOptions } from './lint';

/**
 * Application code (not revisions): the workspace's Python files that `application-globs` match
 * and `application-exclude` does not. Rules with scope 'application' (SW305) run on them.
 */

/** Folders never walked: virtual environments, dependencies, caches, VCS data. */
const SKIPPED_DIRS = new Set([
  '.venv',
  'venv',
  'node_modules',
  '.git',
  '__pycache__',
  '.tox',
  '.nox',
  '.mypy_cache',
  '.pytest_cache',
  'site-packages',
  'dist',
  'build',
]);

export function applicationMatcher(config: ResolvedConfig): (file: string) => boolean {
  const include = picomatch([...config.applicationGlobs], { dot: false });
  const exclude = config.applicationExclude.length
    ? picomatch([...config.applicationExclude], { dot: true })
    : () => false;
  return (file: string): boolean => {
    const relative = path.relative(config.root, path.resolve(file)).split(path.sep).join('/');
    if (relative.startsWith('../') || path.isAbsolute(relative)) return false;
    return include(relative) && !exclude(relative);
  };
}

export function isApplicationFile(file: string, config: ResolvedConfig): boolean {
  return file.endsWith('.py') && applicationMatcher(config)(file);
}

/** Application files under `root`, sorted; reads no file, only folder listings. */
export function listApplicationFiles(root: string, config: ResolvedConfig): string[] {
  const matches = applicationMatcher(config);
  const found: string[] = [];
  const walk = (dir: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name) && !entry.name.startsWith('.')) walk(full);
      } else if (entry.isFile() && entry.name.endsWith('.py') && matches(full)) {
        found.push(full);
      }
    }
  };
  walk(root);
  return found.sort();
}

/**
 * Lints one application file with the application rules. Waivers in it count when `decisions`
 * (the project's records) are given.
 */
export function lintApplicationFile(
  file: string,
  source: string,
  config: ResolvedConfig,
  decisions?: readonly DecisionRecord[],
  options: LintOptions = {},
): Finding[] {
  const rules: Rule[] = (options.rules ?? allRules).filter(
    (r) => r.meta.scope === 'application' && r.check !== undefined,
  );
  if (rules.length === 0) return [];
  const model = analyzeOnce(file, source);
  const project = createProjectModel(config.root, config, [], undefined, decisions);
  const findings = runChecks(rules, model, project);
  const ran = new Set(rules.map((r) => r.meta.id));
  return sortFindings(
    filterWaived(findings, model, project, options, { reportInvalid: true, canReportUnused: (id) => ran.has(id) }),
  );
}

export interface NonRevisionFile {
  path: string;
  source: string;
  findings: Finding[];
}

/**
 * Words without which no application rule can report and no waiver can be present: files lacking
 * all of them are not parsed, which keeps scanning a large application cheap.
 */
const APPLICATION_HINTS = ['create_all', 'schema-warden:'];

/**
 * The files of a project that are not revisions but have findings: decision records (SW901) and
 * application code under the project root (SW305). `seen` avoids linting a file twice when
 * several projects share a folder.
 */
export function lintNonRevisionFiles(
  project: ProjectModel,
  results: ReadonlyMap<string, Finding[]>,
  options: LintOptions = {},
  seen: Set<string> = new Set(),
): NonRevisionFile[] {
  const out: NonRevisionFile[] = [];
  for (const record of project.decisions ?? []) {
    const findings = results.get(record.path) ?? [];
    if (findings.length && !seen.has(record.path)) out.push({ path: record.path, source: record.text, findings });
    seen.add(record.path);
  }
  for (const file of listApplicationFiles(project.root, project.config)) {
    if (project.byPath.has(file) || seen.has(file)) continue;
    seen.add(file);
    let source: string;
    try {
      source = fs.readFileSync(file).toString('utf8');
    } catch {
      continue;
    }
    if (!APPLICATION_HINTS.some((hint) => source.includes(hint))) continue;
    const findings = lintApplicationFile(file, source, project.config, project.decisions, options);
    if (findings.length) out.push({ path: file, source, findings });
  }
  return out;
}

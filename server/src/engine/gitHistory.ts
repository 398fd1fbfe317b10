// The git history of a project's revision files, as a fact the engine gives to rules (SW108):
// the rules never start git themselves. Asked once per ProjectModel, reused while nothing git
// would see has changed, and prefetched by the CLI while it parses.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ProjectModel } from '../model/project';
import { firstCommittedChild } from '../rules/SW108-edited-history';
import type { GitHistory } from '../rules/types';
import {
  CONFIG_FILTERS,
  fileAtCommit,
  filterOverrides,
  gitDirOf,
  insideRepository,
  repoRelative,
  runGit,
  runGitAsync,
} from './git';
import { ObjectMemo } from '../model/objectMemo';

export type { GitHistory };

const REV_PARSE = ['rev-parse', '--show-toplevel', 'HEAD'];
const IGNORE_REVS_CONFIG = ['config', '--get-all', 'blame.ignoreRevsFile'];
/** Where GitHub and most tools look when `blame.ignoreRevsFile` is not set. */
const CONVENTIONAL_IGNORE_REVS = '.git-blame-ignore-revs';

const logArgs = (pathspecs: string[]): string[] => [
  'log',
  '--topo-order',
  '--no-renames',
  '--no-ext-diff',
  '--no-textconv',
  '--format=%x1e%H',
  '--name-only',
  '--',
  ...pathspecs,
];
const statusArgs = (pathspecs: string[]): string[] => [
  'status',
  '--porcelain=v1',
  '-z',
  '--untracked-files=no',
  '--ignore-submodules=all',
  '--',
  ...pathspecs,
];

type LogFacts = Pick<GitHistory, 'commits' | 'history'>;

const perProject = new ObjectMemo<ProjectModel, GitHistory | null>('perProject');
/**
 * The editor makes a new project model per keystroke: git's answers are reused while nothing git
 * would see has changed — the revision files on disk, the index, HEAD and its reflog.
 */
const recent = new Map<string, { fingerprint: string; facts: GitHistory | null }>();
const logCache = new Map<string, LogFacts>();

/** Answers of git commands started early by prefetchGitHistory(), by folder and arguments; each is used once. */
const prefetched = new Map<string, string>();
const commandKey = (cwd: string, args: string[]): string => `${cwd}\0${args.join('\0')}`;

function git(cwd: string, args: string[]): string {
  const key = commandKey(cwd, args);
  const early = prefetched.get(key);
  if (early !== undefined) {
    prefetched.delete(key);
    return early;
  }
  return runGit(cwd, args);
}

/** `git status` over the revision folders, with every configured filter driver turned off; undefined when that cannot be done. */
function statusCommand(pathspecs: string[], configNames: string): string[] | undefined {
  const filters = filterOverrides(configNames);
  return filters ? [...filters, ...statusArgs(pathspecs)] : undefined;
}

/**
 * Starts the git questions for these revision folders now, in other processes, so that they
 * run while the CLI parses (git costs 50–300 ms of wall time, mostly process start-up). An answer
 * is used only for exactly the same question; otherwise git is asked again.
 */
export function prefetchGitHistory(revisionDirs: readonly string[]): Promise<void> {
  const dirs = [...new Set(revisionDirs)].filter((d) => fs.existsSync(d)).sort();
  const gitDir = dirs.length ? gitDirOf(dirs[0]) : undefined;
  if (!gitDir || !fs.statSync(gitDir).isDirectory()) return Promise.resolve(); // worktrees, submodules: asked later
  let root: string;
  try {
    root = fs.realpathSync(path.dirname(gitDir));
  } catch {
    return Promise.resolve();
  }
  const pathspecs = dirs.map((d) => repoRelative(root, d) || '.');
  const ask = async (cwd: string, args: string[]): Promise<string | undefined> => {
    const answer = await runGitAsync(cwd, args);
    if (answer !== undefined) prefetched.set(commandKey(cwd, args), answer);
    return answer;
  };
  const status = ask(root, CONFIG_FILTERS).then((names) => {
    const args = names === undefined ? undefined : statusCommand(pathspecs, names);
    return args ? ask(root, args) : undefined;
  });
  return Promise.all([
    ask(dirs[0], REV_PARSE),
    ask(root, logArgs(pathspecs)),
    ask(root, IGNORE_REVS_CONFIG),
    status,
  ]).then(() => undefined);
}

/** Drops unused early answers (e.g. the rule did not run), so that a later run asks git afresh. */
export function forgetPrefetchedGit(): void {
  prefetched.clear();
}

/** What git says about the project's revision files, once per ProjectModel; undefined without git or a repository. */
export function gitHistoryOf(project: ProjectModel): GitHistory | undefined {
  if (perProject.has(project)) return perProject.get(project) ?? undefined;
  const dirs = revisionDirs(project);
  // Outside a repository there is nothing to ask, and no reason to stat every revision file.
  if (dirs.length === 0 || !insideRepository(dirs[0])) {
    perProject.set(project, null);
    return undefined;
  }
  const key = dirs.join('\0');
  const fingerprint = fingerprintOf(project);
  const last = recent.get(key);
  let facts: GitHistory | null = null;
  if (last && last.fingerprint === fingerprint) {
    facts = last.facts;
  } else {
    try {
      facts = readGit(dirs);
    } catch {
      facts = null; // no git, not a repository, no commits yet
    }
    recent.set(key, { fingerprint, facts });
  }
  perProject.set(project, facts);
  return facts ?? undefined;
}

function revisionDirs(project: ProjectModel): string[] {
  return [...new Set(project.revisions.map((m) => path.dirname(m.path)))].filter((d) => fs.existsSync(d)).sort();
}

function readGit(dirs: string[]): GitHistory | null {
  const [top, head] = git(dirs[0], REV_PARSE).trim().split('\n');
  if (!top || !head) return null;
  const root = fs.realpathSync(top);
  const relative = (file: string): string => repoRelative(root, file);
  const pathspecs = dirs.map((d) => relative(d) || '.');
  const key = `${root}\0${head}\0${pathspecs.join('\0')}`;
  let log = logCache.get(key);
  if (!log) {
    log = parseLog(git(root, logArgs(pathspecs)));
    logCache.set(key, log);
  }
  const changed = new Set<string>();
  const command = statusCommand(pathspecs, git(root, CONFIG_FILTERS));
  if (!command) return null;
  const status = git(root, command).split('\0');
  for (let i = 0; i < status.length; i++) {
    const entry = status[i];
    if (entry.length < 4) continue;
    changed.add(entry.slice(3));
    if (entry[0] === 'R' || entry[0] === 'C') i++; // the rename's source path follows
  }
  const ignoredCommits = readIgnoreRevs(root, git(root, IGNORE_REVS_CONFIG), log.commits);
  const texts = new Map<string, string | undefined>();
  const textAt = (commit: string, file: string): string | undefined => {
    const at = `${commit}:${file}`;
    if (!texts.has(at)) texts.set(at, fileAtCommit(root, commit, file));
    return texts.get(at);
  };
  return { ...log, changed, ignoredCommits, relative, textAt };
}

/**
 * The commits listed in the file `blame.ignoreRevsFile` names (relative to the repository root,
 * as `git blame` run there reads it), else in `.git-blame-ignore-revs` when there is one: one
 * (possibly abbreviated) commit per line, `#` comments.
 */
function readIgnoreRevs(root: string, configured: string, commits: readonly string[]): Set<string> {
  const files = configured
    .split('\n')
    .map((f) => f.trim())
    .filter(Boolean);
  if (files.length === 0) files.push(CONVENTIONAL_IGNORE_REVS);
  const listed: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = fs.readFileSync(path.resolve(root, file.replace(/^~(?=\/)/, process.env.HOME ?? '~')), 'utf8');
    } catch {
      continue; // git itself ignores a missing file only when it is optional; a lint never fails for it
    }
    for (const line of text.split('\n')) {
      const entry = line.replace(/#.*/, '').trim().toLowerCase();
      if (/^[0-9a-f]{4,64}$/.test(entry)) listed.push(entry);
    }
  }
  const ignored = new Set<string>();
  if (listed.length === 0) return ignored;
  for (const commit of commits) if (listed.some((entry) => commit.startsWith(entry))) ignored.add(commit);
  return ignored;
}

/** Sizes and modification times of everything git's answers depend on. */
function fingerprintOf(project: ProjectModel): string {
  const stamp = (file: string): string => {
    try {
      const s = fs.statSync(file);
      return `${s.size}:${s.mtimeMs}`;
    } catch {
      return '-';
    }
  };
  const first = project.revisions[0];
  const gitDir = first ? gitDirOf(path.dirname(first.path)) : undefined;
  const gitFiles = gitDir
    ? ['', 'index', 'HEAD', path.join('logs', 'HEAD')].map((f) => stamp(path.join(gitDir, f)))
    : [];
  const root = gitDir ? path.dirname(gitDir) : undefined;
  const ignoreRevs = root ? [stamp(path.join(root, CONVENTIONAL_IGNORE_REVS))] : [];
  return [...gitFiles, ...ignoreRevs, ...project.revisions.map((m) => `${m.path}=${stamp(m.path)}`)].join('|');
}

function parseLog(text: string): LogFacts {
  const commits: string[] = [];
  const history = new Map<string, number[]>();
  for (const chunk of text.split('\x1e')) {
    const lines = chunk
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '');
    if (lines.length === 0) continue;
    const index = commits.push(lines[0]) - 1;
    for (const file of lines.slice(1)) {
      const list = history.get(file);
      if (list) list.push(index);
      else history.set(file, [index]);
    }
  }
  return { commits, history };
}

/**
 * The editor's question (quick fixes must not edit history): the committed child of the revision
 * in `file`, and the commit that added it; undefined when it has none, or git cannot tell. Starts
 * git, so only for trusted workspaces.
 */
export function committedChildOf(project: ProjectModel, file: string): { child: string; commit: string } | undefined {
  const migration = project.byPath.get(file);
  if (!migration?.revision) return undefined;
  const git = gitHistoryOf(project);
  const child = git ? firstCommittedChild(project, git, migration.revision) : undefined;
  return git && child ? { child: child.id, commit: git.commits[child.added].slice(0, 8) } : undefined;
}

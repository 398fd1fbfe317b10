import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ProjectModel } from '../model/project';
import { defineRule } from './types';

export default defineRule({
  meta: {
    id: 'SW108',
    name: 'edited-history',
    severity: 'warning',
    scope: 'project',
    policySection: 'Migration Rules',
    policyClause:
      'Migration ordering must respect dependency graph; out-of-order revision merges must be resolved by new revisions rather than editing history.',
    docs: {
      summary: 'A revision that already has a committed child is not edited.',
      whatItDoes:
        'Asks git about the revision files: a revision whose child revision is committed is reported when it has uncommitted changes (working tree or index), or when a commit changed it after the commit that added its child. Without git, outside a repository, or for revisions whose children are not committed yet, nothing is reported.',
      whyBad:
        'Once a child revision is committed, the parent has been (or will be) applied to shared and production databases as it was. Alembic never runs a revision twice, so an edit to it never reaches those databases: the schema silently differs between environments, and the history no longer describes any real database. History is fixed by a new revision.',
      bad: '# versions/a1_add_invoice.py — committed, and b2 (down_revision = "a1") is committed too\ndef upgrade():\n    op.create_table("invoice", sa.Column("id", sa.UUID(), primary_key=True),\n                    sa.Column("note", sa.Text()))   # added afterwards',
      good: '# versions/c3_add_invoice_note.py — a new revision on top of the head\ndef upgrade():\n    op.add_column("invoice", sa.Column("note", sa.Text(), comment="free-text note"))',
      howToFix:
        'Revert the change to the old revision (`git restore <file>`, or revert the commit) and make the change in a new revision (`alembic revision -m "…"`).',
      fixSafety: 'none',
      notes:
        "Git is asked read-only questions per lint (the repository root, the names of the configured filter drivers, `git status` and one `git log` over the revision folders); the log is cached while HEAD does not move. A file edited in the same commit that added its child is not reported. A repository's own configuration (`.git/config`) can make git run programs (`core.fsmonitor`, filter drivers, hooks, `log.showSignature`, submodules): git is always started with those turned off, and in an untrusted editor workspace the rule does not start git at all and reports nothing.",
    },
  },
  checkProject({ project, report, trusted }) {
    // An untrusted workspace's repository is not asked: its .git/config is the workspace's too.
    if (!trusted) return;
    const git = gitFacts(project);
    if (!git) return;
    for (const node of project.graph.nodes.values()) {
      if (node.children.length === 0) continue;
      const file = git.relative(node.path);
      // The commit that added each committed child: the oldest commit touching its file.
      const children = node.children.flatMap((id) => {
        const child = project.graph.nodes.get(id);
        const added = child ? git.history.get(git.relative(child.path))?.at(-1) : undefined;
        return child && added !== undefined ? [{ id: child.id, added }] : [];
      });
      if (children.length === 0 || !file) continue;
      // In `git log --topo-order` a larger index is an older commit: the first child committed is the one that matters.
      const child = children.reduce((a, b) => (b.added > a.added ? b : a));
      const addedAt = child.added;
      const childCommit = git.commits[addedAt].slice(0, 8);
      const span = node.migration.revisionSpan ?? { start: 0, end: 0 };
      const where = `Revision ${node.id} already has a committed child (${child.id}, added in ${childCommit})`;
      const advice = 'Revert the change and make it in a new revision.';
      const why = 'a revision that may already be applied is fixed with a new one, never by editing it';
      if (git.changed.has(file)) {
        report({ path: node.path, span, message: `${where} but has uncommitted changes: ${why}.`, help: advice });
        continue;
      }
      const lastChange = git.history.get(file)?.[0];
      if (lastChange !== undefined && lastChange < addedAt) {
        report({
          path: node.path,
          span,
          message: `${where} but was changed afterwards in ${git.commits[lastChange].slice(0, 8)}: ${why}.`,
          help: advice,
        });
      }
    }
  },
});

interface GitFacts {
  /** Commits touching the revision folders, newest first (`--topo-order`). */
  commits: string[];
  /** Repository-relative path → indexes into `commits` of the commits that touched it, newest first. */
  history: Map<string, number[]>;
  /** Repository-relative paths with uncommitted changes (working tree or index). */
  changed: Set<string>;
  relative(file: string): string;
}

const perProject = new WeakMap<ProjectModel, GitFacts | null>();
/**
 * The editor makes a new project model per keystroke: git's answers are reused while nothing git
 * would see has changed — the revision files on disk, the index, HEAD and its reflog.
 */
const recent = new Map<string, { fingerprint: string; facts: GitFacts | null }>();
const logCache = new Map<string, Pick<GitFacts, 'commits' | 'history'>>();

const GIT_OPTIONS = { encoding: 'utf8', timeout: 10000, maxBuffer: 64 * 1024 * 1024 } as const;
/**
 * Git reads the repository's own configuration (`.git/config` and what it includes), which comes
 * with the repository and can make even read-only commands run programs. These overrides, given
 * on the command line (which wins over every configuration file), turn those paths off for the
 * commands this rule runs: the file-system monitor hook (`git status`), hooks, pagers, signature
 * checks (`git log`), external diff and textconv drivers, and submodules (whose own configuration
 * would apply). Filter drivers are turned off by name (see filterOverrides); no transport runs.
 */
export const GIT_SAFETY_ARGS: readonly string[] = [
  '--no-pager',
  '-c',
  'core.fsmonitor=false',
  '-c',
  'core.hooksPath=/dev/null',
  '-c',
  'core.pager=cat',
  '-c',
  'log.showSignature=false',
  '-c',
  'diff.external=',
  '-c',
  'status.submoduleSummary=false',
  '-c',
  'submodule.recurse=false',
  '-c',
  'protocol.allow=never',
];
/** The environment of every git this rule starts: no optional locks (so no index writes), no prompts, no pager, an external diff from the environment dropped. */
const gitEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GIT_OPTIONAL_LOCKS: '0',
    LC_ALL: 'C',
    GIT_TERMINAL_PROMPT: '0',
    GIT_PAGER: 'cat',
    PAGER: 'cat',
  };
  delete env.GIT_EXTERNAL_DIFF;
  delete env.GIT_ASKPASS;
  delete env.SSH_ASKPASS;
  return env;
};
const CONFIG_FILTERS = ['config', '--null', '--name-only', '--get-regexp', '^filter\\.'];
/**
 * `-c filter.<driver>.clean= -c filter.<driver>.process=` for every filter driver the
 * configuration names: `git status` runs a file's clean filter (chosen by .gitattributes, which
 * the repository also brings) when it re-reads a file whose timestamps changed; an empty command
 * is no filter. Undefined when a driver's name cannot be written as a `-c` option: then status is
 * not asked.
 */
export function filterOverrides(configNames: string): string[] | undefined {
  const drivers = new Set<string>();
  for (const name of configNames.split(/\0|\n/)) {
    const m = /^filter\.(.+)\.[^.]+$/s.exec(name.trim());
    if (m) drivers.add(m[1]);
  }
  const args: string[] = [];
  for (const driver of drivers) {
    if (/[=\n\0]/.test(driver)) return undefined;
    args.push('-c', `filter.${driver}.clean=`, '-c', `filter.${driver}.process=`);
  }
  return args;
}
const REV_PARSE = ['rev-parse', '--show-toplevel', 'HEAD'];
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

/** Answers of git commands started early by prefetchGit(), by folder and arguments; each is used once. */
const prefetched = new Map<string, string>();
const commandKey = (cwd: string, args: string[]): string => `${cwd}\0${args.join('\0')}`;

function git(cwd: string, args: string[]): string {
  const key = commandKey(cwd, args);
  const early = prefetched.get(key);
  if (early !== undefined) {
    prefetched.delete(key);
    return early;
  }
  try {
    return execFileSync('git', [...GIT_SAFETY_ARGS, ...args], {
      ...GIT_OPTIONS,
      cwd,
      stdio: ['ignore', 'pipe', 'ignore'],
      env: gitEnv(),
    });
  } catch (err) {
    // `git config --get-regexp` exits with 1 when nothing matches: no filter drivers.
    if (args[0] === 'config' && (err as { status?: number }).status === 1) return '';
    throw err;
  }
}

/** `git status` over the revision folders, with every configured filter driver turned off; undefined when that cannot be done. */
function statusCommand(pathspecs: string[], configNames: string): string[] | undefined {
  const filters = filterOverrides(configNames);
  return filters ? [...filters, ...statusArgs(pathspecs)] : undefined;
}

/**
 * Starts the git questions for these revision folders now, in other processes, so that they
 * run while the CLI parses (git costs 50–300 ms of wall time, mostly process start-up). The rule
 * uses an answer only when it asks exactly the same question; otherwise it asks git itself.
 */
export function prefetchGit(revisionDirs: readonly string[]): Promise<void> {
  const dirs = [...new Set(revisionDirs)].filter((d) => fs.existsSync(d)).sort();
  const gitDir = dirs.length ? gitDirOf(dirs[0]) : undefined;
  if (!gitDir || !fs.statSync(gitDir).isDirectory()) return Promise.resolve(); // worktrees, submodules: asked later
  let root: string;
  try {
    root = fs.realpathSync(path.dirname(gitDir));
  } catch {
    return Promise.resolve();
  }
  const pathspecs = dirs.map((d) => revisionPath(root, d) || '.');
  const ask = (cwd: string, args: string[]): Promise<string | undefined> =>
    new Promise((resolve) => {
      execFile('git', [...GIT_SAFETY_ARGS, ...args], { ...GIT_OPTIONS, cwd, env: gitEnv() }, (err, stdout) => {
        const answer = !err ? stdout : args[0] === 'config' && err.code === 1 ? '' : undefined;
        if (answer !== undefined) prefetched.set(commandKey(cwd, args), answer);
        resolve(answer);
      });
    });
  const status = ask(root, CONFIG_FILTERS).then((names) => {
    const args = names === undefined ? undefined : statusCommand(pathspecs, names);
    return args ? ask(root, args) : undefined;
  });
  return Promise.all([ask(dirs[0], REV_PARSE), ask(root, logArgs(pathspecs)), status]).then(() => undefined);
}

/** Drops unused early answers (e.g. the rule did not run), so that a later run asks git afresh. */
export function forgetPrefetchedGit(): void {
  prefetched.clear();
}

/** A file's path relative to the repository root, with forward slashes, as git prints it. */
function revisionPath(root: string, file: string): string {
  let real: string;
  try {
    real = fs.realpathSync(file);
  } catch {
    real = path.resolve(file);
  }
  return path.relative(root, real).split(path.sep).join('/');
}

/** What git says about the project's revision files, once per ProjectModel; null without git or a repository. */
function gitFacts(project: ProjectModel): GitFacts | null {
  if (perProject.has(project)) return perProject.get(project) ?? null;
  // Outside a repository there is nothing to ask, and no reason to stat every revision file.
  const firstDir = [...new Set(project.revisions.map((m) => path.dirname(m.path)))]
    .filter((d) => fs.existsSync(d))
    .sort()[0];
  if (firstDir === undefined || !insideRepository(firstDir)) {
    perProject.set(project, null);
    return null;
  }
  const key = [...new Set(project.revisions.map((m) => path.dirname(m.path)))].sort().join('\0');
  const fingerprint = fingerprintOf(project);
  const last = recent.get(key);
  let facts: GitFacts | null = null;
  if (last && last.fingerprint === fingerprint) {
    facts = last.facts;
  } else {
    try {
      facts = readGit(project);
    } catch {
      facts = null; // no git, not a repository, no commits yet
    }
    recent.set(key, { fingerprint, facts });
  }
  perProject.set(project, facts);
  return facts;
}

function readGit(project: ProjectModel): GitFacts | null {
  const dirs = [...new Set(project.revisions.map((m) => path.dirname(m.path)))].filter((d) => fs.existsSync(d)).sort();
  // Spawning git costs tens of milliseconds: look for a repository first.
  if (dirs.length === 0 || !insideRepository(dirs[0])) return null;
  const [top, head] = git(dirs[0], REV_PARSE).trim().split('\n');
  if (!top || !head) return null;
  const root = fs.realpathSync(top);
  const relative = (file: string): string => revisionPath(root, file);
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
  return { ...log, changed, relative };
}

function insideRepository(dir: string): boolean {
  return gitDirOf(dir) !== undefined;
}

function gitDirOf(dir: string): string | undefined {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, '.git'))) return path.join(d, '.git');
    if (path.dirname(d) === d) return undefined;
  }
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
  return [...gitFiles, ...project.revisions.map((m) => `${m.path}=${stamp(m.path)}`)].join('|');
}

function parseLog(text: string): Pick<GitFacts, 'commits' | 'history'> {
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

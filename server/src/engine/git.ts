// Running git safely on a repository that came with the project: SW108's history facts
// (gitHistory.ts), `lint --changed` (changedFiles.ts) and `schema-warden baseline` ask git
// read-only questions through here, never any other way.
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const GIT_OPTIONS = { encoding: 'utf8', timeout: 10000, maxBuffer: 64 * 1024 * 1024 } as const;

/**
 * Git reads the repository's own configuration (`.git/config` and what it includes), which comes
 * with the repository and can make even read-only commands run programs. These overrides, given
 * on the command line (which wins over every configuration file), turn those paths off for the
 * commands Schema Warden runs: the file-system monitor hook (`git status`), hooks, pagers, signature
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

/** The environment of every git started: no optional locks (so no index writes), no prompts, no pager, an external diff from the environment dropped. */
export function gitEnv(): NodeJS.ProcessEnv {
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
}

/** The names of the configured filter drivers (for filterOverrides). */
export const CONFIG_FILTERS = ['config', '--null', '--name-only', '--get-regexp', '^filter\\.'];

/**
 * `-c filter.<driver>.clean= -c filter.<driver>.process=` for every filter driver the
 * configuration names: `git status` and `git diff` run a file's clean filter (chosen by
 * .gitattributes, which the repository also brings) when they re-read a file whose timestamps
 * changed; an empty command is no filter. Undefined when a driver's name cannot be written as a
 * `-c` option: then such commands are not run.
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

/** Runs a read-only git command; throws when git fails. `git config` that matches nothing answers ''. */
export function runGit(cwd: string, args: readonly string[]): string {
  try {
    return execFileSync('git', [...GIT_SAFETY_ARGS, ...args], {
      ...GIT_OPTIONS,
      cwd,
      stdio: ['ignore', 'pipe', 'ignore'],
      env: gitEnv(),
    });
  } catch (err) {
    // `git config --get…` exits with 1 when nothing matches.
    if (args[0] === 'config' && (err as { status?: number }).status === 1) return '';
    throw err;
  }
}

/** The same, in another process; undefined when git fails. */
export function runGitAsync(cwd: string, args: readonly string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('git', [...GIT_SAFETY_ARGS, ...args], { ...GIT_OPTIONS, cwd, env: gitEnv() }, (err, stdout) => {
      resolve(!err ? stdout : args[0] === 'config' && err.code === 1 ? '' : undefined);
    });
  });
}

/** The `.git` of the repository holding `dir` (a folder, or a file in worktrees and submodules). */
export function gitDirOf(dir: string): string | undefined {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, '.git'))) return path.join(d, '.git');
    if (path.dirname(d) === d) return undefined;
  }
}

export function insideRepository(dir: string): boolean {
  return gitDirOf(dir) !== undefined;
}

/** A file's path relative to the repository root, with forward slashes, as git prints it. */
export function repoRelative(root: string, file: string): string {
  let real: string;
  try {
    real = fs.realpathSync(file);
  } catch {
    real = path.resolve(file);
  }
  return path.relative(root, real).split(path.sep).join('/');
}

/** The repository's top folder (symlinks resolved), asked of git. */
export function repositoryRoot(dir: string): string {
  return fs.realpathSync(runGit(dir, ['rev-parse', '--show-toplevel']).trim());
}

/** The contents of a file at a commit (`<commit>:<path>`, read as a blob: no filter or textconv runs); undefined when absent. */
export function fileAtCommit(root: string, commit: string, relativePath: string): string | undefined {
  try {
    return runGit(root, ['cat-file', 'blob', `${commit}:${relativePath}`]);
  } catch {
    return undefined;
  }
}

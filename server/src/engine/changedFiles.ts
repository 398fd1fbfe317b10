// `lint --changed [REF]`: the files added or modified relative to a git ref, uncommitted and
// untracked files included. Asked through engine/git.ts (the same safety as SW108's questions).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONFIG_FILTERS, filterOverrides, insideRepository, repositoryRoot, runGit } from './git';

export class ChangedFilesError extends Error {}

export interface ChangedFiles {
  /** What the files were compared with, as the user should read it (`origin/main (merge-base 1a2b3c4d)`, `HEAD`). */
  base: string;
  /** True when there was no REF and no upstream to compare with: only uncommitted changes count. */
  comparedWithHead: boolean;
  /** Absolute, symlink-resolved paths of the added, modified and untracked files. */
  files: ReadonlySet<string>;
  has(file: string): boolean;
}

/**
 * The files changed relative to `ref`; without one, relative to the merge-base with the current
 * branch's upstream, else `HEAD`. Throws ChangedFilesError, saying why, outside a repository or
 * for a ref git does not know.
 */
export function changedFiles(cwd: string, ref?: string): ChangedFiles {
  if (!insideRepository(cwd))
    throw new ChangedFilesError(
      `--changed compares with git, and ${cwd} is not inside a git repository. Run it in a clone of the repository, or leave --changed out to lint everything.`,
    );
  let root: string;
  try {
    root = repositoryRoot(cwd);
  } catch (err) {
    throw new ChangedFilesError(
      `--changed compares with git, and git could not be asked about ${cwd} (${firstLine(err)}). Is git installed?`,
    );
  }
  const { base, label } = resolveBase(root, ref);
  const overrides = filterOverrides(runGit(root, CONFIG_FILTERS));
  if (!overrides)
    throw new ChangedFilesError(
      'a filter driver in the git configuration has a name that cannot be turned off safely; leave --changed out.',
    );
  const names: string[] = [];
  if (base) {
    const diff = runGit(root, [
      ...overrides,
      'diff',
      '--name-only',
      '-z',
      '--no-renames',
      '--no-ext-diff',
      '--no-textconv',
      '--diff-filter=d',
      base,
      '--',
    ]);
    names.push(...diff.split('\0'));
  } else {
    // No commit yet: every tracked file is new.
    names.push(...runGit(root, ['ls-files', '-z', '--cached']).split('\0'));
  }
  names.push(...runGit(root, ['ls-files', '-z', '--others', '--exclude-standard']).split('\0'));
  const files = new Set(names.filter(Boolean).map((name) => path.join(root, ...name.split('/'))));
  return {
    base: label,
    comparedWithHead: ref === undefined && label === 'HEAD',
    files,
    has: (file) => files.has(realpath(file)),
  };
}

function resolveBase(root: string, ref: string | undefined): { base: string | undefined; label: string } {
  const commit = (name: string): string | undefined => {
    try {
      return (
        runGit(root, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${name}^{commit}`]).trim() || undefined
      );
    } catch {
      return undefined;
    }
  };
  if (ref !== undefined) {
    const resolved = commit(ref);
    if (!resolved)
      throw new ChangedFilesError(`--changed ${ref}: git knows no commit by that name (a branch, tag or commit id).`);
    return { base: resolved, label: ref };
  }
  const head = commit('HEAD');
  if (!head) return { base: undefined, label: 'an empty repository (no commit yet)' };
  let upstream: string | undefined;
  try {
    upstream = runGit(root, ['rev-parse', '--abbrev-ref', '--symbolic-full-name', '@{upstream}']).trim() || undefined;
  } catch {
    upstream = undefined;
  }
  if (upstream) {
    try {
      const mergeBase = runGit(root, ['merge-base', 'HEAD', '@{upstream}']).trim();
      if (mergeBase) return { base: mergeBase, label: `${upstream} (merge-base ${mergeBase.slice(0, 8)})` };
    } catch {
      // no common history with the upstream: compare with HEAD
    }
  }
  return { base: head, label: 'HEAD' };
}

/** Whether `name` is a commit git knows in the repository around `cwd` (to tell `--changed REF` from a PATH). */
export function isGitCommit(cwd: string, name: string): boolean {
  if (name.startsWith('-') || !insideRepository(cwd)) return false;
  try {
    return runGit(cwd, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${name}^{commit}`]).trim() !== '';
  } catch {
    return false;
  }
}

function realpath(file: string): string {
  try {
    return fs.realpathSync(file);
  } catch {
    return path.resolve(file);
  }
}

function firstLine(err: unknown): string {
  return ((err as Error)?.message ?? String(err)).split('\n')[0];
}

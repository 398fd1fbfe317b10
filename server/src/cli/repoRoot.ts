import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The root of the repository a file is in: the nearest folder up from it holding `.git` (a folder,
 * or a file in a worktree or submodule). CI reports name files relative to it, whatever folder the
 * CLI was started in, because that is how GitHub and GitLab match annotations to a pull request's
 * files. Outside a repository, `fallback` (the working folder).
 */
export function repoRootOf(file: string, fallback: string, cache = new Map<string, string>()): string {
  const start = path.dirname(path.resolve(file));
  const visited: string[] = [];
  let dir = start;
  let found = fallback;
  for (;;) {
    const known = cache.get(dir);
    if (known !== undefined) {
      found = known;
      break;
    }
    visited.push(dir);
    if (fs.existsSync(path.join(dir, '.git'))) {
      found = dir;
      break;
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  for (const d of visited) cache.set(d, found);
  return found;
}

/** A file's path relative to its repository root, with forward slashes (what CI systems expect). */
export function repoRelativePath(file: string, fallback: string, cache?: Map<string, string>): string {
  const root = repoRootOf(file, fallback, cache);
  const relative = path.relative(root, path.resolve(file));
  return (relative || path.basename(file)).split(path.sep).join('/');
}

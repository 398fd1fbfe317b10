import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** `file:` URIs ↔ absolute paths. Other schemes (untitled:, git:) have no path and are not analysed. */
export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return path.normalize(fileURLToPath(uri));
  } catch {
    return undefined;
  }
}

export function pathToUri(file: string): string {
  return pathToFileURL(file).toString();
}

/** True when `file` is `dir` itself or lies somewhere below it. */
export function isInside(file: string, dir: string): boolean {
  const rel = path.relative(dir, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

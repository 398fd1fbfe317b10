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
  // Asked for every diagnostic's related places on every keystroke; pathToFileURL is not cheap.
  // Relative paths resolve against the working directory, which may change: not kept.
  let uri = uris.get(file);
  if (uri === undefined) {
    uri = pathToFileURL(file).toString();
    if (path.isAbsolute(file)) {
      if (uris.size >= MAX_KEPT_URIS) uris.clear();
      uris.set(file, uri);
    }
  }
  return uri;
}

const uris = new Map<string, string>();
/** Bounds the memo: more revision files than this in one workspace start it afresh. */
const MAX_KEPT_URIS = 20_000;

/**
 * One spelling per file: clients percent-encode `file:` URIs differently (VS Code encodes
 * `( ) @ + = [ ] ! $ & ' * , ; :`, Node's pathToFileURL does not), and the server looks open
 * documents and published diagnostics up by the URIs it makes itself from paths. Other schemes
 * are kept as they come.
 */
export function canonicalUri(uri: string): string {
  const file = uriToPath(uri);
  return file === undefined ? uri : pathToUri(file);
}

/** True when `file` is `dir` itself or lies somewhere below it. */
export function isInside(file: string, dir: string): boolean {
  const rel = path.relative(dir, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

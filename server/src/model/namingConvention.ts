import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The `naming_convention` a project declares on its models' MetaData, read statically: the first
 * Python file under the project root that mentions `naming_convention` and holds entries such as
 * `"ck": "ck_%(table_name)s_%(constraint_name)s"` (in the MetaData call or in a dict it is given).
 * Nothing is imported or run. Virtual environments, caches and the revision folders are skipped,
 * and the walk is bounded, so a large repository costs a few milliseconds.
 */
export type DeclaredConvention = Readonly<Partial<Record<'ix' | 'uq' | 'ck' | 'fk' | 'pk', string>>>;

const SKIPPED = new Set([
  '.git',
  'node_modules',
  '.venv',
  'venv',
  'env',
  '__pycache__',
  'site-packages',
  'dist',
  'build',
  '.tox',
  '.mypy_cache',
  'versions',
]);
const MAX_FILES = 3000;
const MAX_DEPTH = 6;
const MAX_BYTES = 1_000_000;
/** The language server asks on every keystroke: a found convention is kept this long. */
const CACHE_MS = 30_000;
const ENTRY = /["'](ix|uq|ck|fk|pk)["']\s*:\s*["']([^"'\n]+)["']/g;

const cache = new Map<string, { at: number; convention: DeclaredConvention | undefined }>();

export function declaredNamingConvention(root: string): DeclaredConvention | undefined {
  const cached = cache.get(root);
  if (cached && Date.now() - cached.at < CACHE_MS) return cached.convention;
  const convention = find(root);
  cache.set(root, { at: Date.now(), convention });
  return convention;
}

function find(root: string): DeclaredConvention | undefined {
  let files = 0;
  const stack: Array<{ dir: string; depth: number }> = [{ dir: root, depth: 0 }];
  while (stack.length > 0) {
    const { dir, depth } = stack.pop() as { dir: string; depth: number };
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries.sort((a, b) => (a.name < b.name ? 1 : -1))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (depth < MAX_DEPTH && !SKIPPED.has(entry.name) && !entry.name.startsWith('.'))
          stack.push({ dir: full, depth: depth + 1 });
        continue;
      }
      if (!entry.isFile() || !entry.name.endsWith('.py')) continue;
      if (++files > MAX_FILES) return undefined;
      const found = conventionIn(full);
      if (found) return found;
    }
  }
  return undefined;
}

function conventionIn(file: string): DeclaredConvention | undefined {
  let text: string;
  try {
    if (fs.statSync(file).size > MAX_BYTES) return undefined;
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  return conventionInText(text);
}

/** The ix/uq/ck/fk/pk templates of a text that mentions `naming_convention` (a models file, or a revision that hands one to `batch_alter_table`). */
export function conventionInText(text: string): DeclaredConvention | undefined {
  if (!text.includes('naming_convention')) return undefined;
  const convention: Partial<Record<'ix' | 'uq' | 'ck' | 'fk' | 'pk', string>> = {};
  for (const match of text.matchAll(ENTRY)) {
    const key = match[1] as 'ix' | 'uq' | 'ck' | 'fk' | 'pk';
    if (match[2].includes('%(')) convention[key] ??= match[2];
  }
  return Object.keys(convention).length ? convention : undefined;
}

import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The `naming_convention` a project declares on its models' MetaData, read statically from the
 * project root (not the Alembic folder: the convention lives with the application's models), as
 * `MetaData(naming_convention={…})`, `db.Model.metadata.naming_convention = convention` or a dict
 * it is given: entries such as `"ck": "ck_%(table_name)s_%(constraint_name)s"` (or keyed by class,
 * `UniqueConstraint: "…"`, or `dict(ix="…")`). Nothing is imported or run. The walk goes level by
 * level (the application's own modules before deep ones), skips virtual environments, caches,
 * tests and revision folders, and is bounded; its result is kept per project root for the life of
 * the process (the editor forgets it when it re-reads its projects, as it does env.py), and the
 * file it came from is checked for changes on each call (one `stat`).
 */
export type DeclaredConvention = Readonly<Partial<Record<ConventionKey, string>>>;
type ConventionKey = 'ix' | 'uq' | 'ck' | 'fk' | 'pk';

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
  'tests',
  'test',
]);
const MAX_FILES = 3000;
const MAX_DEPTH = 6;
const MAX_BYTES = 1_000_000;
/** `"ix": "…"`, `'uq': '…'`, `sa.UniqueConstraint: "…"`, `ix="…"` (in `dict(…)`). */
const ENTRY =
  /(?:["'](ix|uq|ck|fk|pk)["']\s*:|\b(?:[A-Za-z_]\w*\.)?(Index|UniqueConstraint|CheckConstraint|ForeignKeyConstraint|PrimaryKeyConstraint)\s*:|\b(ix|uq|ck|fk|pk)\s*=)\s*[rRuU]?["']([^"'\n]+)["']/g;
const CLASS_KEY: Record<string, ConventionKey> = {
  Index: 'ix',
  UniqueConstraint: 'uq',
  CheckConstraint: 'ck',
  ForeignKeyConstraint: 'fk',
  PrimaryKeyConstraint: 'pk',
};
const MENTION = /naming_convention/i;

interface Found {
  convention: DeclaredConvention | undefined;
  file?: string;
  mtimeMs?: number;
}

const cache = new Map<string, Found>();

export function declaredNamingConvention(root: string): DeclaredConvention | undefined {
  const cached = cache.get(root);
  if (cached && (cached.file === undefined || mtimeOf(cached.file) === cached.mtimeMs)) return cached.convention;
  const found = find(root);
  cache.set(root, found);
  return found.convention;
}

/** Forget what was found, so that the next call reads the project again (the editor re-reading its projects). */
export function forgetDeclaredNamingConventions(): void {
  cache.clear();
}

function find(root: string): Found {
  let files = 0;
  // A dict of templates in a module that does not say naming_convention (constants imported by the models).
  let templatesOnly: Found | undefined;
  let mentioned = false;
  let level = [root];
  for (let depth = 0; depth <= MAX_DEPTH && level.length > 0; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(dir, { withFileTypes: true });
      } catch {
        continue;
      }
      for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) {
          if (!SKIPPED.has(entry.name) && !entry.name.startsWith('.')) next.push(full);
          continue;
        }
        if (!entry.isFile() || !entry.name.endsWith('.py')) continue;
        if (++files > MAX_FILES) return mentioned && templatesOnly ? templatesOnly : { convention: undefined };
        const text = readSmall(full);
        if (text === undefined) continue;
        const convention = templatesIn(text);
        const mentions = MENTION.test(text);
        mentioned ||= mentions;
        if (convention && mentions) return { convention, file: full, mtimeMs: mtimeOf(full) };
        if (convention) templatesOnly ??= { convention, file: full, mtimeMs: mtimeOf(full) };
      }
    }
    level = next;
  }
  return mentioned && templatesOnly ? templatesOnly : { convention: undefined };
}

function readSmall(file: string): string | undefined {
  try {
    if (fs.statSync(file).size > MAX_BYTES) return undefined;
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function mtimeOf(file: string): number | undefined {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

/** The ix/uq/ck/fk/pk templates of a text that mentions `naming_convention` (a models file, or a revision that hands one to `batch_alter_table`). */
export function conventionInText(text: string): DeclaredConvention | undefined {
  return MENTION.test(text) ? templatesIn(text) : undefined;
}

/** The templates (values holding a `%(token)s`) of a text, by convention key; the first of each key wins. */
function templatesIn(text: string): DeclaredConvention | undefined {
  if (!text.includes('%(')) return undefined;
  const convention: Partial<Record<ConventionKey, string>> = {};
  for (const match of text.matchAll(ENTRY)) {
    const key = (match[1] ?? CLASS_KEY[match[2]] ?? match[3]) as ConventionKey;
    if (match[4].includes('%(')) convention[key] ??= match[4];
  }
  return Object.keys(convention).length ? convention : undefined;
}

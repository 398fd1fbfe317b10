import * as fs from 'node:fs';
import * as path from 'node:path';
import { parsePython } from '../parse/python';
import { ParserNotReadyError } from '../parse/parserReady';
import { copyTree, type PyNode as SyntaxNode } from '../parse/pyTree';
import type { GuardModule } from './dialectGuards';
import type { ImportInfo } from './migration';

/**
 * Helpers and flags a revision imports from the application (`from app.db import is_postgres`),
 * for the dialect guards: the module is looked for beside the revision and in the folders above
 * it, as Python would find it from the project's root, read and parsed (never run). A module
 * that cannot be found or read leaves the helper unknown. Parsed modules are kept by path and
 * modification time: many revisions import the same helper.
 */

const MAX_LEVELS = 8;
const MAX_BYTES = 500_000;
const modules = new Map<string, { mtimeMs: number; module: GuardModule | undefined }>();

export function importedGuardResolver(
  revisionPath: string,
  imports: readonly ImportInfo[],
): (name: string) => { module: GuardModule; name: string } | undefined {
  return (name) => {
    const imported = imports.find((i) => i.alias === name && i.name !== undefined && !i.module.startsWith('.'));
    if (!imported?.name) return undefined;
    const file = findModule(path.dirname(revisionPath), imported.module);
    noteLookup(revisionPath, imported.module, file);
    const module = file ? loadModule(file) : undefined;
    return module ? { module, name: imported.name } : undefined;
  };
}

/**
 * The application modules a revision's model was built from, by revision path: what the analysis
 * cache (engine/cache/) checks before it trusts a stored model, since editing such a module (or
 * creating one that was not found) changes the model although the revision's text did not change.
 */
export interface GuardModuleLookup {
  module: string;
  /** The file found, or undefined when none was. */
  file?: string;
}
const lookups = new Map<string, GuardModuleLookup[]>();

function noteLookup(revisionPath: string, module: string, file: string | undefined): void {
  const list = lookups.get(revisionPath) ?? [];
  if (!list.some((l) => l.module === module && l.file === file)) list.push({ module, file });
  lookups.set(revisionPath, list);
}

/** The application modules looked for while building `revisionPath`'s model since the last call; forgets them. */
export function takeGuardModuleLookups(revisionPath: string): GuardModuleLookup[] {
  const list = lookups.get(revisionPath) ?? [];
  lookups.delete(revisionPath);
  return list;
}

/** Where `module` is found from a revision now, as `importedGuardResolver` finds it. */
export function findGuardModule(revisionPath: string, module: string): string | undefined {
  return findModule(path.dirname(revisionPath), module);
}

function findModule(start: string, dotted: string): string | undefined {
  const relative = dotted.split('.').join(path.sep);
  let dir = start;
  for (let level = 0; level < MAX_LEVELS; level++) {
    for (const candidate of [`${relative}.py`, path.join(relative, '__init__.py')]) {
      const file = path.join(dir, candidate);
      try {
        if (fs.statSync(file).isFile()) return file;
      } catch {
        // not here: look further up
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}

function loadModule(file: string): GuardModule | undefined {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return undefined;
  }
  const cached = modules.get(file);
  if (cached && cached.mtimeMs === stat.mtimeMs) return cached.module;
  let module: GuardModule | undefined;
  try {
    if (stat.size <= MAX_BYTES) {
      const source = fs.readFileSync(file, 'utf8');
      const tree = parsePython(source);
      let root: SyntaxNode;
      try {
        root = copyTree(tree, source);
      } finally {
        tree.delete();
      }
      module = moduleOf(root, source);
    }
  } catch (err) {
    // Not remembered as unreadable: the CLI loads the parser and asks again (parse/parserReady.ts).
    if (err instanceof ParserNotReadyError) throw err;
    module = undefined;
  }
  modules.set(file, { mtimeMs: stat.mtimeMs, module });
  return module;
}

function moduleOf(root: SyntaxNode, source: string): GuardModule {
  const functions = new Map<string, SyntaxNode>();
  const assignments = new Map<string, SyntaxNode>();
  for (const statement of root.namedChildren) {
    const fn =
      statement.type === 'function_definition'
        ? statement
        : statement.type === 'decorated_definition'
          ? statement.childForFieldName('definition')
          : null;
    const name = fn?.type === 'function_definition' ? fn.childForFieldName('name')?.text : undefined;
    if (fn && name) functions.set(name, fn);
    const assignment = statement.type === 'expression_statement' ? statement.namedChild(0) : null;
    const left = assignment?.type === 'assignment' ? assignment.childForFieldName('left') : null;
    const right = assignment?.childForFieldName('right');
    if (left?.type === 'identifier' && right) assignments.set(left.text, right);
  }
  return { functions, assignments, source };
}

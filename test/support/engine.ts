import { analyzeOnce, initEngine } from '../../server/src/engine/analyze';
import { defaultConfig, type ResolvedConfig } from '../../server/src/config/config';
import type { MigrationModel } from '../../server/src/model/migration';
import { createProjectModel, type ProjectModel } from '../../server/src/model/project';

/** Loads the WASM parsers once for the whole mocha run. */
export const engineReady: Promise<void> = initEngine();

/** Strips the common indentation of a template literal, so tests can indent their Python. */
export function dedent(text: string): string {
  const lines = text
    .replace(/^\n/, '')
    .replace(/\n[ \t]*$/, '\n')
    .split('\n');
  const indents = lines.filter((l) => l.trim() !== '').map((l) => /^[ \t]*/.exec(l)?.[0].length ?? 0);
  const common = indents.length ? Math.min(...indents) : 0;
  return lines.map((l) => l.slice(common)).join('\n');
}

export function model(source: string, path = '/project/alembic/versions/rev.py'): MigrationModel {
  return analyzeOnce(path, source);
}

/** A project made of in-memory revision files: `{ path: source }`. */
export function project(files: Record<string, string>, config: Partial<ResolvedConfig> = {}): ProjectModel {
  const root = '/project';
  const models = Object.entries(files).map(([path, source]) =>
    analyzeOnce(path.startsWith('/') ? path : `${root}/alembic/versions/${path}`, source),
  );
  return createProjectModel(root, { ...defaultConfig(root), ...config }, models);
}

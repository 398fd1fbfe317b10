// Bundles one file per entry (client, server, CLI) with esbuild, and copies the WASM parsers
// beside the bundles: web-tree-sitter and libpg-query load them from their own directory.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const production = process.argv.includes('--production');
const outdir = 'dist';
mkdirSync(outdir, { recursive: true });

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  external: ['vscode'],
};

// parseWorker: the worker threads that parse revision files in parallel (engine/parallelAnalyze.ts).
const entries = { client: 'client/src/extension.ts', server: 'server/src/lsp/main.ts', cli: 'server/src/cli/main.ts', parseWorker: 'server/src/engine/parseWorker.ts' };
await Promise.all(Object.entries(entries).map(([name, file]) => build({ ...common, entryPoints: { [name]: file }, outdir })));

const wasm = [
  require.resolve('web-tree-sitter/tree-sitter.wasm'),
  require.resolve('tree-sitter-python/tree-sitter-python.wasm'),
  join(dirname(require.resolve('libpg-query')), 'libpg-query.wasm'),
];
for (const file of wasm) copyFileSync(file, join(outdir, file.split('/').pop()));
// The Python helper that drives Alembic ships beside the bundles.
try {
  for (const f of readdirSync('server/src/runner/python')) {
    if (statSync(join('server/src/runner/python', f)).isFile() && f.endsWith('.py')) copyFileSync(join('server/src/runner/python', f), join(outdir, f));
  }
} catch { /* the runner's helper is optional until it exists */ }

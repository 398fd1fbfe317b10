// Bundles one file per entry (client, server, CLI) with esbuild, and copies the WASM parsers
// beside the bundles: web-tree-sitter and libpg-query load them from their own directory.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';

const require = createRequire(import.meta.url);
const production = process.argv.includes('--production');
const outdir = 'dist';
mkdirSync(outdir, { recursive: true });

// The build's identity, the same in every bundle: the analysis cache (server/src/engine/cache/)
// shared by the CLI and the language server never uses entries another build wrote.
const buildHash = createHash('sha256');
const hashTree = (dir) => {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const file = join(dir, entry.name);
    if (entry.isDirectory()) hashTree(file);
    else if (entry.name.endsWith('.ts')) buildHash.update(file).update(readFileSync(file));
  }
};
hashTree('server/src');
const buildId = buildHash.digest('hex').slice(0, 16);

const common = {
  bundle: true,
  define: { SCHEMA_WARDEN_BUILD: JSON.stringify(buildId) },
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  external: ['vscode'],
};

// client.js is what activation loads (the language client); runner.js, the migration runner's
// service, views and commands, is required by client.js on first use (client/src/lazyRunner.ts).
// parseWorker: the worker threads that parse revision files in parallel (engine/parallelAnalyze.ts).
const entries = {
  client: 'client/src/extension.ts',
  runner: 'client/src/runnerBundle.ts',
  server: 'server/src/lsp/main.ts',
  cli: 'server/src/cli/main.ts',
  cliCommands: 'server/src/cli/rareCommands.ts',
  parseWorker: 'server/src/engine/parseWorker.ts',
  // bin/schema-warden loads cli.js through it: V8's code cache kept between runs (cli/codeCache.ts).
  codeCache: 'server/src/cli/codeCache.ts',
  // What editors start: dist/server.js loaded with V8's code cache (lsp/launch.ts).
  serverLauncher: 'server/src/lsp/launch.ts',
};
// The client's bundles are loaded at activation: less text to read and parse even in development
// builds (names are kept, so stack traces and the bench's vscode stub still read them).
const lean = { minifyWhitespace: true, minifySyntax: true };
// cli.js leaves its rarely-run sub-commands (server, verify, db, baseline, decision) to
// cliCommands.js beside it, required on first use (cli/main.ts): a one-file lint does not compile them.
const rareCommandsApart = {
  name: 'rare-commands-apart',
  setup(b) {
    b.onResolve({ filter: /^\.\/rareCommands$/ }, () => ({ path: './cliCommands.js', external: true }));
  },
};
const options = (name) => {
  const base = (name === 'client' || name === 'runner') && !production ? { ...common, ...lean } : common;
  // cli.js runs as a vm.Script with V8's code cache (cli/codeCache.ts), where import() has no
  // loader: esbuild writes its import() calls (web-tree-sitter's of fs/promises) as require().
  // So does server.js, which lsp/launch.ts loads the same way.
  if (name === 'cli') return { ...base, plugins: [rareCommandsApart], supported: { 'dynamic-import': false } };
  return name === 'server' ? { ...base, supported: { 'dynamic-import': false } } : base;
};
const results = await Promise.all(
  Object.entries(entries).map(([name, file]) =>
    build({ ...options(name), entryPoints: { [name]: file }, outdir, metafile: true }),
  ),
);

const wasm = [
  require.resolve('web-tree-sitter/tree-sitter.wasm'),
  require.resolve('tree-sitter-python/tree-sitter-python.wasm'),
  join(dirname(require.resolve('libpg-query')), 'libpg-query.wasm'),
];
for (const file of wasm) copyFileSync(file, join(outdir, file.split('/').pop()));

// The npm packages whose code is in the bundles (or whose WASM ships beside them): what the .vsix
// and the npm package ship, so what scripts/licenses.ts lists. The packages are bundled, which is
// why the npm package has no run-time `dependencies` to install.
const packageDir = (file) => {
  const parts = relative(process.cwd(), file).split(sep);
  const at = parts.lastIndexOf('node_modules');
  if (at < 0) return undefined;
  return parts.slice(0, at + (parts[at + 1].startsWith('@') ? 3 : 2)).join('/');
};
const shipped = new Set(wasm.map(packageDir));
for (const { metafile } of results)
  for (const [input, info] of Object.entries(metafile.inputs)) if (info.bytes > 0) shipped.add(packageDir(input));
shipped.delete(undefined);
writeFileSync(join(outdir, 'bundled-packages.json'), JSON.stringify([...shipped].sort(), null, 2) + '\n');
// The rule pages ship in the .vsix: the editor shows them in its Markdown preview, offline.
mkdirSync(join(outdir, 'rule-docs'), { recursive: true });
for (const f of readdirSync('docs/rules')) {
  if (f.endsWith('.md')) copyFileSync(join('docs/rules', f), join(outdir, 'rule-docs', f));
}
// The Python helper that drives Alembic ships beside the bundles.
try {
  for (const f of readdirSync('server/src/runner/python')) {
    if (statSync(join('server/src/runner/python', f)).isFile() && f.endsWith('.py'))
      copyFileSync(join('server/src/runner/python', f), join(outdir, f));
  }
} catch {
  /* the runner's helper is optional until it exists */
}

// The CLI as users get it (#15): `npm pack` of this repository, installed with
// `npm install -g` into an empty prefix. Packed once per mocha run; the folder goes at exit.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const REPO = path.resolve(__dirname, '..', '..', '..');

/** What the npm package must hold, and nothing else: the CLI and language server bundles, the parse
 * worker, the WASM parsers, the Python helper, licences, README and CHANGELOG, the bin script. */
export const PACKAGE_FILES = [
  'CHANGELOG.md',
  'LICENSE',
  'README.md',
  'bin/schema-warden',
  'dist/alembic_helper.py',
  'dist/cli.js',
  'dist/cliCommands.js',
  'dist/codeCache.js',
  'dist/libpg-query.wasm',
  'dist/parseWorker.js',
  'dist/server.js',
  'dist/tree-sitter-python.wasm',
  'dist/tree-sitter.wasm',
  'docs/licenses.md',
  'package.json',
];

/** npm with a private cache and no audit, fund or update chatter. */
export function npmEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    npm_config_progress: 'false',
    ...extra,
  };
}

export interface Packed {
  dir: string;
  tarball: string;
  files: string[];
}

let packed: Packed | undefined;

/** `npm pack` of the repository as it is built (`npm run build` first: the bundles must exist). */
export function packCli(): Packed {
  if (packed) return packed;
  if (!fs.existsSync(path.join(REPO, 'dist', 'cli.js')))
    throw new Error('dist/cli.js is missing: run npm run build before the packaging tests');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-npm-pack-'));
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', dir], {
    cwd: REPO,
    env: npmEnv(),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const [info] = JSON.parse(out) as Array<{ filename: string; files: Array<{ path: string }> }>;
  packed = { dir, tarball: path.join(dir, info.filename), files: info.files.map((f) => f.path).sort() };
  return packed;
}

/** Installs the tarball into a new empty prefix, without the registry; returns the prefix. */
export function installGlobally(tarball: string): string {
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-npm-prefix-'));
  process.once('exit', () => fs.rmSync(prefix, { recursive: true, force: true }));
  execFileSync('npm', ['install', '-g', '--offline', '--prefix', prefix, tarball], {
    cwd: prefix,
    env: npmEnv({ npm_config_cache: path.join(prefix, '.npm-cache') }),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return prefix;
}

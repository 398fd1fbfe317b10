import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { codes, LspSession } from '../lsp/lspSession';
import { installGlobally, npmEnv, PACKAGE_FILES, packCli, REPO } from './packedCli';

// `npm pack` gives the CLI and nothing else; `npm install -g` of the tarball into an empty prefix,
// with no registry (--offline, an empty cache), gives a `schema-warden` that lints the demo as the
// repository's own build does, and serves the language server.
describe('npm package: pack, install into an empty prefix, lint the demo', function () {
  this.timeout(180_000);
  let prefix: string;
  let bin: string;
  let demo: string;
  /** Only the prefix's bin and Node itself on the PATH: nothing of the repository is reachable. */
  let env: NodeJS.ProcessEnv;

  before(() => {
    const { tarball } = packCli();
    prefix = installGlobally(tarball);
    bin = path.join(prefix, 'bin', 'schema-warden');
    // The demo copied out of the repository, so nothing resolves through the repository's node_modules.
    demo = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-npm-demo-'));
    fs.cpSync(path.join(REPO, 'examples', 'demo'), demo, { recursive: true });
    env = {
      PATH: [path.join(prefix, 'bin'), path.dirname(process.execPath), '/usr/bin', '/bin'].join(path.delimiter),
      HOME: demo,
    };
  });
  after(() => fs.rmSync(demo, { recursive: true, force: true }));

  it('packs exactly the files the CLI and the language server need', () => {
    assert.deepEqual(packCli().files, PACKAGE_FILES);
    const manifest = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
      private?: boolean;
    };
    assert.equal(manifest.private, undefined, 'a private package cannot be published');
    assert.deepEqual(manifest.dependencies ?? {}, {}, 'the bundles carry their libraries: nothing to install');
  });

  it('installs a working `schema-warden` on the PATH', () => {
    assert.ok(fs.existsSync(bin), `${bin} was not linked`);
    const version = spawnSync('schema-warden', ['--version'], { env, encoding: 'utf8' });
    assert.equal(version.status, 0, version.stderr);
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string };
    assert.equal(version.stdout.trim(), pkg.version);
  });

  it('lints the demo: exit 1 with the same findings as the repository build', () => {
    const installed = spawnSync('schema-warden', ['lint', '--format', 'json', '.'], {
      cwd: demo,
      env,
      encoding: 'utf8',
    });
    assert.equal(installed.status, 1, installed.stderr);
    const fromRepo = spawnSync(process.execPath, [path.join(REPO, 'dist', 'cli.js'), 'lint', '--format', 'json', '.'], {
      cwd: demo,
      encoding: 'utf8',
    });
    assert.equal(installed.stdout, fromRepo.stdout);
    const report = JSON.parse(installed.stdout) as {
      files: Array<{ path: string; diagnostics: Array<{ rule: string }> }>;
      summary: { errors: number };
    };
    assert.ok(report.summary.errors > 0);
    const orders = report.files.find((f) => f.path.endsWith('0003_create_orders.py'));
    assert.ok(
      orders?.diagnostics.some((d) => d.rule === 'SW101'),
      'the demo misses a downgrade in 0003',
    );
    const text = spawnSync('schema-warden', ['lint'], { cwd: demo, env, encoding: 'utf8' });
    assert.equal(text.status, 1);
    assert.match(text.stdout, /0003_create_orders\.py:\d+:\d+: error SW101 \[require-downgrade\]/);
  });

  it('serves the language server (`schema-warden server --stdio`) from the installed package', async () => {
    const session = new LspSession(demo, [bin, 'server', '--stdio']);
    try {
      const result = await session.initialize();
      assert.equal(result.serverInfo?.name, 'schema-warden');
      const file = path.join(demo, 'alembic', 'versions', '0003_create_orders.py');
      await session.open(file);
      const { diagnostics } = await session.waitForDiagnostics(file, (d) => d.version === 1, 30_000);
      assert.ok(codes(diagnostics).includes('SW101'), session.stderr);
    } finally {
      await session.stop();
    }
  });

  it('npm pack needs no lifecycle script (pre-commit reads the tarball name from its output)', () => {
    const dry = spawnSync('npm', ['pack', '--dry-run'], { cwd: REPO, env: npmEnv(), encoding: 'utf8' });
    assert.equal(dry.status, 0, dry.stderr);
    assert.equal(dry.stdout.trim(), path.basename(packCli().tarball));
  });
});

// Installs the packaged .vsix (not the development folder) into a fresh code-server extensions
// dir with `code-server --install-extension`, then runs the suite's activation tests against that
// installed copy (the development path is a code-less stand-in). The activation test checks, through
// E2E_EXPECT_EXTENSIONS_DIR, that the extension it finds is the installed one.
//
//   node out/test/e2e/vsix.js [file.vsix]      (default: schema-warden.vsix at the repo root)
//
// Same environment as run.ts (E2E_WORKSPACE, E2E_SCREENSHOT, E2E_TIMEOUT_MS, E2E_KEEP_TMP,
// E2E_VERBOSE); E2E_GREP defaults to the activation tests. Route B (code-server) only.
import * as fs from 'fs';
import * as path from 'path';
import {
  codeServerCli,
  codeServerEnv,
  CODE_SERVER_ENTRY,
  finish,
  makeTmp,
  optionsFromEnv,
  REPO_ROOT,
  runSuite,
} from './run';

async function main(): Promise<void> {
  const vsix = path.resolve(process.argv[2] ?? process.env.E2E_VSIX ?? path.join(REPO_ROOT, 'schema-warden.vsix'));
  if (!fs.existsSync(vsix)) throw new Error(`${vsix} does not exist; run npm run package first`);
  if (!fs.existsSync(CODE_SERVER_ENTRY))
    throw new Error('code-server is not installed; run scripts/e2e/install-code-server.sh');
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
    publisher: string;
    name: string;
    version: string;
  };
  const id = `${pkg.publisher}.${pkg.name}`;

  const tmp = makeTmp('sw-e2e-vsix-');
  const userDataDir = path.join(tmp, 'user-data');
  const extensionsDir = path.join(tmp, 'extensions');
  fs.mkdirSync(extensionsDir, { recursive: true });
  const t0 = Date.now();
  const r = codeServerCli(
    ['--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, '--install-extension', vsix],
    codeServerEnv(tmp),
  );
  process.stderr.write(r.output);
  const installed = fs.readdirSync(extensionsDir).filter((d) => d.toLowerCase().startsWith(`${id.toLowerCase()}-`));
  if (r.status !== 0 || installed.length === 0) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw new Error(
      `installing ${vsix} failed (exit ${r.status}; found ${installed.join(', ') || 'nothing'} in the extensions dir)`,
    );
  }
  process.stderr.write(`[e2e] installed ${path.basename(vsix)} as ${installed[0]} in ${Date.now() - t0} ms\n`);

  // The workbench runs extensionTestsPath only in extension-development mode, so the development
  // path is a code-less stand-in with another id; the installed copy of ours is the only one loaded.
  const probe = path.join(tmp, 'probe-extension');
  fs.mkdirSync(probe, { recursive: true });
  fs.writeFileSync(
    path.join(probe, 'package.json'),
    JSON.stringify(
      { name: 'vsix-probe', publisher: 'schema-warden-e2e', version: '0.0.0', engines: { vscode: '^1.100.0' } },
      null,
      2,
    ),
  );

  const result = await runSuite(
    {
      ...optionsFromEnv(),
      route: 'code-server',
      extensionDevelopmentPath: probe,
      extensionsDir,
      userDataDir,
      grep: process.env.E2E_GREP ?? '^schema-warden extension',
      env: { E2E_EXPECT_EXTENSIONS_DIR: extensionsDir },
    },
    tmp,
  );
  finish(result);
}

main().catch((err: Error) => {
  process.stderr.write(`[e2e] ${err.stack ?? err.message}\n`);
  finish(undefined);
});

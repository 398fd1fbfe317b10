// The language server starts from the analysis cache the CLI fills (#16): a workspace whose cache
// is filled is indexed without parsing an unchanged revision, with the diagnostics of a cold start.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeSyntheticHistory } from '../../bench/synthetic';
import { bundleServer, LspSession, uriOf } from './lspSession';

const REPO = path.resolve(__dirname, '..', '..', '..');
const COUNT = 60;

async function indexed(root: string): Promise<{ log: string; diagnostics: Map<string, unknown> }> {
  const session = new LspSession(root);
  try {
    await session.initialize();
    await session.waitForStatus((s) => s.state === 'ready' && s.filesAnalysed === COUNT, 60_000);
    const log = session.logs.find((l) => l.startsWith('Indexed')) ?? '';
    const diagnostics = new Map([...session.diagnostics].map(([uri, p]) => [uri, p.diagnostics]));
    return { log, diagnostics };
  } finally {
    await session.stop();
  }
}

describe('language server: the analysis cache', function () {
  this.timeout(180_000);
  before(() => bundleServer());
  let root: string | undefined;
  afterEach(() => {
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('indexes a workspace the CLI has cached without parsing, with the same diagnostics', async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-lsp-cache-'));
    writeSyntheticHistory(root, COUNT);
    const cold = await indexed(root);
    assert.match(cold.log, /cache: 0 model\(s\) read \(0 decoded\), 60 parsed/);
    // The server wrote what it parsed when it exited; the CLI reads the same entries.
    assert.ok(fs.existsSync(path.join(root, '.schema-warden-cache', '.gitignore')));
    const cli = spawnSync(process.execPath, [path.join(REPO, 'dist', 'cli.js'), 'lint', '--format', 'json'], {
      cwd: root,
      encoding: 'utf8',
    });
    assert.ok(cli.status === 0 || cli.status === 1, cli.stderr);

    const warm = await indexed(root);
    // Nothing parsed, no model decoded: per revision its own rules, the rules that read its
    // ancestors and SW602 read back; SW207 and SW501 too.
    assert.match(warm.log, /cache: 60 model\(s\) read \(0 decoded\), 0 parsed; 182 findings set\(s\) read, 0 checked/);
    assert.deepEqual(warm.diagnostics, cold.diagnostics);
    const newest = uriOf(path.join(root, 'alembic', 'versions', 'r00059_step_59.py'));
    assert.ok(warm.diagnostics.has(newest));
  });
});

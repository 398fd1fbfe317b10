// An edit that changes only whether a revision's branch labels can be read (`branch_labels =
// (branches.EXPAND,)`, a constant of the application) changes the revision graph: the cross-file
// rules (SW107) run at once, not after the typing pause. The server runs in this process, over a
// pair of streams, with a typing pause far longer than the test waits, so that only the graph
// edit's eager pass can clear the finding in time.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
  type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol/node';
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from '../../server/src/lsp/server';
import { engineReady } from '../support/engine';
import { ALEMBIC_INI, makeWorkspace, uriOf } from './lspSession';

const TYPING_PAUSE_MS = 4000;

const revision = (id: string, parent: string | null, labels = 'None', imports = ''): string =>
  `"""step ${id}"""\n${imports}from alembic import op\n\nrevision = "${id}"\ndown_revision = ` +
  `${parent ? `"${parent}"` : 'None'}\nbranch_labels = ${labels}\ndepends_on = None\n\n\ndef ` +
  `upgrade():\n    op.execute("SELECT 1")\n\n\ndef downgrade():\n    op.execute("SELECT 1")\n`;

describe('language server: the graph header includes branch labels that cannot be read (#13 review)', function () {
  this.timeout(20_000);
  let client: MessageConnection;
  let root: string;
  const published = new Map<string, PublishDiagnosticsParams>();
  const waiters: Array<() => void> = [];

  before(async () => {
    await engineReady;
    root = makeWorkspace({
      'alembic.ini': ALEMBIC_INI,
      'alembic/env.py': 'from alembic import context\n',
      'alembic/versions/a0_root.py': revision('a0', null),
      'alembic/versions/c1_contract.py': revision(
        'c1',
        'a0',
        '(branches.CONTRACT,)',
        'from myapp.migration import branches\n',
      ),
      'alembic/versions/e1_expand.py': revision('e1', 'a0'),
      'alembic/versions/x1_extra.py': revision('x1', 'a0'),
    });
    const toServer = new PassThrough();
    const toClient = new PassThrough();
    // The streams are never ended: vscode-languageserver exits the process when its input ends.
    startServer(
      createConnection(ProposedFeatures.all, new StreamMessageReader(toServer), new StreamMessageWriter(toClient)),
      {
        crossFileDelayMs: TYPING_PAUSE_MS,
      },
    );
    client = createMessageConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer));
    client.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      published.set(p.uri, p);
      for (const wake of waiters.splice(0)) wake();
    });
    client.onRequest('workspace/configuration', (p: { items: unknown[] }) => p.items.map(() => ({})));
    client.onRequest('client/registerCapability', () => null);
    client.listen();
    await client.sendRequest('initialize', {
      processId: null,
      rootUri: uriOf(root),
      workspaceFolders: [{ uri: uriOf(root), name: 'ws' }],
      capabilities: { textDocument: { publishDiagnostics: { versionSupport: true } } },
    });
    await client.sendNotification('initialized', {});
  });

  after(() => {
    client?.dispose();
    fs.rmSync(root, { recursive: true, force: true });
  });

  async function waitFor(file: string, test: (codes: string[]) => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const p = published.get(uriOf(file));
      if (p && test(p.diagnostics.map((d) => String(d.code)))) return true;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  it('labelling a branch with an imported constant clears SW107 at once', async () => {
    const expand = path.join(root, 'alembic', 'versions', 'e1_expand.py');
    const text = fs.readFileSync(expand, 'utf8');
    await client.sendNotification('textDocument/didOpen', {
      textDocument: { uri: uriOf(expand), languageId: 'python', version: 1, text },
    });
    assert.ok(
      await waitFor(expand, (c) => c.includes('SW107'), 10_000),
      'two unlabelled heads (e1, x1) beside a labelled one: SW107',
    );
    // e1 gets its label too: x1 is left the only unlabelled head.
    await client.sendNotification('textDocument/didChange', {
      textDocument: { uri: uriOf(expand), version: 2 },
      contentChanges: [{ text: revision('e1', 'a0', '(branches.EXPAND,)', 'from myapp.migration import branches\n') }],
    });
    assert.ok(
      await waitFor(expand, (c) => !c.includes('SW107'), TYPING_PAUSE_MS / 2),
      `SW107 cleared before the typing pause ended: ${JSON.stringify(published.get(uriOf(expand))?.diagnostics.map((d) => d.code))}`,
    );
  });
});

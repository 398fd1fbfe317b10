// Protocol tests: the bundled server (node dist/server.js --stdio) driven like an editor drives it.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CodeAction, CompletionItem, Hover, InitializeResult } from 'vscode-languageserver-protocol';
import { ALEMBIC_INI, applyTextEdits, bundleServer, codes, LspSession, makeWorkspace, uriOf } from './lspSession';

const EMPTY_DOWNGRADE = `"""create account table

Revision ID: a1
Revises:
Create Date: 2025-01-01 00:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = "a1"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("account", sa.Column("note", sa.Text(), comment="free-text note"))


def downgrade() -> None:
    pass
`;

const child = (id: string, parent: string): string => `"""add ${id}

Revision ID: ${id}
Revises: ${parent}
Create Date: 2025-01-02 00:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = "${id}"
down_revision = "${parent}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("account", sa.Column("${id}_flag", sa.Boolean(), comment="why ${id}"))


def downgrade() -> None:
    op.drop_column("account", "${id}_flag")
`;

describe('language server over stdio (dist/server.js)', function () {
  this.timeout(30_000);
  let root: string;
  let session: LspSession;
  let init: InitializeResult;
  const rev = (name: string): string => path.join(root, 'alembic', 'versions', name);

  before(() => bundleServer());

  beforeEach(async () => {
    root = makeWorkspace({
      'alembic.ini': ALEMBIC_INI,
      'alembic/env.py': '',
      'alembic/versions/a1_account.py': EMPTY_DOWNGRADE,
      'alembic/versions/b1_flag.py': child('b1', 'a1'),
    });
    session = new LspSession(root);
    init = await session.initialize();
  });

  afterEach(async () => {
    await session.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('announces its capabilities and registers file watchers', async () => {
    assert.deepEqual(init.capabilities.codeActionProvider, {
      codeActionKinds: ['quickfix', 'source.fixAll.schemaWarden'],
      resolveProvider: false,
    });
    assert.equal(init.capabilities.hoverProvider, true);
    assert.equal(init.serverInfo?.name, 'schema-warden');
    await session.waitForDiagnostics(rev('a1_account.py'));
    const watchers = session.registrations.find((r) => r.method === 'workspace/didChangeWatchedFiles')
      ?.registerOptions as { watchers: Array<{ globPattern: string }> };
    assert.deepEqual(
      watchers.watchers.map((w) => w.globPattern),
      ['**/*.py', '**/alembic.ini', '**/pyproject.toml', '**/schema-warden.toml', '**/docs/decisions/*.md'],
    );
  });

  it('publishes diagnostics for files that are not open, from the background index, and a status', async () => {
    const published = await session.waitForDiagnostics(rev('a1_account.py'), (d) =>
      d.diagnostics.some((x) => x.code === 'SW101'),
    );
    assert.equal(published.version, undefined, 'a file not open has no version');
    const status = await session.waitForStatus((s) => s.state === 'ready');
    assert.equal(status.filesAnalysed, 2);
    assert.deepEqual(status.heads, ['b1']);
    assert.ok(status.errors >= 1);
  });

  it('didOpen → diagnostics with code, documentation link, source, range and data', async () => {
    await session.open(rev('a1_account.py'));
    const { diagnostics, version } = await session.waitForDiagnostics(rev('a1_account.py'), (d) => d.version === 1);
    const sw101 = diagnostics.find((d) => d.code === 'SW101');
    assert.ok(sw101, `SW101 among ${codes(diagnostics)}`);
    assert.equal(version, 1);
    assert.equal(sw101.source, 'schema-warden');
    assert.equal(sw101.severity, 1);
    assert.match(sw101.codeDescription!.href, /docs\/rules\/SW101-require-downgrade\.md$/);
    assert.deepEqual(
      sw101.range,
      { start: { line: 20, character: 4 }, end: { line: 20, character: 13 } },
      'the `downgrade` name of the def line',
    );
    assert.deepEqual(sw101.data, { ruleId: 'SW101', version: 1, index: diagnostics.indexOf(sw101) });
  });

  it('didChange (incremental) re-validates on every change: a written downgrade clears SW101, pass brings it back', async () => {
    const file = rev('a1_account.py');
    await session.open(file);
    await session.waitForDiagnostics(file, (d) => d.version === 1 && codes(d.diagnostics).includes('SW101'));
    // replace `pass` (line 21, 4..8) with the inverse
    await session.change(file, [
      {
        range: { start: { line: 21, character: 4 }, end: { line: 21, character: 8 } },
        text: 'op.drop_column("account", "note")',
      },
    ]);
    const fixed = await session.waitForDiagnostics(file, (d) => d.version === 2);
    assert.ok(
      !codes(fixed.diagnostics).includes('SW101'),
      `no SW101 after writing the downgrade: ${codes(fixed.diagnostics)}`,
    );
    await session.change(file, [
      { range: { start: { line: 21, character: 4 }, end: { line: 21, character: 37 } }, text: 'pass' },
    ]);
    const again = await session.waitForDiagnostics(file, (d) => d.version === 3);
    assert.ok(codes(again.diagnostics).includes('SW101'));
  });

  it("codeAction → the rule's fix (preferred quickfix) whose edit makes a revision that passes, plus waiver and documentation actions", async () => {
    const file = rev('a1_account.py');
    await session.open(file);
    const { diagnostics } = await session.waitForDiagnostics(file, (d) => d.version === 1);
    const sw101 = diagnostics.find((d) => d.code === 'SW101')!;
    const actions = await session.connection.sendRequest<CodeAction[]>('textDocument/codeAction', {
      textDocument: { uri: uriOf(file) },
      range: sw101.range,
      context: { diagnostics: [sw101] },
    });
    assert.deepEqual(
      actions.map((a) => a.title),
      [
        'Add downgrade (the inverse of the upgrade)',
        'Allow SW101 with a decision record…',
        'Show documentation for SW101 (require-downgrade)',
      ],
    );
    const fix = actions[0];
    assert.equal(fix.kind, 'quickfix');
    assert.equal(fix.isPreferred, true);
    const edited = applyTextEdits(EMPTY_DOWNGRADE, fix.edit!.changes![uriOf(file)]);
    assert.match(edited, /def downgrade\(\) -> None:\n    op\.drop_column\("account", "note"\)\n/);
    // apply it as the editor would: the diagnostic goes away
    await session.change(file, [{ text: edited }]);
    const after = await session.waitForDiagnostics(file, (d) => d.version === 2);
    assert.ok(!codes(after.diagnostics).includes('SW101'));
    // the documentation action asks the client to open the rule's page
    await session.connection.sendRequest('workspace/executeCommand', actions[2].command);
    assert.match(session.shownDocuments.at(-1)!.uri, /SW101-require-downgrade\.md$/);
    assert.equal(session.shownDocuments.at(-1)!.external, true);
  });

  it('answers no fix for a stale diagnostic (an older document version)', async () => {
    const file = rev('a1_account.py');
    await session.open(file);
    const { diagnostics } = await session.waitForDiagnostics(file, (d) => d.version === 1);
    await session.change(file, [
      { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '# edited\n' },
    ]);
    await session.waitForDiagnostics(file, (d) => d.version === 2);
    const sw101 = diagnostics.find((d) => d.code === 'SW101')!;
    const actions = await session.connection.sendRequest<CodeAction[]>('textDocument/codeAction', {
      textDocument: { uri: uriOf(file) },
      range: sw101.range,
      context: { diagnostics: [sw101] },
    });
    assert.ok(!actions.some((a) => a.edit), 'no edit computed for text that changed since');
  });

  it(
    '"Allow with a decision record…" writes the record, inserts the waiver with applyEdit, ' +
      'opens the record; the waiver then holds once accepted',
    async () => {
      const file = rev('a1_account.py');
      await session.open(file);
      const { diagnostics } = await session.waitForDiagnostics(file, (d) => d.version === 1);
      const sw101 = diagnostics.find((d) => d.code === 'SW101')!;
      const actions = await session.connection.sendRequest<CodeAction[]>('textDocument/codeAction', {
        textDocument: { uri: uriOf(file) },
        range: sw101.range,
        context: { diagnostics: [sw101] },
      });
      const allow = actions.find((a) => a.title.startsWith('Allow SW101'))!;
      const result = await session.connection.sendRequest<{ id: string; uri: string }>(
        'workspace/executeCommand',
        allow.command,
      );
      assert.equal(result.id, '0001');
      const record = path.join(root, 'docs', 'decisions', '0001-allow-sw101-in-revision-a1.md');
      assert.ok(fs.existsSync(record), `${record} exists: ${fs.readdirSync(path.join(root, 'docs', 'decisions'))}`);
      const text = fs.readFileSync(record, 'utf8');
      assert.match(text, /^rules: \["SW101"\]$/m);
      assert.match(text, /^revisions: \["a1"\]$/m);
      assert.equal(session.shownDocuments.at(-1)!.uri, uriOf(record));
      const edit = session.appliedEdits.at(-1)!.changes![uriOf(file)];
      assert.deepEqual(edit, [
        {
          range: { start: { line: 20, character: 0 }, end: { line: 20, character: 0 } },
          newText: '# schema-warden: allow SW101 decision=0001\n',
        },
      ]);
      // the editor applies it; the record is still "proposed", so the waiver does not hold yet
      await session.change(file, [{ range: edit[0].range, text: edit[0].newText }]);
      const proposed = await session.waitForDiagnostics(file, (d) => d.version === 2);
      assert.ok(
        codes(proposed.diagnostics).includes('SW902'),
        `an invalid waiver (record not accepted): ${codes(proposed.diagnostics)}`,
      );
      // accepting it on disk (a watched file change) re-validates the open revision
      fs.writeFileSync(
        record,
        text.replace('status: proposed', 'status: accepted').replace(/<!--.*?-->/g, 'Reasoned at length for the test.'),
      );
      await session.connection.sendNotification('workspace/didChangeWatchedFiles', {
        changes: [{ uri: uriOf(record), type: 2 }],
      });
      const accepted = await session.waitForDiagnostics(
        file,
        (d) => !codes(d.diagnostics).includes('SW101') && !codes(d.diagnostics).includes('SW902'),
      );
      assert.ok(!codes(accepted.diagnostics).includes('SW101'));
    },
  );

  it('cross-file: a second head appears with related information, and goes away when a file that is not open changes on disk', async () => {
    const b2 = rev('b2_other.py');
    await session.open(rev('a1_account.py'));
    await session.waitForDiagnostics(rev('a1_account.py'), (d) => d.version === 1);
    await session.open(b2, child('b2', 'a1'));
    const split = await session.waitForDiagnostics(b2, (d) => codes(d.diagnostics).includes('SW107'));
    const head = split.diagnostics.find((d) => d.code === 'SW107')!;
    assert.match(head.message as string, /2 heads/);
    assert.equal(head.relatedInformation?.[0].location.uri, uriOf(rev('b1_flag.py')));
    assert.deepEqual(
      head.relatedInformation?.[0].location.range.start,
      { line: 10, character: 11 },
      "points at the other head's revision id",
    );
    // The message is plain text; what to do comes as the help, last in the related information.
    assert.doesNotMatch(head.message as string, /`/);
    const help = head.relatedInformation?.at(-1);
    assert.equal(help?.message, 'help: Add a merge revision: alembic merge heads.');
    assert.equal(help?.location.uri, uriOf(b2));
    assert.deepEqual(help?.location.range, head.range);
    // b1 (not open) is rewritten on disk to follow b2: one head again
    fs.writeFileSync(rev('b1_flag.py'), child('b1', 'b2'));
    await session.connection.sendNotification('workspace/didChangeWatchedFiles', {
      changes: [{ uri: uriOf(rev('b1_flag.py')), type: 2 }],
    });
    const merged = await session.waitForDiagnostics(b2, (d) => !codes(d.diagnostics).includes('SW107'));
    assert.ok(!codes(merged.diagnostics).includes('SW107'));
    await session.waitForDiagnostics(rev('b1_flag.py'), (d) => !codes(d.diagnostics).includes('SW107'));
  });

  it('hover on a diagnostic shows the rule summary and the policy clause; on an op.* call its lock', async () => {
    const file = rev('a1_account.py');
    await session.open(file);
    await session.waitForDiagnostics(file, (d) => d.version === 1);
    const onRule = await session.connection.sendRequest<Hover>('textDocument/hover', {
      textDocument: { uri: uriOf(file) },
      position: { line: 20, character: 6 },
    });
    const text = (onRule.contents as { value: string }).value;
    assert.match(text as string, /\*\*SW101 require-downgrade\*\*/);
    assert.match(text, /> Every schema change requires an Alembic revision with clear upgrade and downgrade paths/);
    const onOp = await session.connection.sendRequest<Hover>('textDocument/hover', {
      textDocument: { uri: uriOf(file) },
      position: { line: 17, character: 8 },
    });
    const opText = (onOp.contents as { value: string }).value;
    assert.match(opText, /\*\*op\.add_column\*\* on `account`/);
    assert.match(opText, /\*\*Lock:\*\* `ACCESS EXCLUSIVE`/);
    assert.match(opText, /\*\*Rewrites the table:\*\* no \(PostgreSQL 15\)/);
  });

  it('traced locks from the client (schemaWarden/tracedLocks): the hover shows them, SW603 says confirmed by trace (#17)', async () => {
    const file = rev('a1_account.py');
    await session.open(file);
    await session.waitForDiagnostics(file, (d) => d.version === 1 && d.diagnostics.some((x) => x.code === 'SW603'));
    // Garbage first: ignored, the server goes on.
    await session.connection.sendNotification('schemaWarden/tracedLocks', { revisions: 5 });
    await session.connection.sendNotification('schemaWarden/tracedLocks', {
      revisions: [
        {
          uri: uriOf(file),
          revision: 'a1',
          locks: [
            {
              table: 'account',
              mode: 'AccessExclusiveLock',
              statement: 'ALTER TABLE account ADD COLUMN note TEXT',
              line: 18,
              heldMs: 1210,
            },
          ],
          rewrites: [],
        },
      ],
    });
    const published = await session.waitForDiagnostics(file, (d) =>
      d.diagnostics.some((x) => x.code === 'SW603' && String(x.message).includes('confirmed by trace')),
    );
    const sw603 = published.diagnostics.find((x) => x.code === 'SW603');
    assert.match(String(sw603?.message ?? ''), / — confirmed by trace: AccessExclusiveLock on account, held 1\.2 s$/);
    const hover = await session.connection.sendRequest<Hover>('textDocument/hover', {
      textDocument: { uri: uriOf(file) },
      position: { line: 17, character: 8 },
    });
    const text = (hover.contents as { value: string }).value;
    assert.match(text, /\*\*Lock:\*\* `ACCESS EXCLUSIVE`/, 'the static prediction stays');
    assert.match(text, /- traced: AccessExclusiveLock on account, held 1\.2 s$/m);
    // An edit moves lines: the trace is set aside until the text is the verified one again.
    await session.change(file, [
      { range: { start: { line: 16, character: 0 }, end: { line: 16, character: 0 } }, text: '\n' },
    ]);
    const edited = await session.connection.sendRequest<Hover>('textDocument/hover', {
      textDocument: { uri: uriOf(file) },
      position: { line: 18, character: 8 },
    });
    assert.doesNotMatch((edited.contents as { value: string }).value, /traced:/);
  });

  it('completes rule ids, then decision ids with titles, in a waiver comment', async () => {
    fs.mkdirSync(path.join(root, 'docs', 'decisions'), { recursive: true });
    fs.writeFileSync(
      path.join(root, 'docs', 'decisions', '0007-keep-integer-keys.md'),
      '---\nid: "0007"\ntitle: "Keep integer keys"\nstatus: accepted\ndate: 2025-01-01\nrules: ["SW206"]\nrevisions: ["*"]\n---\n',
    );
    await session.connection.sendNotification('workspace/didChangeWatchedFiles', {
      changes: [{ uri: uriOf(path.join(root, 'docs', 'decisions', '0007-keep-integer-keys.md')), type: 1 }],
    });
    const file = rev('a1_account.py');
    const lines = EMPTY_DOWNGRADE.split('\n');
    lines.splice(17, 0, '    # schema-warden: allow ');
    await session.open(file, lines.join('\n'));
    await session.waitForDiagnostics(file, (d) => d.version === 1);
    await new Promise((r) => setTimeout(r, 300)); // the decisions reload is debounced
    const rules = await session.connection.sendRequest<CompletionItem[]>('textDocument/completion', {
      textDocument: { uri: uriOf(file) },
      position: { line: 17, character: 27 },
    });
    assert.ok(rules.some((i) => i.label === 'SW101' && i.detail === 'require-downgrade'));
    assert.ok(!rules.some((i) => String(i.label).startsWith('decision=')), 'no decision before a rule');
    await session.change(file, [
      { range: { start: { line: 17, character: 27 }, end: { line: 17, character: 27 } }, text: 'SW206 ' },
    ]);
    const decisions = await session.connection.sendRequest<CompletionItem[]>('textDocument/completion', {
      textDocument: { uri: uriOf(file) },
      position: { line: 17, character: 33 },
    });
    const item = decisions.find((i) => i.label === 'decision=0007');
    assert.ok(item, `decision=0007 among ${decisions.map((i) => i.label).join(', ')}`);
    assert.equal(item.detail, 'Keep integer keys');
  });

  it('answers the custom requests: rules and revisions', async () => {
    const rules =
      await session.connection.sendRequest<Array<{ id: string; docsUrl: string; policyClause: string }>>(
        'schemaWarden/listRules',
      );
    const sw101 = rules.find((r) => r.id === 'SW101');
    assert.ok(sw101 && sw101.policyClause.startsWith('Every schema change requires'));
    const revisions = await session.connection.sendRequest<Array<{ revision: string; isHead: boolean }>>(
      'schemaWarden/listRevisions',
      {},
    );
    assert.deepEqual(
      revisions.map((r) => [r.revision, r.isHead]),
      [
        ['b1', true],
        ['a1', false],
      ],
    );
  });

  it('personal severity overrides from workspace/configuration apply after didChangeConfiguration', async () => {
    const file = rev('a1_account.py');
    await session.open(file);
    await session.waitForDiagnostics(file, (d) => d.diagnostics.some((x) => x.code === 'SW101' && x.severity === 1));
    session.settings = { severity: { SW101: 'info' } };
    await session.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
    const after = await session.waitForDiagnostics(file, (d) =>
      d.diagnostics.some((x) => x.code === 'SW101' && x.severity === 3),
    );
    assert.ok(after);
    session.settings = { severity: { SW101: 'off' } };
    await session.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
    await session.waitForDiagnostics(file, (d) => !codes(d.diagnostics).includes('SW101'));
  });

  it('reports a broken [tool.schema-warden] on pyproject.toml and keeps linting with the defaults', async () => {
    fs.writeFileSync(path.join(root, 'pyproject.toml'), '[tool.schema-warden]\nseverity = { SW101 = "loud" }\n');
    await session.connection.sendNotification('workspace/didChangeWatchedFiles', {
      changes: [{ uri: uriOf(path.join(root, 'pyproject.toml')), type: 1 }],
    });
    const broken = await session.waitForDiagnostics(path.join(root, 'pyproject.toml'), (d) => d.diagnostics.length > 0);
    assert.match(broken.diagnostics[0].message as string, /severity\.SW101/);
    assert.ok(codes((await session.waitForDiagnostics(rev('a1_account.py'))).diagnostics).includes('SW101'));
  });

  it('runs as `schema-warden server --stdio` from the CLI bundle too', async () => {
    const cli = new LspSession(root, [
      path.join(path.dirname(require.resolve('./lspSession')), '..', '..', '..', 'dist', 'cli.js'),
      'server',
      '--stdio',
    ]);
    try {
      const result = await cli.initialize();
      assert.equal(result.serverInfo?.name, 'schema-warden');
      await cli.open(rev('a1_account.py'));
      const { diagnostics } = await cli.waitForDiagnostics(rev('a1_account.py'), (d) => d.version === 1);
      assert.ok(codes(diagnostics).includes('SW101'));
    } finally {
      await cli.stop();
    }
  });

  it('survives garbage: binary text, a huge line, a request for an unknown document', async () => {
    const file = rev('a1_account.py');
    await session.open(file, '\u0000\uFFFF def (((( \n'.repeat(50) + 'x'.repeat(200_000));
    await session.waitForDiagnostics(file, (d) => d.version === 1);
    const none = await session.connection.sendRequest<CodeAction[]>('textDocument/codeAction', {
      textDocument: { uri: 'file:///nowhere.py' },
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      context: { diagnostics: [] },
    });
    assert.deepEqual(none, []);
    const rules = await session.connection.sendRequest<unknown[]>('schemaWarden/listRules');
    assert.ok(rules.length > 5, 'still answering');
  });
});

// The language server under abuse: malformed LSP traffic, a revision deleted while open, a
// workspace of 10,000 files, a revision folder with symbolic link loops. The real bundled server
// (dist/server.js --stdio) over real pipes, real files on disk. After each abuse the server is
// alive, still answers, and its log (window/logMessage) has said what was wrong, once.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CodeAction, CompletionItem, Hover } from 'vscode-languageserver-protocol';
import { ALEMBIC_INI, bundleServer, codes, LspSession, makeWorkspace, REPO, uriOf } from './lspSession';

const CLI = path.join(REPO, 'dist', 'cli.js');

/** An Alembic revision; `downgrade: 'pass'` gives SW101 (no downgrade). */
function revision(id: string, parent: string | null, downgrade = `op.drop_column("account", "${id}_flag")`): string {
  return `"""add ${id}

Revision ID: ${id}
Revises: ${parent ?? ''}
Create Date: 2025-01-02 00:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = "${id}"
down_revision = ${parent ? `"${parent}"` : 'None'}
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("account", sa.Column("${id}_flag", sa.Boolean(), comment="why ${id}"))


def downgrade() -> None:
    ${downgrade}
`;
}

/** One LSP frame; `length` other than the body's byte length makes a lying Content-Length. */
const frame = (body: string, length = Buffer.byteLength(body)): string => `Content-Length: ${length}\r\n\r\n${body}`;

const count = (logs: readonly string[], pattern: RegExp): number => logs.filter((l) => pattern.test(l)).length;

async function waitForLog(session: LspSession, pattern: RegExp, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = session.logs.find((l) => pattern.test(l));
    if (found) return found;
    if (Date.now() > deadline)
      throw new Error(
        `no log line matching ${pattern} within ${timeoutMs} ms; the log:\n${session.logs.join('\n')}\n${session.stderr.slice(-2000)}`,
      );
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Lines written more than once: the server must say each problem once, not per keystroke or re-index. */
function repeated(logs: readonly string[]): string[] {
  return [...new Set(logs.filter((l, i) => logs.indexOf(l) !== i))];
}

/** A handler that crashed on a malformed message instead of recognising it. */
const CRASHED = /TypeError|Cannot read propert|is not iterable|undefined is not/;

async function rejection(promise: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await promise;
  } catch (err) {
    return err as { code: number; message: string };
  }
  throw new Error('the request was answered, not refused');
}

describe('language server robustness (dist/server.js over stdio)', function () {
  this.timeout(60_000);
  const roots: string[] = [];
  const sessions: LspSession[] = [];

  function workspace(files: Record<string, string>): string {
    const root = makeWorkspace(files);
    roots.push(root);
    return root;
  }

  function start(root: string): LspSession {
    const session = new LspSession(root);
    sessions.push(session);
    return session;
  }

  /** The server still works: it answers a request and lints a document opened now. */
  async function assertServing(session: LspSession, file: string, text = fs.readFileSync(file, 'utf8')): Promise<void> {
    assert.ok(session.alive, `the server is running\n${session.stderr.slice(-2000)}`);
    const rules = await session.connection.sendRequest<unknown[]>('schemaWarden/listRules');
    assert.ok(rules.length > 5, 'answers schemaWarden/listRules');
    session.diagnostics.delete(uriOf(file));
    await session.open(file, text);
    await session.waitForDiagnostics(file, (d) => d.version === 1);
  }

  before(() => bundleServer());

  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((s) => s.stop()));
    for (const root of roots.splice(0)) fs.rmSync(root, { recursive: true, force: true });
  });

  it('malformed messages and params: each is logged once, answered when it is a request, and the server keeps serving', async () => {
    const root = workspace({
      'alembic.ini': ALEMBIC_INI,
      'alembic/env.py': '',
      'alembic/versions/a1_account.py': revision('a1', null, 'pass'),
      'alembic/versions/b1_flag.py': revision('b1', 'a1'),
    });
    const a1 = path.join(root, 'alembic/versions/a1_account.py');
    const b1 = path.join(root, 'alembic/versions/b1_flag.py');
    const session = start(root);
    await session.initialize();
    await session.open(a1);
    await session.waitForDiagnostics(a1, (d) => d.version === 1 && codes(d.diagnostics).includes('SW101'));
    const hover = (position: unknown, uri = uriOf(a1)): Promise<Hover | null> =>
      session.connection.sendRequest<Hover | null>('textDocument/hover', { textDocument: { uri }, position });

    // A body that is not JSON (its Content-Length is right), twice; and JSON that is no JSON-RPC message.
    await session.writeRaw(frame('{"jsonrpc": "2.0", "id": 99, "method": oops}'));
    await session.writeRaw(frame('not json at all'));
    await session.writeRaw(frame('[1, 2, 3]'));
    assert.ok(await hover({ line: 20, character: 6 }), 'answers a hover after the garbage');
    await waitForLog(session, /body is not JSON/);
    await waitForLog(session, /neither a response nor a notification/);

    // An unknown request gets MethodNotFound, not silence; an unknown notification is logged.
    for (let i = 0; i < 2; i++) {
      const refused = await rejection(session.connection.sendRequest('schemaWarden/noSuchRequest', {}));
      assert.equal(refused.code, -32601, `MethodNotFound: ${refused.message}`);
      await session.connection.sendNotification('schemaWarden/noSuchNotification', {});
    }
    await waitForLog(session, /unknown request "schemaWarden\/noSuchRequest" with MethodNotFound/);
    await waitForLog(session, /unknown notification "schemaWarden\/noSuchNotification"/);

    // Notifications with the wrong shape, twice each (as on two keystrokes).
    for (let i = 0; i < 2; i++) {
      await session.connection.sendNotification('textDocument/didOpen', {});
      await session.connection.sendNotification('textDocument/didOpen', {
        textDocument: { uri: uriOf(b1), languageId: 'python', version: 1 },
      });
      await session.connection.sendNotification('textDocument/didChange', {
        textDocument: { uri: uriOf(b1), version: 2 + i },
        contentChanges: [{ text: 'x' }],
      });
      await session.connection.sendNotification('textDocument/didChange', {
        textDocument: { uri: uriOf(a1), version: 50 + i },
        contentChanges: 'x',
      });
      await session.connection.sendNotification('textDocument/didClose', { textDocument: {} });
      await session.connection.sendNotification('workspace/didChangeWatchedFiles', {
        changes: [{ uri: 7, type: 'deleted' }],
      });
    }
    await waitForLog(session, /Ignored textDocument\/didOpen: textDocument is missing, not an object/);
    await waitForLog(session, /Ignored textDocument\/didOpen: textDocument.text is missing, not a string/);
    await waitForLog(session, new RegExp(`Ignored textDocument/didChange of ${uriOf(b1)}: the document is not open`));
    await waitForLog(
      session,
      /Ignored textDocument\/didChange of .*a1_account\.py: contentChanges is "x", not an array/,
    );
    await waitForLog(session, /Ignored textDocument\/didClose: textDocument\.uri is missing, not a string/);
    await waitForLog(
      session,
      /Ignored workspace\/didChangeWatchedFiles: a change that is not \{uri: string, type: 1 \| 2 \| 3\}/,
    );

    // Incremental changes with negative and NaN positions (JSON carries NaN as null) are refused,
    // two of each; one past the end of the document is taken as its end.
    const at = (line: number, character: number) => ({ start: { line, character }, end: { line, character } });
    for (let i = 0; i < 2; i++) {
      await session.change(a1, [{ range: at(-1 - i, 0), text: 'garbage(' }]);
      await session.change(a1, [{ range: at(Number.NaN, Number.NaN), text: 'garbage(' }]);
      await session.change(a1, [
        { range: { start: { line: 3, character: 0 }, end: { line: 3.5, character: 0 } }, text: 'garbage(' },
      ]);
    }
    await session.change(a1, [{ range: at(9999, 0), text: '\n# appended past the end\n' }]);
    const after = await session.waitForDiagnostics(a1, (d) => d.version === session.version(a1));
    assert.ok(
      codes(after.diagnostics).includes('SW101'),
      `the document was not corrupted by the refused changes: ${codes(after.diagnostics)}`,
    );
    assert.ok(
      !codes(after.diagnostics).includes('SW000'),
      `no syntax error from a refused change: ${codes(after.diagnostics)}`,
    );
    await waitForLog(
      session,
      /Ignored textDocument\/didChange of .*a1_account\.py: contentChanges\[0\]\.range\.start\.line is -1, not a non-negative integer/,
    );
    await waitForLog(session, /contentChanges\[0\]\.range\.start\.line is null, not a non-negative integer/);
    await waitForLog(session, /contentChanges\[0\]\.range\.end\.line is 3\.5, not a non-negative integer/);
    await waitForLog(session, /a change range reaches 9999:0, past the end of the document/);
    // The server's copy still has the text the editor has above the appended line: the hover on `downgrade` is SW101's.
    const onRule = await hover({ line: 20, character: 6 });
    assert.match((onRule?.contents as { value: string }).value, /SW101 require-downgrade/);

    // Requests about documents that are not open, or positions past the end: answered empty, logged once.
    for (let i = 0; i < 2; i++) {
      assert.equal(await hover({ line: 0, character: 0 }, 'file:///nowhere/never_opened.py'), null);
      const completions = await session.connection.sendRequest<CompletionItem[]>('textDocument/completion', {
        textDocument: { uri: 'file:///nowhere/never_opened.py' },
        position: { line: 0, character: 0 },
      });
      assert.deepEqual(completions, []);
      const actions = await session.connection.sendRequest<CodeAction[]>('textDocument/codeAction', {
        textDocument: { uri: 'file:///nowhere/never_opened.py' },
        range: at(0, 0),
        context: { diagnostics: [] },
      });
      assert.deepEqual(actions, []);
      assert.equal(await hover({ line: 100_000 + i, character: 5 }), null, 'nothing to show at the end of the file');
    }
    await waitForLog(session, /textDocument\/hover for file:\/\/\/nowhere\/never_opened\.py, which is not open/);
    await waitForLog(session, /textDocument\/completion for file:\/\/\/nowhere\/never_opened\.py, which is not open/);
    await waitForLog(session, /textDocument\/codeAction for file:\/\/\/nowhere\/never_opened\.py, which is not open/);
    await waitForLog(session, /textDocument\/hover at 100000:5 in .*a1_account\.py, past the end of the document/);

    // Requests with the wrong shape: InvalidParams, saying what is wrong.
    for (let i = 0; i < 2; i++) {
      const negative = await rejection(hover({ line: -1 - i, character: 0 }));
      assert.equal(negative.code, -32602, negative.message);
      assert.match(negative.message, /position\.line is -\d, not a non-negative integer/);
      const noContext = await rejection(
        session.connection.sendRequest('textDocument/codeAction', {
          textDocument: { uri: uriOf(a1) },
          range: at(0, 0),
        }),
      );
      assert.equal(noContext.code, -32602, noContext.message);
      const noParams = await rejection(session.connection.sendRequest('textDocument/completion', {}));
      assert.equal(noParams.code, -32602, noParams.message);
      const badCommand = await rejection(
        session.connection.sendRequest('workspace/executeCommand', {
          command: 'schemaWarden.allowWithDecision',
          arguments: [{ uri: 5 }],
        }),
      );
      assert.equal(badCommand.code, -32602, badCommand.message);
    }
    await waitForLog(session, /Answered textDocument\/hover with InvalidParams: position\.line is -1/);
    await waitForLog(
      session,
      /Answered textDocument\/codeAction with InvalidParams: context\.diagnostics is not an array/,
    );
    await waitForLog(session, /Answered textDocument\/completion with InvalidParams: textDocument is missing/);

    await assertServing(session, b1);
    assert.deepEqual(
      session.logs.filter((l) => CRASHED.test(l)),
      [],
      'every malformed message was recognised, none crashed a handler',
    );
    assert.deepEqual(repeated(session.logs), [], 'each problem logged once');
    assert.equal(count(session.logs, /body is not JSON/), 1);
    assert.equal(count(session.logs, /noSuchRequest/), 1);
  });

  it('a header it cannot read: says why and exits with code 1 (the stream cannot be resynchronised), instead of serving deaf', async () => {
    const root = workspace({
      'alembic.ini': ALEMBIC_INI,
      'alembic/env.py': '',
      'alembic/versions/a1_account.py': revision('a1', null),
    });
    const a1 = path.join(root, 'alembic/versions/a1_account.py');
    const hoverBody = JSON.stringify({
      jsonrpc: '2.0',
      id: 1000,
      method: 'textDocument/hover',
      params: { textDocument: { uri: uriOf(a1) }, position: { line: 0, character: 0 } },
    });
    const cases: Array<{ name: string; bytes: string; says: RegExp }> = [
      {
        name: 'Content-Length that is not a number',
        bytes: `Content-Length: abc\r\n\r\n${hoverBody}`,
        says: /Content-Length value must be a number/,
      },
      {
        name: 'no Content-Length',
        bytes: `Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n${hoverBody}`,
        says: /Header must provide a Content-Length/,
      },
      {
        name: 'a garbage header line',
        bytes: `Content-Length: ${Buffer.byteLength(hoverBody)}\r\ngarbage without a colon\r\n\r\n${hoverBody}`,
        says: /Message header must separate key and value/,
      },
      // Too short: the first 20 bytes are not JSON, the rest is read as a header once more bytes come.
      {
        name: 'a Content-Length shorter than the body',
        bytes: frame(hoverBody, 20) + frame(hoverBody),
        says: /Header must provide a Content-Length|Message header must separate/,
      },
    ];
    for (const c of cases) {
      const session = start(root);
      await session.initialize();
      await session.open(a1);
      await session.waitForDiagnostics(a1, (d) => d.version === 1);
      await session.writeRaw(c.bytes);
      const { code, signal } = await session.exited;
      assert.equal(code, 1, `${c.name}: exit code (signal ${signal})\n${session.stderr}`);
      const said = session.logs.find((l) => /LSP stream from the editor is corrupt/.test(l));
      assert.ok(said, `${c.name}: logged before exiting\n${session.logs.join('\n')}`);
      assert.match(said, c.says, c.name);
      assert.match(said, /exits with code 1/);
      assert.match(
        session.stderr,
        /schema-warden: The LSP stream from the editor is corrupt/,
        `${c.name}: said on stderr too`,
      );
    }
  });

  it('stdin closing without shutdown ends the server with code 1; shutdown then exit ends it with 0', async () => {
    const root = workspace({
      'alembic.ini': ALEMBIC_INI,
      'alembic/env.py': '',
      'alembic/versions/a1_account.py': revision('a1', null),
    });
    const gone = start(root);
    await gone.initialize();
    gone.closeInput();
    assert.equal((await gone.exited).code, 1);
    const polite = start(root);
    await polite.initialize();
    await polite.stop();
    assert.equal((await polite.exited).code, 0);
  });

  it('a revision deleted while open keeps its diagnostics; once closed it leaves the project and its diagnostics are cleared', async () => {
    const root = workspace({
      'alembic.ini': ALEMBIC_INI,
      'alembic/env.py': '',
      'alembic/versions/a1_account.py': revision('a1', null),
      'alembic/versions/b1_flag.py': revision('b1', 'a1'),
      'alembic/versions/b2_other.py': revision('b2', 'a1'),
    });
    const b1 = path.join(root, 'alembic/versions/b1_flag.py');
    const b2 = path.join(root, 'alembic/versions/b2_other.py');
    const b2Text = fs.readFileSync(b2, 'utf8');
    const session = start(root);
    await session.initialize();
    await session.waitForDiagnostics(b1, (d) => codes(d.diagnostics).includes('SW107')); // two heads: b1 and b2
    await session.open(b2);
    await session.waitForDiagnostics(b2, (d) => d.version === 1 && codes(d.diagnostics).includes('SW107'));

    fs.rmSync(b2);
    await session.connection.sendNotification('workspace/didChangeWatchedFiles', {
      changes: [{ uri: uriOf(b2), type: 3 }],
    });
    // The editor still has the text: typing in it is linted, and the cross-file rules still see it.
    await session.change(b2, [
      { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '# still here\n' },
    ]);
    const edited = await session.waitForDiagnostics(b2, (d) => d.version === 2);
    assert.ok(
      codes(edited.diagnostics).includes('SW107'),
      `the open buffer keeps its findings: ${codes(edited.diagnostics)}`,
    );
    const withB2 = await session.connection.sendRequest<Array<{ revision: string }>>('schemaWarden/listRevisions', {});
    assert.deepEqual(withB2.map((r) => r.revision).sort(), ['a1', 'b1', 'b2']);
    assert.ok(codes(session.diagnostics.get(uriOf(b1))!.diagnostics).includes('SW107'));

    // Closed: the file is gone from the project, its diagnostics are cleared, b1 is the only head.
    await session.connection.sendNotification('textDocument/didClose', { textDocument: { uri: uriOf(b2) } });
    const cleared = await session.waitForDiagnostics(b2, (d) => d.diagnostics.length === 0);
    assert.equal(cleared.version, undefined);
    await session.waitForDiagnostics(b1, (d) => !codes(d.diagnostics).includes('SW107'));
    const without = await session.connection.sendRequest<Array<{ revision: string }>>('schemaWarden/listRevisions', {});
    assert.deepEqual(without.map((r) => r.revision).sort(), ['a1', 'b1']);

    // Late or wrong events for the deleted file change nothing: no ghost revision comes back.
    session.diagnostics.delete(uriOf(b2));
    session.statuses.length = 0;
    await session.connection.sendNotification('workspace/didChangeWatchedFiles', {
      changes: [
        { uri: uriOf(b2), type: 3 },
        { uri: uriOf(b2), type: 2 },
      ],
    });
    const still = await session.connection.sendRequest<Array<{ revision: string }>>('schemaWarden/listRevisions', {});
    assert.deepEqual(still.map((r) => r.revision).sort(), ['a1', 'b1']);
    assert.equal(session.diagnostics.get(uriOf(b2)), undefined, 'nothing published again for the deleted file');
    const status = await session.waitForStatus(() => true); // sent by the cross-file run those events started
    assert.equal(status.filesAnalysed, 2, 'no empty ghost of the deleted file in the index');

    // Restored on disk: it is back (the watcher's Created event).
    fs.writeFileSync(b2, b2Text);
    await session.connection.sendNotification('workspace/didChangeWatchedFiles', {
      changes: [{ uri: uriOf(b2), type: 1 }],
    });
    await session.waitForDiagnostics(b1, (d) => codes(d.diagnostics).includes('SW107'));
    await assertServing(session, path.join(root, 'alembic/versions/a1_account.py'));
    assert.deepEqual(
      session.logs.filter((l) => CRASHED.test(l)),
      [],
    );
  });

  it('a workspace of 10,000 files (2,000 revisions): indexes with progress, answers meanwhile, lints the open file, stays alive', async function () {
    this.timeout(300_000);
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-lsp-10k-'));
    roots.push(root);
    const project = path.join(root, 'services', 'billing');
    const versions = path.join(project, 'alembic', 'versions');
    fs.mkdirSync(versions, { recursive: true });
    fs.writeFileSync(path.join(project, 'alembic.ini'), ALEMBIC_INI);
    fs.writeFileSync(path.join(project, 'alembic', 'env.py'), '');
    const REVISIONS = 2000;
    const id = (i: number): string => `r${String(i).padStart(4, '0')}`;
    for (let i = 0; i < REVISIONS; i++)
      fs.writeFileSync(path.join(versions, `${id(i)}_step.py`), revision(id(i), i === 0 ? null : id(i - 1)));
    // 8,000 files that are not revisions, in the folders the project search walks through.
    let others = 0;
    for (let pkg = 0; pkg < 40; pkg++) {
      const dir = path.join(root, 'app', `pkg${pkg}`, 'sub');
      fs.mkdirSync(dir, { recursive: true });
      for (let m = 0; m < 100; m++, others++)
        fs.writeFileSync(path.join(dir, `module${m}.py`), `def f${m}():\n    return ${m}\n`);
      const docs = path.join(root, 'docs', `part${pkg}`);
      fs.mkdirSync(docs, { recursive: true });
      for (let m = 0; m < 100; m++, others++) fs.writeFileSync(path.join(docs, `note${m}.txt`), `note ${m}\n`);
    }
    assert.equal(REVISIONS + others, 10_000);

    const session = start(root);
    const started = Date.now();
    await session.initialize();
    const head = path.join(versions, `${id(REVISIONS - 1)}_step.py`);
    await session.open(head, revision(id(REVISIONS - 1), id(REVISIONS - 2), 'pass'));
    // Requests are answered while the index builds (it yields between files).
    const begun = await (async () => {
      for (;;) {
        const b = session.progress.find((p) => p.value.kind === 'begin');
        if (b) return b;
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    assert.match(begun.value.title ?? '', /Schema Warden/);
    const rules = await session.connection.sendRequest<unknown[]>('schemaWarden/listRules');
    const answeredWhileIndexing = !session.progress.some((p) => p.value.kind === 'end');
    await session.connection.sendRequest('textDocument/hover', {
      textDocument: { uri: uriOf(head) },
      position: { line: 0, character: 0 },
    });
    assert.ok(rules.length > 5);
    assert.ok(answeredWhileIndexing, 'schemaWarden/listRules was answered before the indexing progress ended');

    const { diagnostics } = await session.waitForDiagnostics(head, (d) => d.version === 1, 240_000);
    assert.ok(codes(diagnostics).includes('SW101'), `the open head's own findings: ${codes(diagnostics)}`);
    const ready = await session.waitForStatus((s) => s.state === 'ready' && s.filesAnalysed === REVISIONS, 240_000);
    const ms = Date.now() - started;
    assert.equal(ready.projects, 1);
    const reports = session.progress.filter((p) => p.value.kind === 'report');
    assert.ok(
      reports.some((p) => new RegExp(`^\\d+/${REVISIONS} revisions$`).test(p.value.message ?? '')),
      `progress says how far: ${JSON.stringify(reports.slice(0, 3))}`,
    );
    assert.ok(
      reports.some((p) => (p.value.percentage ?? 0) > 0 && (p.value.percentage ?? 0) < 100),
      'progress between 0 and 100 %',
    );
    await waitForLog(session, new RegExp(`Indexed ${REVISIONS} revision\\(s\\) in 1 project\\(s\\)`));
    await assertServing(session, path.join(versions, `${id(0)}_step.py`));
    assert.deepEqual(repeated(session.logs), []);
    console.log(
      `      indexed ${REVISIONS} revisions among 10,000 files: ready after ${ms} ms (${session.logs.find((l) => l.startsWith('Indexed'))})`,
    );
  });

  it("a document URI encoded as VS Code encodes it (( ) @ + as %XX) is the same document as the path's URI", async () => {
    const root = workspace({
      'proj (old)@v2+x/alembic.ini': ALEMBIC_INI,
      'proj (old)@v2+x/alembic/env.py': '',
      'proj (old)@v2+x/alembic/versions/a1_account.py': revision('a1', null, 'pass'),
    });
    const a1 = path.join(root, 'proj (old)@v2+x/alembic/versions/a1_account.py');
    // vscode-uri's encoding: everything but unreserved characters and '/'.
    const encoded =
      'file://' +
      a1
        .split('/')
        .map((segment) =>
          encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
        )
        .join('/');
    assert.notEqual(encoded, uriOf(a1), 'two spellings of one file');
    const session = start(root);
    await session.initialize();
    await session.connection.sendNotification('textDocument/didOpen', {
      textDocument: { uri: encoded, languageId: 'python', version: 1, text: fs.readFileSync(a1, 'utf8') },
    });
    const { diagnostics } = await session.waitForDiagnostics(a1, (d) => d.version === 1);
    const sw101 = diagnostics.find((d) => d.code === 'SW101');
    assert.ok(sw101, `SW101 among ${codes(diagnostics)}`);
    const actions = await session.connection.sendRequest<CodeAction[]>('textDocument/codeAction', {
      textDocument: { uri: encoded },
      range: sw101.range,
      context: { diagnostics: [sw101] },
    });
    assert.ok(
      actions.some((a) => a.title.startsWith('Add downgrade')),
      `the fix is offered: ${actions.map((a) => a.title)}`,
    );
    await session.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri: encoded, version: 2 },
      contentChanges: [
        {
          range: { start: { line: 21, character: 4 }, end: { line: 21, character: 8 } },
          text: 'op.drop_column("account", "a1_flag")',
        },
      ],
    });
    const fixed = await session.waitForDiagnostics(a1, (d) => d.version === 2);
    assert.ok(
      !codes(fixed.diagnostics).includes('SW101'),
      `the edit of the open document is linted: ${codes(fixed.diagnostics)}`,
    );
    await session.connection.sendNotification('textDocument/didClose', { textDocument: { uri: encoded } });
    const closed = await session.waitForDiagnostics(a1, (d) => d.version === undefined);
    assert.ok(codes(closed.diagnostics).includes('SW101'), 'closed: the file on disk is the truth again');
    assert.deepEqual(
      session.logs.filter((l) => /not open/.test(l)),
      [],
    );
  });

  it('a revision folder with symbolic link loops and a dangling link: no hang, each problem logged once across re-indexing, the CLI ends too', async () => {
    const root = workspace({
      'alembic.ini': `${ALEMBIC_INI}recursive_version_locations = true\n`,
      'alembic/env.py': '',
      'alembic/versions/a1_account.py': revision('a1', null),
      'alembic/versions/sub/b1_flag.py': revision('b1', 'a1'),
    });
    const versions = path.join(root, 'alembic', 'versions');
    fs.symlinkSync('..', path.join(versions, 'loop')); // versions/loop -> alembic/: contains versions/
    fs.symlinkSync('.', path.join(versions, 'sub', 'self')); // a folder linked to itself
    fs.symlinkSync('y_loop.py', path.join(versions, 'x_loop.py')); // two links pointing at each other
    fs.symlinkSync('x_loop.py', path.join(versions, 'y_loop.py'));
    fs.symlinkSync('missing.py', path.join(versions, 'dangling.py'));
    fs.symlinkSync('a1_account.py', path.join(versions, 'a1_again.py')); // the same revision under a second name
    const expected: Array<[string, RegExp]> = [
      ['loop', /versions\/loop is a symbolic link to .*\/alembic, a folder that contains it: a loop/],
      ['self', /versions\/sub\/self is a symbolic link to .*\/versions\/sub, a folder that contains it: a loop/],
      ['x_loop', /versions\/x_loop\.py is a symbolic link loop: Alembic fails to load the revisions/],
      ['y_loop', /versions\/y_loop\.py is a symbolic link loop/],
      [
        'dangling',
        /versions\/dangling\.py is a symbolic link to missing\.py, which does not exist: Alembic fails to load the revisions/,
      ],
      ['again', /versions\/a1_again\.py is the same file as .*versions\/a1_account\.py/],
    ];

    const session = start(root);
    await session.initialize();
    await session.waitForStatus((s) => s.state === 'ready');
    const revisions = async (): Promise<string[]> =>
      (await session.connection.sendRequest<Array<{ revision: string }>>('schemaWarden/listRevisions', {})).map(
        (r) => r.revision,
      );
    assert.deepEqual(await revisions(), ['b1', 'a1'], 'the two real revisions, a1 once');
    for (const [, pattern] of expected) await waitForLog(session, pattern);

    // Re-indexing (a changed alembic.ini, changed settings, Lint workspace) and events for the links.
    const ini = path.join(root, 'alembic.ini');
    await session.connection.sendNotification('workspace/didChangeWatchedFiles', {
      changes: [{ uri: uriOf(ini), type: 2 }],
    });
    await session.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
    await session.connection.sendNotification('workspace/didChangeWatchedFiles', {
      changes: [
        { uri: uriOf(path.join(versions, 'dangling.py')), type: 2 },
        { uri: uriOf(path.join(versions, 'x_loop.py')), type: 1 },
        { uri: uriOf(path.join(versions, 'loop', 'versions', 'a1_account.py')), type: 1 }, // the same file through the loop
      ],
    });
    const linted = await session.connection.sendRequest<{ files: number }>('schemaWarden/lintWorkspace');
    assert.equal(linted.files, 2);
    assert.deepEqual(await revisions(), ['b1', 'a1'], 'no revision twice through the loop');
    for (const [name, pattern] of expected)
      assert.equal(count(session.logs, pattern), 1, `${name} logged exactly once:\n${session.logs.join('\n')}`);
    assert.ok(count(session.logs, /^Indexed 2 revision/) >= 2, 'it did index again');
    await assertServing(session, path.join(versions, 'a1_account.py'));

    // The CLI: ends, lints the two revisions, says each problem once; a code that means findings, not a crash.
    for (const target of [root, versions]) {
      const r = spawnSync(process.execPath, [CLI, 'lint', '--no-color', target], {
        cwd: root,
        encoding: 'utf8',
        timeout: 60_000,
      });
      assert.equal(r.error, undefined, `schema-warden lint ${target} ended by itself`);
      assert.ok(
        r.status === 0 || r.status === 1,
        `exit code ${r.status} (0 or 1: the findings decide)\n${r.stdout}\n${r.stderr}`,
      );
      assert.equal(r.stderr, '', 'no crash');
      // The versions folder is linted as part of its project: both revisions, sub/ included (recursive location).
      assert.match(r.stdout, /\b2 files\b/, r.stdout);
      const says = (pattern: RegExp): number =>
        r.stdout.split('\n').filter((l) => l.startsWith('warning: ') && pattern.test(l)).length;
      assert.equal(says(expected[4][1]), 1, `dangling link said once:\n${r.stdout}`);
      assert.equal(says(expected[2][1]), 1, 'link loop said once');
      if (target === root) assert.equal(says(expected[0][1]), 1, 'folder loop said once');
    }
  });
});

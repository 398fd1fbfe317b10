// Issue #14 in a real editor: quick fixes that keep comments with their statements, no edits on
// committed history, the light bulb's order. Revisions are written into the temp copy of the
// fixture workspace and removed again, so the suites after this one see its single head.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { waitFor, workspaceRoot as root } from './helpers';

const EXTENSION_ID = 'schema-warden.schema-warden';

const ours = (uri: vscode.Uri): vscode.Diagnostic[] =>
  vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'schema-warden');
const codeOf = (d: vscode.Diagnostic): string => String(typeof d.code === 'object' ? d.code.value : d.code);
const withCode = (uri: vscode.Uri, code: string): vscode.Diagnostic | undefined =>
  ours(uri).find((d) => codeOf(d) === code);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const revisionText = (id: string, parent: string, body: string): string => `"""${id} for the editor tests

Revision ID: ${id}
Revises: ${parent}
Create Date: 2025-02-01 00:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = "${id}"
down_revision = "${parent}"
branch_labels = None
depends_on = None


def upgrade() -> None:
${body}


def downgrade() -> None:
    op.drop_index("ix_account_email", table_name="account")
`;

/** The code actions VS Code's light bulb gets for one diagnostic, asked until the server answers for the shown version. */
async function quickFixesFor(uri: vscode.Uri, code: string, until: (a: vscode.CodeAction[]) => boolean) {
  let actions: vscode.CodeAction[] = [];
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const finding = withCode(uri, code);
    if (finding) {
      actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
        'vscode.executeCodeActionProvider',
        uri,
        finding.range,
        vscode.CodeActionKind.QuickFix.value,
      );
      if (until(actions)) return actions;
    }
    await sleep(200);
  }
  throw new Error(`no fitting code actions on ${code}: ${actions.map((a) => a.title).join(' | ')}`);
}

describe('issue 14: quick fixes that never fight', function () {
  this.timeout(120_000);
  const written: string[] = [];
  const write = (name: string, text: string): vscode.Uri => {
    const uri = vscode.Uri.joinPath(root(), 'alembic', 'versions', name);
    fs.writeFileSync(uri.fsPath, text);
    written.push(uri.fsPath);
    return uri;
  };

  before(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)!.activate();
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    for (const file of written) fs.rmSync(file, { force: true });
    fs.rmSync(path.join(root().fsPath, '.git'), { recursive: true, force: true });
  });

  it('the lock-timeout and concurrent-index fixes keep the # rationale: comment on its call (no SW201)', async () => {
    const body = [
      '    # rationale: sign-in looks accounts up by email',
      '    op.create_index("ix_account_email", "account", ["email"])',
    ].join('\n');
    for (const [code, title] of [
      ['SW603', 'Set lock_timeout at the start of the upgrade'],
      ['SW601', 'Build the index concurrently in an autocommit block'],
    ] as const) {
      const uri = write(`e2e_fix_${code}.py`, revisionText(`e2e${code}`, '0001', body));
      const doc = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(doc);
      const actions = await quickFixesFor(uri, code, (a) => a.some((x) => x.title === title));
      const fix = actions.find((a) => a.title === title)!;
      assert.ok(fix.edit && (await vscode.workspace.applyEdit(fix.edit)), `${title} applies`);
      const text = doc.getText();
      assert.match(text, /# rationale: sign-in looks accounts up by email\n\s+op\.create_index\(/, text);
      await waitFor(`${code} to go away`, 20_000, () => (withCode(uri, code) ? undefined : true));
      await sleep(1_000); // the cross-file pass too
      assert.equal(withCode(uri, 'SW201'), undefined, `${title} brought SW201 back:\n${text}`);
      await doc.save();
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      fs.rmSync(uri.fsPath, { force: true });
    }
  });

  it('a revision with a committed child gets no edit, but the decision record and the reason', async () => {
    const parent = write(
      'e2e_locked_parent.py',
      revisionText(
        'e2elp',
        '0001',
        '    # rationale: sign-in\n    op.create_index("ix_account_email", "account", ["email"])',
      ),
    );
    write('e2e_locked_child.py', revisionText('e2elc', 'e2elp', '    op.execute("SELECT 1")'));
    const git = (...args: string[]): void => {
      execFileSync('git', ['-c', 'user.name=e2e', '-c', 'user.email=e2e@example.com', ...args], {
        cwd: root().fsPath,
        stdio: 'ignore',
      });
    };
    git('init', '-q');
    git('add', '-A');
    git('commit', '-q', '-m', 'history');
    const doc = await vscode.workspace.openTextDocument(parent);
    const editor = await vscode.window.showTextDocument(doc);
    // an edit that changes nothing the rules see makes the server lint (and ask git) again
    await editor.edit((b) => b.insert(new vscode.Position(doc.lineCount - 1, 0), '\n'));
    const actions = await quickFixesFor(parent, 'SW601', (a) => a.some((x) => /history is committed/.test(x.title)));
    assert.deepEqual(
      actions.filter((a) => a.edit).map((a) => a.title),
      [],
      'no quick fix edits a revision whose child is committed',
    );
    const allow = actions.find((a) => /^Allow SW601 with a decision record…/.test(a.title));
    assert.ok(allow, actions.map((a) => a.title).join(' | '));
    const disabled = actions.find((a) => a.disabled);
    if (disabled) assert.match(disabled.disabled!.reason, /committed child \(e2elc.*new revision/);
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });
});

describe('issue 14: rule documentation inside VS Code, offline', function () {
  this.timeout(90_000);
  const previewTabs = (): string[] =>
    vscode.window.tabGroups.all
      .flatMap((g) => g.tabs)
      .filter((t) => t.input instanceof vscode.TabInputWebview && /markdown\.preview/.test(t.input.viewType))
      .map((t) => t.label);
  const waitForPreview = (ruleId: string): Promise<string> =>
    waitFor(`the rendered page of ${ruleId}`, 20_000, () => previewTabs().find((l) => l.includes(ruleId)));

  before(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)!.activate();
  });
  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('ships every rule page in the extension', () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const pages = fs.readdirSync(path.join(ext.extensionPath, 'dist', 'rule-docs'));
    for (const id of ['SW101', 'SW201', 'SW510', 'SW603'])
      assert.ok(
        pages.some((p) => p.startsWith(`${id}-`)),
        `${id}'s page in dist/rule-docs`,
      );
  });

  it('the code link, "Show documentation" and the hover open the shipped page rendered', async () => {
    const uri = vscode.Uri.joinPath(root(), 'alembic', 'versions', '0001_missing_downgrade.py');
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const sw = await waitFor('a finding on the fixture revision', 30_000, () => ours(uri)[0]);
    const id = codeOf(sw);
    // 1. the diagnostic's code link is a command of this extension (no external-website prompt)
    const target = typeof sw.code === 'object' ? sw.code.target : undefined;
    assert.ok(target, 'the code has a link');
    assert.equal(target.scheme, 'command', `code link ${String(target)}`);
    assert.equal(target.path, 'schemaWarden.openRuleDocumentation');
    await vscode.commands.executeCommand(target.path, ...(JSON.parse(decodeURIComponent(target.query)) as string[]));
    await waitForPreview(id);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    // 2. "Show documentation for …" (the server's command, answered by the client)
    await vscode.window.showTextDocument(doc);
    const actions = await quickFixesFor(uri, id, (a) => a.some((x) => x.title.startsWith('Show documentation')));
    const docs = actions.filter((a) => a.title.startsWith(`Show documentation for ${id}`));
    assert.equal(docs.length, 1, 'one "Show documentation" entry per rule');
    await vscode.commands.executeCommand(docs[0].command!.command, ...(docs[0].command!.arguments ?? []));
    await waitForPreview(id);
    // 3. the hover links to the same command, trusted for it only
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider',
      uri,
      sw.range.start,
    );
    const text = hovers
      .flatMap((h) => h.contents)
      .map((c) => (typeof c === 'string' ? c : c.value))
      .join('\n');
    assert.match(text, /\]\(command:schemaWarden\.openRuleDocumentation\?/);
    assert.doesNotMatch(text, /https?:\/\//, 'no web link in the hover');
  });
});

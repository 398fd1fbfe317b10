// Issue #14 in a real editor: quick fixes that keep comments with their statements, no edits on
// committed history, the light bulb's order. Revisions are written into the temp copy of the
// fixture workspace and removed again, so the suites after this one see its single head.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { EXTENSION_ID, waitFor, workspaceRoot as root } from './helpers';

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
      // A plain index build reads the whole table under its lock: SW603 sets statement_timeout too (#17).
      ['SW603', 'Set lock_timeout and statement_timeout at the start of the upgrade'],
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

describe('issue 14: decision records asked for, complete, after the real fixes', function () {
  this.timeout(120_000);
  const decisions = (): string => path.join(root().fsPath, 'docs', 'decisions');
  const records = (): string[] => (fs.existsSync(decisions()) ? fs.readdirSync(decisions()).sort() : []);
  const accept = async (): Promise<void> => {
    await sleep(700); // the quick input is shown
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
  };
  const cascade = (id: string): string =>
    revisionText(
      id,
      '0001',
      [
        '    # rationale: invoice lines belong to their invoice.',
        '    op.add_column("account", sa.Column("owner_id", sa.Uuid(), sa.ForeignKey("account.id", ondelete="CASCADE"), nullable=True, comment="the owner"))',
      ].join('\n'),
    ).replace('op.drop_index("ix_account_email", table_name="account")', 'op.drop_column("account", "owner_id")');
  const written: string[] = [];

  before(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)!.activate();
  });
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.files.saveAll');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    for (const f of written) fs.rmSync(f, { force: true });
  });

  it('the menu: fixes first, then one "Allow…" per rule and line, then one "Show documentation" per rule', async () => {
    const uri = vscode.Uri.joinPath(root(), 'alembic', 'versions', 'e2e_menu.py');
    fs.writeFileSync(
      uri.fsPath,
      revisionText('e2emenu', '0001', '    op.create_index("ix_account_email", "account", ["email"])'),
    );
    written.push(uri.fsPath);
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const finding = await waitFor('SW601 and SW603 on one call', 30_000, () =>
      withCode(uri, 'SW601') && withCode(uri, 'SW603') ? withCode(uri, 'SW601') : undefined,
    );
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      uri,
      finding.range,
      vscode.CodeActionKind.QuickFix.value,
    );
    const titles = actions.map((a) => a.title);
    const kindOf = (t: string): number =>
      t.startsWith('Allow ') ? 1 : t.startsWith('Show documentation') ? 2 : t.startsWith('Fix all') ? 3 : 0;
    const kinds = titles.map(kindOf);
    assert.deepEqual(kinds, [...kinds].sort(), `fixes, then allow, then docs: ${titles.join(' | ')}`);
    for (const rule of ['SW601', 'SW603', 'SW201'])
      assert.ok(
        titles.filter((t) => t.startsWith(`Show documentation for ${rule}`)).length <= 1,
        `at most one docs entry for ${rule}: ${titles.join(' | ')}`,
      );
    assert.equal(new Set(titles).size, titles.length, `no entry twice: ${titles.join(' | ')}`);
  });

  it('"Allow … with a decision record…" asks for the title first (prefilled), then writes a complete record and the waiver', async () => {
    const uri = vscode.Uri.joinPath(root(), 'alembic', 'versions', 'e2e_allow.py');
    fs.writeFileSync(uri.fsPath, cascade('e2eallow'));
    written.push(uri.fsPath);
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const actions = await quickFixesFor(uri, 'SW303', (a) => a.some((x) => x.title.startsWith('Allow SW303')));
    const allow = actions.find((a) => a.title.startsWith('Allow SW303'))!;
    const before = records();
    const done = vscode.commands.executeCommand(allow.command!.command, ...(allow.command!.arguments ?? []));
    await sleep(1_000);
    assert.deepEqual(records(), before, 'nothing is written before the title is confirmed');
    assert.doesNotMatch(doc.getText(), /schema-warden: allow/, 'the revision is not edited yet');
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    await done;
    const added = records().filter((r) => !before.includes(r));
    assert.equal(added.length, 1, `one new record: ${added.join(', ')}`);
    written.push(path.join(decisions(), added[0]));
    assert.match(
      added[0],
      /^\d{4}-allow-sw303-in-revision-e2eallow\.md$/,
      'the prefilled title names rule and revision',
    );
    const text = fs.readFileSync(path.join(decisions(), added[0]), 'utf8');
    for (const section of ['Context', 'Decision', 'Impact analysis', 'Rollback plan', 'Monitoring plan'])
      assert.match(text, new RegExp(`^## ${section}$`, 'm'));
    assert.match(text, /^rules: \["SW303"\]$/m);
    assert.match(text, /^revisions: \["e2eallow"\]$/m);
    await waitFor('the waiver above the finding', 15_000, () =>
      /# schema-warden: allow SW303 decision=\d{4}\n\s+op\.add_column/.test(doc.getText()) ? true : undefined,
    );
    // backing out of the question writes nothing
    const again = vscode.commands.executeCommand(allow.command!.command, ...(allow.command!.arguments ?? []));
    await sleep(800);
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    await again;
    assert.equal(records().length, before.length + 1, 'Escape writes no record');
  });

  it('"Add the missing sections" on an incomplete record: one finding per missing section, one fix for all', async () => {
    fs.mkdirSync(decisions(), { recursive: true });
    const file = path.join(decisions(), '0090-incomplete.md');
    fs.writeFileSync(
      file,
      '---\nid: "0090"\ntitle: "Incomplete"\nstatus: proposed\ndate: 2025-02-01\nrules: ' +
        '["SW303"]\nrevisions: ["*"]\n---\n\n# 0090. Incomplete\n\n## Context\n\nWhy.\n\n## ' +
        'Decision\n\nWhat.\n',
    );
    written.push(file);
    const uri = vscode.Uri.file(file);
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const missing = await waitFor('a finding per missing section', 30_000, () => {
      const found = ours(uri).filter((d) => /section is missing/.test(d.message));
      return found.length === 3 ? found : undefined;
    });
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      uri,
      missing[0].range,
      vscode.CodeActionKind.QuickFix.value,
    );
    const titles = actions.map((a) => a.title);
    assert.equal(titles.filter((t) => t === 'Add the missing sections').length, 1, titles.join(' | '));
    assert.equal(titles.filter((t) => t.startsWith('Show documentation')).length, 1, titles.join(' | '));
    const fix = actions.find((a) => a.title === 'Add the missing sections')!;
    assert.ok(fix.edit && (await vscode.workspace.applyEdit(fix.edit)));
    assert.match(
      doc.getText(),
      /## Impact analysis\n\n<!--.*-->\n\n## Rollback plan\n\n<!--.*-->\n\n## Monitoring plan\n/,
    );
    await waitFor('the missing-section findings to go', 20_000, () =>
      ours(uri).some((d) => /section is missing/.test(d.message)) ? undefined : true,
    );
    await doc.save();
  });

  it('the palette flow ranks the rule and revision at hand first and inserts the waiver too', async () => {
    const uri = vscode.Uri.joinPath(root(), 'alembic', 'versions', 'e2e_palette.py');
    fs.writeFileSync(uri.fsPath, cascade('e2epal'));
    written.push(uri.fsPath);
    const doc = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(doc);
    const finding = await waitFor('SW303', 30_000, () => withCode(uri, 'SW303'));
    editor.selection = new vscode.Selection(finding.range.start, finding.range.start);
    const before = records();
    // the title (prefilled), the rules (the one at the cursor first and ticked), the revisions
    // (this file's first and ticked): each accepted as it is offered
    let created: string | undefined;
    let finished = false;
    void vscode.commands.executeCommand<string>('schemaWarden.newDecisionRecord').then((uri) => {
      created = uri;
      finished = true;
    });
    for (let i = 0; i < 60 && !finished; i++) await accept();
    assert.ok(created, 'a record was made');
    const added = records().filter((r) => !before.includes(r));
    written.push(...added.map((r) => path.join(decisions(), r)));
    const text = fs.readFileSync(vscode.Uri.parse(created).fsPath, 'utf8');
    // the rules of the findings at the cursor (SW303, SW603 and SW606 share the line), and only those
    assert.match(text, /^rules: \["SW(?:303|603|606)"(?:, "SW(?:303|603|606)")*\]$/m, text);
    assert.match(text, /"SW303"/, text);
    assert.match(text, /^revisions: \["e2epal"\]$/m, text);
    await waitFor('the waiver in the revision', 15_000, () =>
      /# schema-warden: allow SW[36]03 decision=\d{4}\n\s+op\.add_column/.test(doc.getText()) ? true : undefined,
    );
  });
});

describe('issue 14: the sidebar fits its default width', function () {
  this.timeout(90_000);
  interface Ui {
    runner: {
      results: vscode.TreeDataProvider<vscode.TreeItem> & { message: string | undefined };
      database: vscode.TreeDataProvider<vscode.TreeItem> & { onDidChangeTreeData: vscode.Event<unknown> };
      service: { lastResult: unknown };
    };
  }
  let api: Ui;
  before(async () => {
    api = (await vscode.extensions.getExtension(EXTENSION_ID)!.activate()) as Ui;
    await vscode.commands.executeCommand('workbench.view.extension.schemaWarden');
  });
  after(async () => {
    await vscode.workspace
      .getConfiguration('schemaWarden')
      .update('runner.target', undefined, vscode.ConfigurationTarget.Workspace);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('before any run, Results shows its welcome with a Verify button (no message hides it)', async () => {
    assert.equal(api.runner.service.lastResult, undefined, 'nothing ran in this window');
    assert.deepEqual(await api.runner.results.getChildren(), []);
    assert.equal(api.runner.results.message, undefined);
    const welcome = (
      vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON.contributes.viewsWelcome as Array<{
        view: string;
        contents: string;
        when: string;
      }>
    ).filter((w) => w.view === 'schemaWarden.results' && w.when === 'isWorkspaceTrusted');
    assert.match(welcome[0]?.contents ?? '', /\[Verify round trips\]\(command:schemaWarden\.verifyRoundTrips\)/);
  });

  it('Database rows are short, the details are in tooltips and a click shows them whole; the view follows the target setting', async () => {
    const rows = (await api.runner.database.getChildren()) as vscode.TreeItem[];
    assert.ok(rows.length >= 2);
    for (const row of rows) {
      const shown = `${String(row.label)}  ${String(row.description ?? '')}`;
      assert.ok(shown.length <= 42, `"${shown}" fits the default width`);
    }
    const target = rows.find((r) => r.label === 'Target')!;
    assert.match(String(target.tooltip), /schemaWarden\.runner\.target/);
    assert.equal(target.command?.command, 'schemaWarden.showRunnerDetail');
    // the detail panel: the whole text, wrapped, in the Markdown preview
    const command = target.command!;
    await vscode.commands.executeCommand(command.command, ...(command.arguments ?? []));
    const labels = (): string[] =>
      vscode.window.tabGroups.all
        .flatMap((g) => g.tabs)
        .filter((t) => t.input instanceof vscode.TabInputWebview)
        .map((t) => t.label);
    await waitFor(`the detail panel among ${labels().join(', ')}`, 20_000, () =>
      labels().find((l) => /Database\s+Target/.test(l)),
    );
    // the target setting changes: the view says so without a reload
    let fired = false;
    const listening = api.runner.database.onDidChangeTreeData(() => (fired = true));
    await vscode.workspace
      .getConfiguration('schemaWarden')
      .update('runner.target', 'url', vscode.ConfigurationTarget.Workspace);
    await waitFor('the Database view to refresh', 10_000, () => (fired ? true : undefined));
    listening.dispose();
    const after = (await api.runner.database.getChildren()) as vscode.TreeItem[];
    assert.match(String(after.find((r) => r.label === 'Target')?.description), /^url/);
  });
});

describe('issue 14: words', function () {
  this.timeout(60_000);
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('the hover on SQL says "CREATE TRIGGER", not the parser\'s "CreateTrig"', async () => {
    const uri = vscode.Uri.joinPath(root(), 'alembic', 'versions', 'e2e_words.py');
    const text = revisionText(
      'e2ewords',
      '0001',
      '    op.execute("CREATE TRIGGER account_touch BEFORE UPDATE ON account FOR EACH ROW EXECUTE FUNCTION touch()")\n    op.execute("DROP TABLE account")',
    );
    fs.writeFileSync(uri.fsPath, text);
    try {
      const doc = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(doc);
      await waitFor('the revision to be linted', 30_000, () => (ours(uri).length ? true : undefined));
      const hoverText = async (needle: string): Promise<string> => {
        const at = doc.positionAt(doc.getText().indexOf(needle) + 3);
        const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, at);
        return hovers
          .flatMap((h) => h.contents)
          .map((c) => (typeof c === 'string' ? c : c.value))
          .join('\n');
      };
      const trigger = await hoverText('CREATE TRIGGER');
      assert.match(trigger, /\*\*CREATE TRIGGER\*\*/, trigger);
      assert.doesNotMatch(trigger, /CreateTrig/);
      const drop = await hoverText('DROP TABLE');
      assert.match(drop, /\*\*DROP TABLE\*\*/, drop);
    } finally {
      fs.rmSync(uri.fsPath, { force: true });
    }
  });

  it('"Lint workspace" counts in the status item\'s words', async () => {
    const result = await vscode.commands.executeCommand<{ files: number; errors: number; warnings: number }>(
      'schemaWarden.lintWorkspace',
    );
    assert.ok(result && result.files >= 1, 'the workspace was linted');
  });
});

describe('issue 14: the quick-fix menu', function () {
  this.timeout(60_000);
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('SW101\'s "Add downgrade" is offered anywhere in the empty downgrade(), on `pass` too', async () => {
    const uri = vscode.Uri.joinPath(root(), 'alembic', 'versions', 'e2e_pass.py');
    fs.writeFileSync(
      uri.fsPath,
      revisionText(
        'e2epass',
        '0001',
        '    op.add_column("account", sa.Column("note", sa.Text(), comment="a note"))',
      ).replace('    op.drop_index("ix_account_email", table_name="account")', '    pass'),
    );
    try {
      const doc = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(doc);
      await waitFor('SW101', 30_000, () => withCode(uri, 'SW101'));
      const passLine = doc.getText().split('\n').lastIndexOf('    pass');
      const at = new vscode.Range(passLine, 5, passLine, 5);
      assert.equal(
        ours(uri).some((d) => d.range.contains(at)),
        false,
        'no diagnostic under the cursor on `pass`',
      );
      const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
        'vscode.executeCodeActionProvider',
        uri,
        at,
        vscode.CodeActionKind.QuickFix.value,
      );
      const fix = actions.find((a) => a.title.startsWith('Add downgrade'));
      assert.ok(fix?.edit, actions.map((a) => a.title).join(' | '));
      assert.ok(await vscode.workspace.applyEdit(fix.edit));
      assert.match(doc.getText(), /def downgrade\(\) -> None:\n    op\.drop_column\("account", "note"\)\n/);
      await doc.save();
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      fs.rmSync(uri.fsPath, { force: true });
    }
  });
});

describe('issue 14: setup paths', function () {
  this.timeout(90_000);

  it('"New revision" in a project without script.py.mako uses Alembic\'s default template', async function () {
    const python = path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, '.venv', 'bin', 'python');
    if (!fs.existsSync(python)) this.skip(); // scripts/setup-python.sh makes it (Alembic + SQLAlchemy)
    await vscode.workspace
      .getConfiguration('schemaWarden')
      .update('python', python, vscode.ConfigurationTarget.Workspace);
    const mako = path.join(root().fsPath, 'alembic', 'script.py.mako');
    const aside = `${mako}.aside`;
    fs.renameSync(mako, aside);
    let created: string | undefined;
    try {
      created = await vscode.commands.executeCommand<string>('schemaWarden.newRevision', 'without a template');
      assert.ok(created, 'the command returns the new file');
      const text = fs.readFileSync(created, 'utf8');
      assert.match(text, /^"""without a template$/m);
      assert.match(text, /^Revision ID: \w+$/m);
      assert.match(text, /^def downgrade\(\) -> None:$/m, "Alembic's generic template");
    } finally {
      fs.renameSync(aside, mako);
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      if (created) fs.rmSync(created, { force: true });
    }
  });
});

describe('issue 14: the walkthrough', function () {
  this.timeout(60_000);
  let api: { walkthrough: readonly string[] };
  before(async () => {
    api = (await vscode.extensions.getExtension(EXTENSION_ID)!.activate()) as typeof api;
  });
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('uses only valid completion events, and every step has a way to complete and an image', () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const steps = (
      ext.packageJSON.contributes.walkthroughs as Array<{
        steps: Array<{ id: string; completionEvents: string[]; media: { image?: string; markdown?: string } }>;
      }>
    )[0].steps;
    const valid =
      /^(onCommand|onContext|onView|onSettingChanged|onLink|onStepSelected|onExtensionInstalled|extensionInstalled):/;
    for (const step of steps) {
      assert.ok(step.completionEvents.length, `${step.id} can complete`);
      for (const event of step.completionEvents) assert.match(event, valid, `${step.id}: ${event}`);
      assert.ok(step.completionEvents.includes(`onContext:schemaWarden.walkthrough.${step.id}`));
      assert.ok(step.media.image, `${step.id} shows an image`);
      assert.ok(fs.existsSync(path.join(ext.extensionPath, step.media.image)), step.media.image);
    }
  });

  it('credits opening a revision and fixing a finding as they happen', async () => {
    const uri = vscode.Uri.joinPath(root(), 'alembic', 'versions', 'e2e_walk.py');
    fs.writeFileSync(
      uri.fsPath,
      revisionText(
        'e2ewalk',
        '0001',
        '    op.add_column("account", sa.Column("note", sa.Text(), comment="a note"))',
      ).replace('    op.drop_index("ix_account_email", table_name="account")', '    pass'),
    );
    try {
      const doc = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(doc);
      await waitFor('the openRevision step', 10_000, () =>
        api.walkthrough.includes('openRevision') ? true : undefined,
      );
      const sw101 = await waitFor('SW101', 30_000, () => withCode(uri, 'SW101'));
      const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
        'vscode.executeCodeActionProvider',
        uri,
        sw101.range,
        vscode.CodeActionKind.QuickFix.value,
      );
      const fix = actions.find((a) => a.title.startsWith('Add downgrade'));
      assert.ok(fix?.edit && (await vscode.workspace.applyEdit(fix.edit)));
      await waitFor('the fix step', 20_000, () => (api.walkthrough.includes('fix') ? true : undefined));
      await doc.save();
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      fs.rmSync(uri.fsPath, { force: true });
    }
  });
});

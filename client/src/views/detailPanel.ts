// Long runner texts (Postgres' errors, schema differences, tracebacks, why a target was chosen)
// do not fit a tree row at the sidebar's default width: the row shows the start, its tooltip and
// this panel the whole text, wrapped (a read-only Markdown document in the preview, beside).
import * as vscode from 'vscode';

export const SHOW_DETAIL = 'schemaWarden.showRunnerDetail';
const SCHEME = 'schema-warden-detail';

/** The command a tree row runs to show its whole text. */
export function detailCommand(title: string, text: string): vscode.Command {
  return { title: 'Show details', command: SHOW_DETAIL, arguments: [title, text] };
}

export function registerDetailPanel(): vscode.Disposable {
  const texts = new Map<string, string>();
  const changed = new vscode.EventEmitter<vscode.Uri>();
  let next = 0;
  return vscode.Disposable.from(
    changed,
    vscode.workspace.registerTextDocumentContentProvider(SCHEME, {
      onDidChange: changed.event,
      provideTextDocumentContent: (uri) => texts.get(uri.path) ?? '',
    }),
    vscode.commands.registerCommand(SHOW_DETAIL, async (title: string, text: string) => {
      const name = `/${++next}/${title.replace(/[^\w .-]+/g, ' ').trim() || 'details'}.md`;
      // Plain paragraphs wrap in the preview; a code block would not.
      const escaped = text.replace(/[\\`*_<>[\]#|]/g, (c) => `\\${c}`);
      texts.set(
        name,
        `# ${title}\n\n${escaped
          .split(/\n{2,}/)
          .map((p) => p.replace(/\n/g, '  \n'))
          .join('\n\n')}\n`,
      );
      const uri = vscode.Uri.from({ scheme: SCHEME, path: name });
      await vscode.commands.executeCommand('markdown.showPreviewToSide', uri);
      return uri.toString();
    }),
  );
}

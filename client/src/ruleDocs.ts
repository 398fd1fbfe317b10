import * as vscode from 'vscode';
import type * as lc from 'vscode-languageclient/node';
import { ServerCommands } from '../../server/src/shared/protocol';

/**
 * Rule documentation without a browser: the pages of docs/rules ship in the .vsix
 * (dist/rule-docs/, copied by scripts/bundle.mjs) and open in VS Code's Markdown preview, offline.
 * The server speaks of its pages by their web address (other editors open those); the middleware
 * below turns every route of this editor — the diagnostic's code link, "Show documentation", the
 * hover's link — into the command that shows the shipped page.
 */
export const OPEN_RULE_DOCS = 'schemaWarden.openRuleDocumentation';
const DOCS_FOLDER = ['dist', 'rule-docs'];
const RULE_ID = /^SW\d{3}$/;
/** A rule's page as the server links it: `…/docs/rules/SW101-require-downgrade.md`. */
const PAGE_LINK = /https?:\/\/[^\s)]*\/docs\/rules\/(SW\d{3})-[a-z0-9-]+\.md/g;

/** `command:` link that opens a rule's page (VS Code's links open commands from the Problems view and hovers). */
export function ruleDocsCommandUri(ruleId: string): vscode.Uri {
  return vscode.Uri.parse(`command:${OPEN_RULE_DOCS}?${encodeURIComponent(JSON.stringify([ruleId]))}`);
}

/** The shipped page of a rule, or undefined when this build has none. */
export async function ruleDocsFile(extensionUri: vscode.Uri, ruleId: string): Promise<vscode.Uri | undefined> {
  if (!RULE_ID.test(ruleId)) return undefined;
  const folder = vscode.Uri.joinPath(extensionUri, ...DOCS_FOLDER);
  try {
    const entries = await vscode.workspace.fs.readDirectory(folder);
    const name = entries.map(([n]) => n).find((n) => n.startsWith(`${ruleId}-`) && n.endsWith('.md'));
    return name ? vscode.Uri.joinPath(folder, name) : undefined;
  } catch {
    return undefined;
  }
}

/** Opens a rule's shipped page rendered (Markdown preview); false when the page is not shipped. */
export async function showRuleDocs(extensionUri: vscode.Uri, ruleId: string): Promise<boolean> {
  const file = await ruleDocsFile(extensionUri, ruleId);
  if (!file) return false;
  await vscode.commands.executeCommand('markdown.showPreview', file);
  return true;
}

/** The language client's middleware that keeps rule documentation inside VS Code. */
export function ruleDocsMiddleware(extensionUri: vscode.Uri): lc.Middleware {
  return {
    handleDiagnostics(uri, diagnostics, next) {
      for (const d of diagnostics) {
        if (d.source === 'schema-warden' && typeof d.code === 'object' && RULE_ID.test(String(d.code.value)))
          d.code = { value: d.code.value, target: ruleDocsCommandUri(String(d.code.value)) };
      }
      next(uri, diagnostics);
    },
    async executeCommand(command, args, next) {
      if (command === ServerCommands.showRuleDocumentation && typeof args[0] === 'string') {
        if (await showRuleDocs(extensionUri, args[0])) return null;
      }
      return next(command, args);
    },
    async provideHover(document, position, token, next) {
      const hover = await next(document, position, token);
      if (!hover) return hover;
      const contents = hover.contents.map((c) => {
        if (!(c instanceof vscode.MarkdownString) || !PAGE_LINK.test(c.value)) return c;
        PAGE_LINK.lastIndex = 0;
        const md = new vscode.MarkdownString(
          c.value.replace(PAGE_LINK, (_, id: string) => ruleDocsCommandUri(id).toString()),
        );
        md.isTrusted = { enabledCommands: [OPEN_RULE_DOCS] };
        return md;
      });
      return new vscode.Hover(contents, hover.range);
    },
  };
}

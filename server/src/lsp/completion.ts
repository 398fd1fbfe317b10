import { CompletionItemKind, MarkupKind, type CompletionItem } from 'vscode-languageserver';
import { allRules } from '../rules';
import type { DecisionRecordInfo } from './decisions';
import { ruleMarkdown } from './hover';

/** `# schema-warden: allow SW101 decision=0007` (or `allow-file`), up to the cursor. */
const WAIVER_PREFIX = /#\s*schema-warden:\s*allow(?:-file)?\b(.*)$/;

function ruleItems(exclude: ReadonlySet<string>): CompletionItem[] {
  return allRules
    .filter((r) => !exclude.has(r.meta.id))
    .map((r) => ({
      label: r.meta.id,
      kind: CompletionItemKind.EnumMember,
      detail: r.meta.name,
      documentation: { kind: MarkupKind.Markdown, value: ruleMarkdown(r.meta.id) ?? r.meta.docs.summary },
      sortText: r.meta.id,
    }));
}

function decisionItems(records: readonly DecisionRecordInfo[], withKey: boolean): CompletionItem[] {
  return records.map((d) => ({
    label: withKey ? `decision=${d.id}` : d.id,
    kind: CompletionItemKind.Reference,
    detail: d.title,
    documentation: `${d.status ? `Status: ${d.status}. ` : ''}Covers ${d.rules.length ? d.rules.join(', ') : 'no rules yet'}.`,
    filterText: withKey ? `decision=${d.id} ${d.title}` : `${d.id} ${d.title}`,
    insertText: withKey ? `decision=${d.id}` : d.id,
    sortText: d.id,
  }));
}

/**
 * Completion inside a waiver comment: rule ids first; once a rule is written, `decision=` with
 * the project's records and their titles.
 */
export function waiverCompletion(
  lineBeforeCursor: string,
  records: () => readonly DecisionRecordInfo[],
): CompletionItem[] | undefined {
  const match = WAIVER_PREFIX.exec(lineBeforeCursor);
  if (!match) return undefined;
  const rest = match[1];
  if (rest !== '' && !/^\s/.test(rest)) return undefined; // `allowance`, not `allow `
  const words = rest.trim() === '' ? [] : rest.trim().split(/\s+/);
  const current = /\s$/.test(rest) || rest === '' ? '' : (words.pop() ?? '');
  const written = new Set(words.filter((w) => /^SW\d{3}$/.test(w)));
  if (current.startsWith('decision=')) return decisionItems(records(), false);
  if (words.some((w) => w.startsWith('decision='))) return [];
  const items = ruleItems(written);
  if (written.size > 0) items.push(...decisionItems(records(), true));
  return items;
}

/**
 * Completion in a decision record's front matter: rule ids on a `rules:` line (flow list) or in
 * the block list below it.
 */
export function frontMatterCompletion(
  lines: readonly string[],
  line: number,
  character: number,
): CompletionItem[] | undefined {
  if (lines[0]?.trim() !== '---') return undefined;
  const close = lines.findIndex((l, i) => i > 0 && l.trim() === '---');
  if (line === 0 || (close >= 0 && line >= close)) return undefined;
  const before = lines[line].slice(0, character);
  const listed = (text: string): Set<string> => new Set(text.match(/SW\d{3}/g) ?? []);
  if (/^rules:\s*(\[.*)?$/.test(before)) return ruleItems(listed(lines[line]));
  if (/^\s*-\s*\S*$/.test(before)) {
    // a block list item: find the key it belongs to
    for (let i = line - 1; i > 0; i--) {
      if (/^\s*-/.test(lines[i])) continue;
      if (/^rules:\s*$/.test(lines[i]))
        return ruleItems(listed(lines.slice(i, close < 0 ? lines.length : close).join('\n')));
      break;
    }
  }
  return undefined;
}

import pc from 'picocolors';
import { countBySeverity, type LintReport } from '../report';
import type { Finding } from '../../rules/types';
import { LineIndex } from '../../model/source';
import { remainingFixable } from './fixSummary';

/**
 * Annotated source lines, like ruff and squawk: the location, the rule, the message, then the
 * source line with the finding underlined. Colour only on a TTY (picocolors decides).
 */
export function formatText(report: LintReport, useColor: boolean): string {
  const c = pc.createColors(useColor);
  const out: string[] = [];
  for (const file of report.files) {
    const lines = new LineIndex(file.source);
    for (const finding of file.findings) {
      out.push(renderFinding(file.displayPath, lines, finding, c));
    }
  }
  for (const problem of report.problems) out.push(c.yellow(`warning: ${problem}`));
  const { errors, warnings, infos } = countBySeverity(report);
  const total = errors + warnings + infos;
  const { safe: fixable, unsafeOnly } = remainingFixable(report);
  if (total === 0)
    out.push(c.green(`All checks passed (${report.files.length} file${report.files.length === 1 ? '' : 's'}).`));
  else {
    out.push(
      `Found ${total} problem${total === 1 ? '' : 's'} (${errors} error` +
        `${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}, ${infos} ` +
        `info) in ${report.files.length} file${report.files.length === 1 ? '' : 's'}.`,
    );
    if (fixable) out.push(`${fixable} fixable with \`--fix\`.`);
    if (unsafeOnly)
      out.push(
        `${unsafeOnly} ${fixable ? 'more ' : ''}fixable with \`--fix --unsafe-fixes\` (fixes that may change what a migration does: review them).`,
      );
  }
  return out.join('\n') + '\n';
}

type Colors = ReturnType<typeof pc.createColors>;

/** A fix plain `--fix` leaves alone (it needs a person's review): where it is offered instead. */
const EDITOR_ONLY = ' (needs review: a quick fix in the editor, or --fix --unsafe-fixes)';

export function renderFinding(displayPath: string, lines: LineIndex, f: Finding, c: Colors): string {
  const sev = f.severity === 'error' ? c.red('error') : f.severity === 'warning' ? c.yellow('warning') : c.blue('info');
  const header =
    `${c.bold(displayPath)}:${f.range.start.line + 1}:${f.range.start.character + 1}: ${sev} ${c.bold(f.ruleId)} ` +
    `${c.dim(`[${f.ruleName}]`)} ${f.message}`;
  const lineNo = f.range.start.line;
  const text = lines.lineText(lineNo).replace(/\t/g, ' ');
  const gutter = String(lineNo + 1);
  const pad = ' '.repeat(gutter.length);
  const startCol = f.range.start.character;
  const endCol =
    f.range.end.line === lineNo ? Math.max(f.range.end.character, startCol + 1) : Math.max(text.length, startCol + 1);
  const marker = ' '.repeat(startCol) + '^'.repeat(Math.max(1, endCol - startCol));
  const helpLine = f.help ? `\n${pad} ${c.dim('=')} ${c.bold('help:')} ${f.help}` : '';
  const fixHint = f.fixes.length
    ? `\n${pad} ${c.dim('=')} ${c.cyan(`fix: ${f.fixes[0].title}${f.fixes[0].safe ? '' : EDITOR_ONLY}`)}`
    : '';
  return (
    `${header}\n${pad} ${c.dim('|')}\n${c.dim(gutter)} ${c.dim('|')} ${text}\n${pad} ${c.dim('|')} ` +
    `${f.severity === 'error' ? c.red(marker) : c.yellow(marker)}${helpLine}${fixHint}\n`
  );
}

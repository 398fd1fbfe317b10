import { DiagnosticSeverity, type Diagnostic, type DiagnosticRelatedInformation } from 'vscode-languageserver';
import type { ConfigError } from '../config/config';
import type { ProjectModel } from '../model/project';
import type { Range } from '../model/source';
import { ruleDocUrl } from '../shared/docsUrl';
import type { Finding, Severity } from '../rules/types';
import { DIAGNOSTIC_SOURCE, type DiagnosticData } from '../shared/protocol';
import { pathToUri } from './uri';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
};

const NOWHERE: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

/** A finding as an LSP diagnostic. `data` lets a code action find the finding again. */
export function toDiagnostic(finding: Finding, data: DiagnosticData, project: ProjectModel | undefined): Diagnostic {
  const diagnostic: Diagnostic = {
    range: finding.range,
    severity: SEVERITY[finding.severity],
    code: finding.ruleId,
    codeDescription: { href: ruleDocUrl(finding.ruleId, finding.ruleName) },
    source: DIAGNOSTIC_SOURCE,
    message: finding.message,
    data,
  };
  const related = finding.related.map((r): DiagnosticRelatedInformation => ({
    location: { uri: pathToUri(r.path), range: r.range ?? relatedRange(project, r.path, r.span) },
    message: r.message,
  }));
  // The help (what to do), at the finding's own place, after the rule's own related places: the
  // Problems panel shows it under the message, as rust-analyzer does with a compiler's "help:" notes.
  if (finding.help)
    related.push({
      location: { uri: pathToUri(finding.path), range: finding.range },
      message: `help: ${finding.help}`,
    });
  if (related.length) diagnostic.relatedInformation = related;
  return diagnostic;
}

/** Related information may point into another revision: its model has the line table. */
function relatedRange(
  project: ProjectModel | undefined,
  file: string,
  span: { start: number; end: number } | undefined,
): Range {
  const other = project?.byPath.get(file);
  return span && other ? other.lines.rangeOf(span.start, span.end) : NOWHERE;
}

/** A team configuration that cannot be read, shown on the file itself at the line the TOML parser named. */
export function configErrorDiagnostic(error: ConfigError): Diagnostic {
  const at = /\(line (\d+), column (\d+)\)/.exec(error.message);
  const line = at ? Math.max(0, Number(at[1]) - 1) : 0;
  const character = at ? Math.max(0, Number(at[2]) - 1) : 0;
  return {
    range: { start: { line, character }, end: { line, character: character + 1 } },
    severity: DiagnosticSeverity.Error,
    source: DIAGNOSTIC_SOURCE,
    message: `${error.message}. Schema Warden uses its defaults until this is fixed.`,
  };
}

/** A cheap fingerprint to skip re-publishing diagnostics that did not change. */
export function fingerprint(findings: readonly Finding[]): string {
  return findings
    .map(
      (f) => `${f.ruleId}|${f.severity}|${f.span.start}|${f.span.end}|${f.message}|${f.help ?? ''}|${f.related.length}`,
    )
    .join('\n');
}

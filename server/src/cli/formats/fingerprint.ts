import { createHash } from 'node:crypto';
import { LineIndex } from '../../model/source';
import type { Finding } from '../../rules/types';
import type { FileReport } from '../report';

/**
 * A finding's identity across commits, for GitLab's Code Quality `fingerprint` and SARIF's
 * `partialFingerprints`: the rule, the file (relative to the repository root) and the text the
 * finding points at with its whitespace collapsed, never a line number, so that lines added or
 * removed above a finding keep its fingerprint. Findings that share all three (the same call
 * written twice) are told apart by their order in the file.
 */
export function fingerprintsOf(file: FileReport, repoPath: string): Map<Finding, string> {
  const lines = new LineIndex(file.source);
  const seen = new Map<string, number>();
  const out = new Map<Finding, string>();
  for (const finding of file.findings) {
    const key = `${finding.ruleId}\0${repoPath}\0${flaggedText(file.source, lines, finding)}`;
    const occurrence = seen.get(key) ?? 0;
    seen.set(key, occurrence + 1);
    out.set(finding, createHash('sha256').update(`${key}\0${occurrence}`).digest('hex').slice(0, 32));
  }
  return out;
}

/** The lines the finding covers, whitespace collapsed (reformatting indentation keeps the identity). */
function flaggedText(source: string, lines: LineIndex, finding: Finding): string {
  const first = finding.range.start.line;
  const last = Math.max(first, finding.range.end.line);
  const text: string[] = [];
  for (let line = first; line <= last && line < first + 50; line++) text.push(lines.lineText(line));
  const collapsed = text.join(' ').replace(/\s+/g, ' ').trim();
  // A finding on an empty line (e.g. a missing docstring at the top) still needs something to hash.
  return collapsed || (source.length === 0 ? '' : `@${finding.range.start.character}`);
}

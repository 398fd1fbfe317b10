/**
 * How loud a finding is, declared once for the rules, the team's configuration, the editor's
 * settings and the protocol (client and server import it unchanged).
 */
export const SEVERITIES = ['error', 'warning', 'info'] as const;

/** A rule's default severity, and the severity of a finding. */
export type Severity = (typeof SEVERITIES)[number];

/** A severity setting (`[tool.schema-warden] severity`, `schemaWarden.severity`): a severity, or the rule off. */
export type SeverityLevel = Severity | 'off';

const LEVELS: ReadonlySet<string> = new Set<string>([...SEVERITIES, 'off']);

export function isSeverityLevel(value: unknown): value is SeverityLevel {
  return typeof value === 'string' && LEVELS.has(value);
}

import SW000 from './SW000-syntax-error';
import SW001 from './SW001-unanalysable-sql';
import SW101 from './SW101-require-downgrade';
import SW102 from './SW102-complete-downgrade';
import SW104 from './SW104-destructive-operation';
import SW105 from './SW105-backward-compatible-change';
import SW202 from './SW202-column-removal';
import SW107 from './SW107-revision-graph';
import SW301 from './SW301-no-triggers';
import SW302 from './SW302-no-stored-logic';
import SW303 from './SW303-no-cascading-actions';
import SW304 from './SW304-managed-extensions';
import SW305 from './SW305-no-runtime-schema-sync';
import SW901 from './SW901-decision-record';
import SW902 from './SW902-waiver-invalid';
import SW903 from './SW903-unused-waiver';
import SW103 from './SW103-idempotent-sql';
import SW106 from './SW106-logged-data-change';
import SW201 from './SW201-require-rationale';
import SW203 from './SW203-deterministic-default';
import SW204 from './SW204-timezone-aware-timestamp';
import SW205 from './SW205-utc-default';
import SW206 from './SW206-uuid-primary-key';
import SW208 from './SW208-revision-description';
import SW108 from './SW108-edited-history';
import SW207 from './SW207-audit-fields';
import SW401 from './SW401-singular-table-name';
import SW402 from './SW402-read-only-view';
import SW403 from './SW403-matview-refresh-strategy';
import SW404 from './SW404-view-dependencies';
import SW405 from './SW405-view-compatibility';
import SW501 from './SW501-fixture-schema';
import SW601 from './SW601-concurrent-index';
import SW602 from './SW602-not-valid-constraint';
import SW603 from './SW603-lock-timeout';
import SW604 from './SW604-table-rewrite';
import SW605 from './SW605-lock-held-across-statements';
import SW606 from './SW606-foreign-key-without-index';
import SW607 from './SW607-autocommit-in-transaction';
import SW608 from './SW608-enum-value-in-transaction';
import SW609 from './SW609-unique-constraint-on-existing-table';
import SW610 from './SW610-not-null-without-check';
import SW611 from './SW611-validate-in-same-transaction';
import SW612 from './SW612-add-column-with-check';
import SW613 from './SW613-non-concurrent-reindex-or-detach';
import SW614 from './SW614-transaction-control-in-execute';
import SW510 from './SW510-round-trip';
import type { Rule } from './types';

/**
 * The one registry of rules. A rule module that is not listed here does not run, and
 * test/rules/registry.test.ts fails.
 */
export const allRules: readonly Rule[] = [
  SW000,
  SW001,
  SW101,
  SW102,
  SW104,
  SW105,
  SW202,
  SW107,
  SW301,
  SW302,
  SW303,
  SW304,
  SW305,
  SW901,
  SW902,
  SW903,
  SW103,
  SW106,
  SW201,
  SW203,
  SW204,
  SW205,
  SW206,
  SW208,
  SW108,
  SW207,
  SW401,
  SW402,
  SW403,
  SW404,
  SW405,
  SW501,
  SW601,
  SW602,
  SW603,
  SW604,
  SW605,
  SW606,
  SW607,
  SW608,
  SW609,
  SW610,
  SW611,
  SW612,
  SW613,
  SW614,
  SW510,
].sort((a, b) => a.meta.id.localeCompare(b.meta.id));

const byId = new Map(allRules.map((r) => [r.meta.id, r]));
const byName = new Map(allRules.map((r) => [r.meta.name, r]));

export function ruleById(id: string): Rule | undefined {
  return byId.get(id) ?? byName.get(id);
}

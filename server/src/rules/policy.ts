/**
 * The data-architecture policy, clause by clause, word for word. Each rule's `policyClause` must be
 * one of these texts (a test checks it), and every clause must have a home: a rule, the runner,
 * or a stated reason why no tool can check it. docs/rules/README.md is generated from this table.
 */
export interface PolicyClause {
  section: string;
  text: string;
  /** Where the clause is checked when no static rule does (the runner, or nowhere and why). */
  checkedElsewhere?: string;
}

export const POLICY_TITLE = 'Phase 2 - Step 02: Data Architecture Lock';

export const POLICY: readonly PolicyClause[] = [
  {
    section: 'Purpose',
    text: 'Define data persistence baselines for Phase 2 without introducing product logic.',
    checkedElsewhere: 'A statement of purpose: the rules below are its checkable parts.',
  },
  {
    section: 'Purpose',
    text: 'Govern schema evolution, migration discipline, and forbidden database behaviors.',
    checkedElsewhere: 'A statement of purpose: the rules below are its checkable parts.',
  },
  { section: 'Purpose', text: 'Require deviations to be documented in docs/decisions/ with impact analysis.' },
  {
    section: 'Persistence Baseline',
    text: 'Primary database: PostgreSQL 15+ as the authoritative store.',
    checkedElsewhere:
      'The runner verifies every revision on PostgreSQL of the configured major version (`postgres-version`, default 15) with `schema-warden verify`.',
  },
  {
    section: 'Persistence Baseline',
    text: 'Migration tooling: Alembic manages all schema changes with versioned revisions committed to the repository.',
    checkedElsewhere:
      "The runner's drift check finds schema changes made outside Alembic; SW107 (revision graph) " +
      'and SW108 (edited history) check the versioned revisions themselves.',
  },
  {
    section: 'Persistence Baseline',
    text:
      'Access patterns: SQLAlchemy ORM and Core used through infrastructure repositories; direct ' +
      'SQL outside repositories is discouraged and must remain read-only when necessary.',
    checkedElsewhere:
      'Application architecture, not migrations: which module is a "repository" is a team convention no migration linter can know. Not checked.',
  },
  {
    section: 'Migration Rules',
    text: 'Every schema change requires an Alembic revision with clear upgrade and downgrade paths; manual database edits are prohibited.',
  },
  {
    section: 'Migration Rules',
    text: 'Migrations must be idempotent within their revision scope and avoid destructive operations without explicit safeguards.',
  },
  {
    section: 'Migration Rules',
    text:
      'Production migrations must be backwards compatible with the running application until ' +
      'deployment is complete; breaking changes require staged rollouts and documented decisions.',
  },
  {
    section: 'Migration Rules',
    text: 'Data backfills or transformations must be explicit in migrations with logging hooks; silent data modification is forbidden.',
  },
  {
    section: 'Migration Rules',
    text: 'Migration ordering must respect dependency graph; out-of-order revision merges must be resolved by new revisions rather than editing history.',
  },
  {
    section: 'Schema Evolution Boundaries',
    text:
      'Columns, constraints, and indexes must include rationale in migration descriptions; ' +
      'removal of columns requires a deprecation window and explicit data handling plan.',
  },
  {
    section: 'Schema Evolution Boundaries',
    text: 'Default values must be deterministic and avoid server-side randomization; timezone handling must remain explicit (UTC only).',
  },
  {
    section: 'Schema Evolution Boundaries',
    text: 'UUID primary keys are preferred; composite or natural keys require justification and a DECISION entry.',
  },
  {
    section: 'Schema Evolution Boundaries',
    text: 'Audit fields (created_at, updated_at) must be added through migrations and kept consistent across tables.',
  },
  {
    section: 'Forbidden Items in Phase 2',
    text: 'Database-level business logic such as triggers, stored procedures implementing domain rules, or cascading actions beyond referential integrity.',
  },
  {
    section: 'Forbidden Items in Phase 2',
    text: 'Silent schema drift from applying local changes without Alembic revisions.',
    checkedElsewhere:
      "The runner's drift check (`schema-warden verify` and the sidebar's drift check) compares a " +
      'developer database with a fresh one migrated to the same revision.',
  },
  {
    section: 'Forbidden Items in Phase 2',
    text: 'Unmanaged extensions that introduce side effects or hidden state (e.g., cron-based jobs) without documented decisions.',
  },
  {
    section: 'Forbidden Items in Phase 2',
    text: 'Automatic schema synchronization from ORM metadata at runtime in production environments.',
  },
  {
    section: 'Tables vs Views Policy',
    text: 'Base tables capture authoritative domain records; naming must be explicit and singular per entity boundary.',
  },
  {
    section: 'Tables vs Views Policy',
    text:
      'Database views are allowed only as read-only projections for reporting or API ' +
      'optimization; materialized views require refresh strategies documented with performance ' +
      'budgets.',
  },
  {
    section: 'Tables vs Views Policy',
    text: 'Views must not hide business logic or enforce validation; they expose derived projections only.',
  },
  {
    section: 'Tables vs Views Policy',
    text: 'Any new view or materialized view must include dependency mapping in its migration and avoid breaking consumers when refreshed.',
  },
  {
    section: 'Testing Strategy Boundaries',
    text: 'Migration tests must run against ephemeral PostgreSQL instances and validate both upgrade and downgrade paths.',
  },
  {
    section: 'Testing Strategy Boundaries',
    text: 'Repository and data access integration tests must cover transactional behavior and isolation levels where relevant.',
    checkedElsewhere:
      "About the application's own integration tests, whose coverage no migration tool can judge. Not checked.",
  },
  {
    section: 'Testing Strategy Boundaries',
    text: 'Data fixtures used in tests must map to documented schemas; implicit schema assumptions are forbidden.',
  },
  {
    section: 'Enforcement and Deviations',
    text: 'Schema changes and migrations are subject to code review with architecture alignment checks.',
  },
  {
    section: 'Enforcement and Deviations',
    text: 'Any deviation from these data architecture rules requires a DECISION under docs/decisions/ including rollback and monitoring plans.',
  },
];

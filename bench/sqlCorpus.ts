/**
 * SQL as it appears in real Alembic revisions (op.execute), one string per entry, grouped by the
 * features that decision record 0001 measured. Placeholders are SQLAlchemy's (`:name`, `%(name)s`).
 */
export const MIGRATION_SQL: ReadonlyArray<{ feature: string; sql: string }> = [
  {
    feature: 'create trigger',
    sql: 'CREATE TRIGGER account_touch BEFORE UPDATE ON account FOR EACH ROW EXECUTE FUNCTION touch_updated_at()',
  },
  {
    feature: 'create trigger',
    sql: 'CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON "order" FOR EACH ROW EXECUTE PROCEDURE audit.log_change()',
  },
  { feature: 'drop trigger', sql: 'DROP TRIGGER IF EXISTS account_touch ON account' },
  { feature: 'alter type add value', sql: "ALTER TYPE order_state ADD VALUE IF NOT EXISTS 'refunded' AFTER 'paid'" },
  { feature: 'lock table', sql: 'LOCK TABLE account IN ACCESS EXCLUSIVE MODE' },
  {
    feature: 'not valid / validate',
    sql: 'ALTER TABLE line_item ADD CONSTRAINT fk_line_item_order FOREIGN KEY (order_id) REFERENCES "order" (id) NOT VALID',
  },
  { feature: 'not valid / validate', sql: 'ALTER TABLE line_item VALIDATE CONSTRAINT fk_line_item_order' },
  {
    feature: 'alter column type using',
    sql: 'ALTER TABLE account ALTER COLUMN balance TYPE numeric(12, 2) USING balance::numeric(12, 2)',
  },
  {
    feature: 'tagged dollar quotes',
    sql: 'CREATE OR REPLACE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $body$ BEGIN NEW.updated_at := now(); RETURN NEW; END $body$',
  },
  {
    feature: 'tagged dollar quotes',
    sql: "DO $migrate$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'mood') THEN CREATE TYPE mood AS ENUM ('sad', 'ok'); END IF; END $migrate$",
  },
  { feature: 'grant', sql: 'GRANT SELECT, INSERT ON account TO app_writer' },
  { feature: 'row-level security', sql: 'ALTER TABLE account ENABLE ROW LEVEL SECURITY' },
  {
    feature: 'row-level security',
    sql: "CREATE POLICY tenant_isolation ON account USING (tenant_id = current_setting('app.tenant')::uuid)",
  },
  {
    feature: 'partitions',
    sql: 'CREATE TABLE event (id uuid NOT NULL, at timestamptz NOT NULL) PARTITION BY RANGE (at)',
  },
  {
    feature: 'partitions',
    sql: "CREATE TABLE event_2026 PARTITION OF event FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
  },
  {
    feature: 'create index concurrently',
    sql: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_account_email ON account (lower(email))',
  },
  {
    feature: 'create table',
    sql:
      'CREATE TABLE IF NOT EXISTS account (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), email ' +
      'text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())',
  },
  { feature: 'add column', sql: "ALTER TABLE account ADD COLUMN IF NOT EXISTS note text DEFAULT '' NOT NULL" },
  { feature: 'update backfill', sql: 'UPDATE account SET state = :state WHERE state IS NULL' },
  { feature: 'update backfill', sql: 'UPDATE account SET note = %(note)s WHERE id = %(id)s' },
  {
    feature: 'insert',
    sql: "INSERT INTO country (code, name) VALUES ('DE', 'Germany'), ('FR', 'France') ON CONFLICT (code) DO NOTHING",
  },
  { feature: 'delete', sql: 'DELETE FROM session WHERE expires_at < now()' },
  {
    feature: 'create view',
    sql: 'CREATE OR REPLACE VIEW active_account AS SELECT a.id, a.email FROM account a JOIN subscription s ON s.account_id = a.id WHERE s.active',
  },
  {
    feature: 'materialized view',
    sql: 'CREATE MATERIALIZED VIEW revenue_by_day AS SELECT date_trunc(\'day\', placed_at) AS day, sum(total) AS revenue FROM "order" GROUP BY 1 WITH NO DATA',
  },
  { feature: 'comment', sql: "COMMENT ON COLUMN account.email IS 'login and contact address'" },
  { feature: 'extension', sql: 'CREATE EXTENSION IF NOT EXISTS pg_trgm' },
  { feature: 'set lock_timeout', sql: "SET lock_timeout = '5s'" },
  { feature: 'rename', sql: 'ALTER TABLE account RENAME COLUMN mail TO email' },
  { feature: 'enum', sql: "CREATE TYPE order_state AS ENUM ('new', 'paid', 'shipped')" },
  { feature: 'truncate', sql: 'TRUNCATE TABLE audit_log RESTART IDENTITY CASCADE' },
];

import * as assert from 'node:assert/strict';
import { Client } from 'pg';
import { diffSnapshots, takeSnapshot } from '../../server/src/runner/snapshot';
import { usePostgresCluster } from '../support/postgres';

describe('runner: schema snapshots and diffs (real PostgreSQL catalogs)', function () {
  this.timeout(30_000);
  const pg = usePostgresCluster();

  async function exec(url: string, sql: string): Promise<void> {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }

  const BASE_SCHEMA =
    `
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
    CREATE SCHEMA billing;
    CREATE TYPE ` +
    `mood AS ENUM ('happy', 'sad');
    CREATE DOMAIN positive_int AS integer NOT NULL CHECK ` +
    `(VALUE > 0);
    CREATE TABLE "user" (id serial PRIMARY KEY, email text NOT NULL, score ` +
    `positive_int, mood mood DEFAULT 'happy', born date);
    COMMENT ON COLUMN "user".email IS ` +
    `'login';
    CREATE INDEX ix_user_email ON "user" (email);
    CREATE TABLE ` +
    `billing.invoice (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, user_id int ` +
    `REFERENCES "user"(id), total numeric(12,2) CHECK (total >= 0), doubled numeric GENERATED ` +
    `ALWAYS AS (total * 2) STORED);
    CREATE VIEW happy_users AS SELECT id FROM "user" WHERE ` +
    `mood = 'happy';
    CREATE MATERIALIZED VIEW invoice_totals AS SELECT user_id, sum(total) ` +
    `AS total FROM billing.invoice GROUP BY user_id;
    CREATE FUNCTION bump() RETURNS trigger ` +
    `LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
    CREATE TRIGGER user_bump BEFORE ` +
    `UPDATE ON "user" FOR EACH ROW EXECUTE FUNCTION bump();
    CREATE SEQUENCE ticket_seq ` +
    `START 7;
    CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY);
  `;

  it('captures every kind of object, normalised, leaving out alembic_version and extension members', async () => {
    const db = await pg.freshDatabase();
    await exec(db.url, BASE_SCHEMA);
    const began = performance.now();
    const snapshot = await takeSnapshot(db.url);
    console.log(`      measured: snapshot in ${Math.round(performance.now() - began)} ms`);
    assert.deepEqual(snapshot.schemas, ['billing', 'public']);
    assert.ok(snapshot.extensions.pg_trgm);
    assert.deepEqual(snapshot.enums, { mood: ['happy', 'sad'] });
    assert.equal(snapshot.domains.positive_int, 'integer NOT NULL CHECK ((VALUE > 0))');
    assert.deepEqual(Object.keys(snapshot.tables), ['billing.invoice', 'user']);
    const user = snapshot.tables.user!;
    assert.deepEqual(user.columns.email, {
      type: 'text',
      nullable: false,
      default: null,
      identity: null,
      generated: null,
      collation: null,
      comment: 'login',
    });
    assert.equal(user.columns.id?.default, "nextval('user_id_seq'::regclass)");
    assert.equal(user.constraints.user_pkey?.type, 'primary key');
    const invoice = snapshot.tables['billing.invoice']!;
    assert.equal(invoice.columns.id?.identity, 'always');
    assert.equal(invoice.columns.doubled?.generated, '(total * (2)::numeric)');
    assert.equal(invoice.constraints.invoice_user_id_fkey?.definition, 'FOREIGN KEY (user_id) REFERENCES "user"(id)');
    assert.equal(
      snapshot.indexes.ix_user_email?.definition,
      'CREATE INDEX ix_user_email ON public."user" USING btree (email)',
    );
    assert.ok(
      !Object.keys(snapshot.indexes).some((name) => name.endsWith('_pkey')),
      'constraint indexes are listed as constraints only',
    );
    assert.equal(snapshot.views.happy_users?.kind, 'view');
    assert.equal(snapshot.views.invoice_totals?.kind, 'materialized view');
    assert.ok(snapshot.functions['bump()']);
    assert.ok(
      !Object.keys(snapshot.functions).some((name) => name.includes('similarity')),
      'functions of extensions are left out',
    );
    assert.match(snapshot.triggers['user.user_bump']?.definition ?? '', /BEFORE UPDATE ON public."user"/);
    assert.equal(snapshot.sequences.ticket_seq?.start, '7');
    assert.equal(snapshot.sequences.user_id_seq?.ownedBy, 'user.id');
    assert.ok(!('alembic_version' in snapshot.tables));
    assert.deepEqual(await takeSnapshot(db.url), snapshot, 'two snapshots of the same schema are equal');
  });

  it('describes differences precisely', async () => {
    const db = await pg.freshDatabase();
    await exec(db.url, BASE_SCHEMA);
    const before = await takeSnapshot(db.url);
    await exec(
      db.url,
      `
      ALTER TABLE "user" ALTER COLUMN email TYPE varchar(20);
      ALTER TABLE "user" ALTER COLUMN born SET NOT NULL;
      ALTER TABLE "user" ALTER COLUMN mood SET DEFAULT 'sad';
      COMMENT ON COLUMN "user".email IS NULL;
      ALTER TYPE mood ADD VALUE 'meh';
      CREATE INDEX ix_user_born ON "user" (born);
      DROP TRIGGER user_bump ON "user";
      ALTER TABLE "user" ADD COLUMN nickname text;
      CREATE OR REPLACE VIEW happy_users AS SELECT id, born FROM "user" WHERE mood = 'happy';
      CREATE TABLE scratch (id int);
      CREATE INDEX ix_scratch_id ON scratch (id);
    `,
    );
    const messages = diffSnapshots(before, await takeSnapshot(db.url)).map((d) => d.message);
    assert.deepEqual(
      messages.sort(),
      [
        'column user.born: nullability NULL → NOT NULL',
        'column user.email: comment login → none',
        'column user.email: type text → varchar(20)',
        "column user.mood: default 'happy'::mood → 'sad'::mood",
        'column user.nickname is left behind',
        'enum type mood: values (happy, sad) → (happy, sad, meh)',
        'index ix_user_born is left behind',
        'table scratch is left behind',
        'trigger user.user_bump is missing',
        'view happy_users: definition SELECT "user".id FROM "user" WHERE "user".mood = ' +
          '\'happy\'::mood; → SELECT "user".id, "user".born FROM "user" WHERE "user".mood = ' +
          "'happy'::mood;",
      ].sort(),
    );
    assert.deepEqual(diffSnapshots(before, before), []);
  });
});

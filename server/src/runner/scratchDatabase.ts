// Verification and drift checks run in a database of their own on the target server, created
// empty and dropped afterwards, so a user's database (URL target) is never downgraded by them.
import { randomBytes } from 'node:crypto';
import { newPgClient } from './pgClient';

export interface ScratchDatabase {
  name: string;
  url: string;
  /** Drops it and creates it again, empty, under the same name (--keep-going after a failure). */
  recreate(): Promise<void>;
  drop(): Promise<void>;
}

export function withDatabaseName(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(name)}`;
  return parsed.toString();
}

export async function createScratchDatabase(serverUrl: string, prefix = 'schema_warden'): Promise<ScratchDatabase> {
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const create = () => adminQuery(serverUrl, `CREATE DATABASE "${name}" TEMPLATE template0 ENCODING 'UTF8'`);
  // WITH (FORCE) ends connections a killed helper may have left (PostgreSQL 13+).
  const dropNow = () =>
    adminQuery(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() =>
      adminQuery(serverUrl, `DROP DATABASE IF EXISTS "${name}"`),
    );
  await create();
  let dropped = false;
  return {
    name,
    url: withDatabaseName(serverUrl, name),
    async recreate() {
      if (dropped) throw new Error(`scratch database ${name} was already dropped`);
      await dropNow();
      await create();
    },
    async drop() {
      if (dropped) return;
      dropped = true;
      await dropNow();
    },
  };
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = newPgClient({ connectionString: url });
  client.on('error', () => undefined); // reported by the failing query instead
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end().catch(() => undefined);
  }
}

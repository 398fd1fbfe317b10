import type { Client, ClientConfig } from 'pg';

/**
 * A new `pg` client; the `pg` package is loaded on first use. The runner's modules are part of the
 * extension's and the CLI's bundles, and initialising `pg` (tens of milliseconds) at activation or
 * at every `schema-warden lint` would be paid by people who never start a database.
 */
export function newPgClient(config: ClientConfig): Client {
  const pg = require('pg') as typeof import('pg');
  return new pg.Client(config);
}

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { RunnerSetupError } from '../../server/src/runner/errors';
import {
  LocalClusterTarget,
  LOCAL_CLUSTER_PREFIX,
  removeLeftoverClusters,
} from '../../server/src/runner/targets/localCluster';
import { findFreePort } from '../../server/src/runner/targets/freePort';
import { eventually, processesMentioning } from '../support/postgres';

describe('runner: local PostgreSQL cluster target (real binaries)', function () {
  this.timeout(60_000);

  it('starts an ephemeral cluster on a free loopback port, answers queries, and leaves nothing after stop()', async () => {
    const cluster = new LocalClusterTarget();
    await cluster.start();
    const dir = cluster.dir as string;
    try {
      assert.ok(fs.existsSync(path.join(dir, 'data', 'PG_VERSION')));
      assert.match(cluster.url(), /^postgresql:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
      assert.match(cluster.describe(), /local PostgreSQL 15\.\d+ cluster on 127\.0\.0\.1:\d+/);
      const client = new Client({ connectionString: cluster.url() });
      await client.connect();
      const { rows } = await client.query<{ listen: string }>(`SELECT current_setting('listen_addresses') AS listen`);
      await client.end();
      assert.equal(rows[0]?.listen, '127.0.0.1');
      console.log(
        `      measured: cluster ready in ${Math.round(cluster.timings.totalStartMs ?? 0)} ms (initdb ${Math.round(cluster.timings.initdbMs ?? 0)} ms)`,
      );
    } finally {
      await cluster.stop();
    }
    console.log(`      measured: teardown ${Math.round(cluster.timings.stopMs ?? 0)} ms`);
    assert.equal(fs.existsSync(dir), false, 'temp folder removed');
    assert.ok(await eventually(() => processesMentioning(dir).length === 0), 'no postgres process from its data dir');
    await cluster.stop(); // idempotent
  });

  it('says the port is taken when a fixed port is in use, and cleans up', async () => {
    const port = await findFreePort();
    const blocker = net.createServer().listen(port, '127.0.0.1');
    await new Promise((resolve) => blocker.once('listening', resolve));
    const baseDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-port-taken-'));
    fs.chmodSync(baseDir, 0o755);
    const cluster = new LocalClusterTarget({ port, baseDir });
    let dirSeen: string | undefined;
    try {
      await assert.rejects(
        (async () => {
          const starting = cluster.start();
          dirSeen = await new Promise<string | undefined>((resolve) => setTimeout(() => resolve(cluster.dir), 200));
          await starting;
        })(),
        (error: unknown) =>
          error instanceof RunnerSetupError &&
          new RegExp(`Port ${port} on 127\\.0\\.0\\.1 is already in use`).test(error.message),
      );
    } finally {
      blocker.close();
    }
    assert.equal(cluster.dir, undefined);
    if (dirSeen) {
      assert.equal(fs.existsSync(dirSeen), false, 'temp folder removed');
      assert.ok(await eventually(() => processesMentioning(dirSeen as string).length === 0));
    }
    try {
      assert.deepEqual(fs.readdirSync(baseDir), [], 'no cluster folder left in the base folder');
      assert.ok(
        await eventually(() => processesMentioning(baseDir).length === 0),
        'no postgres process from the base folder',
      );
    } finally {
      fs.rmSync(baseDir, { recursive: true, force: true });
    }
  });

  it('says what to install when no PostgreSQL binaries are found', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-no-pg-'));
    try {
      const cluster = new LocalClusterTarget({ searchRoot: empty });
      await assert.rejects(
        cluster.start(),
        (error: unknown) =>
          error instanceof RunnerSetupError &&
          /install postgresql-15/i.test(error.message) &&
          /Docker/.test(error.message),
      );
      await cluster.stop();
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  it('as root, says which folder the postgres user may not pass through, before running initdb', async function () {
    if (process.getuid?.() !== 0) this.skip();
    const closed = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-closed-')); // mode 0700, root's
    try {
      const cluster = new LocalClusterTarget({ baseDir: closed });
      await assert.rejects(
        cluster.start(),
        (error: unknown) =>
          error instanceof RunnerSetupError &&
          error.message ===
            `PostgreSQL runs as the 'postgres' user here (it refuses to run as root), and that user may ` +
              `not pass through ${closed}, so it cannot reach its data folder in ${closed}.\n` +
              'Point TMPDIR at a folder every user may pass through (such as /tmp), or chmod o+x that folder, or run as a regular user.',
      );
      await cluster.stop();
      assert.deepEqual(fs.readdirSync(closed), [], 'nothing created');
    } finally {
      fs.rmSync(closed, { recursive: true, force: true });
    }
  });

  it('removes clusters left behind by a process that is gone, and keeps those of live processes', async () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-leftovers-'));
    try {
      const orphan = path.join(base, `${LOCAL_CLUSTER_PREFIX}orphan`);
      const owned = path.join(base, `${LOCAL_CLUSTER_PREFIX}owned`);
      fs.mkdirSync(orphan);
      fs.mkdirSync(owned);
      fs.writeFileSync(path.join(orphan, 'owner.json'), JSON.stringify({ pid: 2 ** 22 + 12345, persistent: false }));
      fs.writeFileSync(path.join(owned, 'owner.json'), JSON.stringify({ pid: process.pid, persistent: false }));
      assert.equal(await removeLeftoverClusters(base), 1);
      assert.equal(fs.existsSync(orphan), false);
      assert.equal(fs.existsSync(owned), true);
    } finally {
      fs.rmSync(base, { recursive: true, force: true });
    }
  });

  it('tears down when the postmaster was killed behind its back', async () => {
    const cluster = new LocalClusterTarget();
    await cluster.start();
    const dir = cluster.dir as string;
    const pid = cluster.postmasterPid as number;
    process.kill(pid, 'SIGKILL');
    await cluster.stop();
    assert.equal(fs.existsSync(dir), false);
    assert.ok(await eventually(() => processesMentioning(dir).length === 0));
  });
});

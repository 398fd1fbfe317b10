// A Docker engine of the test's own: dockerd with its data, exec root, pidfile and socket in a
// temporary folder, no iptables changes. Stopped and removed afterwards so the host is as it was.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isProcessAlive } from '../../server/src/runner/exec';

const DOCKERD_PREFIX = 'sw-dockerd-';

export interface PrivateDockerd {
  /** Value for DOCKER_HOST. */
  host: string;
  root: string;
  /** PID of the running engine. */
  readonly pid: number;
  /**
   * Stops the engine the way `systemctl stop docker` does (SIGTERM: it stops its containers and
   * exits), keeping its data, so that restart() brings the same containers back.
   */
  halt(): Promise<void>;
  /** Starts the engine again on the same data after halt(). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export type DockerdStart = { ok: true; dockerd: PrivateDockerd } | { ok: false; reason: string };

export async function startPrivateDockerd(): Promise<DockerdStart> {
  const dockerd = ['/usr/sbin/dockerd', '/usr/bin/dockerd'].find((p) => fs.existsSync(p));
  if (!dockerd) return { ok: false, reason: 'dockerd is not installed (scripts/setup-docker.sh installs docker.io)' };
  await removeOrphanedDockerds();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), DOCKERD_PREFIX));
  // A bridge of its own (not docker0): test runs of several people on one machine may each start
  // an engine at the same time. Removed in stop().
  const bridge = `swd${randomBytes(4).toString('hex')}`;
  const subnet = `172.30.${randomInt(0, 255)}`;
  fs.writeFileSync(path.join(root, 'owner.json'), JSON.stringify({ pid: process.pid, bridge }));
  const made = [
    spawnSync('ip', ['link', 'add', 'name', bridge, 'type', 'bridge']),
    spawnSync('ip', ['addr', 'add', `${subnet}.1/24`, 'dev', bridge]),
    spawnSync('ip', ['link', 'set', bridge, 'up']),
  ];
  const failed = made.find((r) => r.status !== 0);
  if (failed) {
    spawnSync('ip', ['link', 'delete', bridge]);
    fs.rmSync(root, { recursive: true, force: true });
    return {
      ok: false,
      reason: `cannot create a network bridge for dockerd: ${String(failed.stderr).trim() || String(failed.error)}`,
    };
  }
  const host = `unix://${root}/docker.sock`;
  let pid = 0;
  // If the test process exits without its after() hook, the engine must not outlive it.
  const killOnExit = () => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  };
  process.once('exit', killOnExit);
  const spawnEngine = () => {
    const logFd = fs.openSync(path.join(root, 'dockerd.log'), 'a');
    const child = spawn(
      dockerd,
      [
        // No iptables rules, no ip_forward change: docker-proxy publishes ports in user space.
        '--iptables=false',
        '--ip-forward=false',
        '--bridge',
        bridge,
        '--data-root',
        path.join(root, 'data'),
        '--exec-root',
        path.join(root, 'exec'),
        '--pidfile',
        path.join(root, 'dockerd.pid'),
        '--host',
        host,
      ],
      { detached: true, stdio: ['ignore', logFd, logFd] },
    );
    fs.closeSync(logFd);
    child.unref();
    pid = child.pid as number; // read now: dockerd deletes its pidfile on exit
    fs.writeFileSync(path.join(root, 'dockerd.started-pid'), String(pid));
  };
  const answers = async (): Promise<boolean> => {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (!isProcessAlive(pid)) return false;
      const probe = spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], {
        env: { ...process.env, DOCKER_HOST: host },
        encoding: 'utf8',
        timeout: 5_000,
      });
      if (probe.status === 0 && probe.stdout.trim()) return true;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return false;
  };
  const halt = async () => {
    if (isProcessAlive(pid)) process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 300 && isProcessAlive(pid); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    if (isProcessAlive(pid)) process.kill(-pid, 'SIGKILL');
  };
  const restart = async () => {
    if (isProcessAlive(pid)) return;
    spawnEngine();
    if (!(await answers())) throw new Error(`the private dockerd did not come back:\n${logTail(root)}`);
  };
  const stop = async () => {
    if (isProcessAlive(pid)) {
      const ids = spawnSync('docker', ['ps', '--all', '--quiet'], {
        env: { ...process.env, DOCKER_HOST: host },
        encoding: 'utf8',
      })
        .stdout.trim()
        .split('\n')
        .filter(Boolean);
      if (ids.length > 0)
        spawnSync('docker', ['rm', '--force', '--volumes', ...ids], { env: { ...process.env, DOCKER_HOST: host } });
    }
    await halt();
    process.removeListener('exit', killOnExit);
    spawnSync('ip', ['link', 'delete', bridge]);
    fs.rmSync(root, { recursive: true, force: true });
  };

  spawnEngine();
  if (await answers())
    return {
      ok: true,
      dockerd: {
        host,
        root,
        get pid() {
          return pid;
        },
        halt,
        restart,
        stop,
      },
    };
  const log = logTail(root);
  await stop();
  return { ok: false, reason: `dockerd could not be started here:\n${log}` };
}

function logTail(root: string): string {
  const file = path.join(root, 'dockerd.log');
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n').slice(-5).join('\n') : '';
}

/** Engines left by a test process that died before its after() hook (killed by a timeout, say). */
async function removeOrphanedDockerds(): Promise<void> {
  for (const name of fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith(DOCKERD_PREFIX))) {
    const root = path.join(os.tmpdir(), name);
    let owner: number;
    let engine: number;
    try {
      owner = (JSON.parse(fs.readFileSync(path.join(root, 'owner.json'), 'utf8')) as { pid: number }).pid;
      engine = Number(fs.readFileSync(path.join(root, 'dockerd.started-pid'), 'utf8'));
    } catch {
      continue; // not one of ours, or still starting
    }
    if (isProcessAlive(owner)) continue;
    if (engine > 0 && isProcessAlive(engine)) {
      process.kill(engine, 'SIGTERM');
      for (let i = 0; i < 100 && isProcessAlive(engine); i++) await new Promise((resolve) => setTimeout(resolve, 100));
      if (isProcessAlive(engine)) process.kill(engine, 'SIGKILL');
    }
    try {
      const { bridge } = JSON.parse(fs.readFileSync(path.join(root, 'owner.json'), 'utf8')) as { bridge?: string };
      if (bridge) spawnSync('ip', ['link', 'delete', bridge]);
    } catch {
      /* no bridge recorded */
    }
    fs.rmSync(root, { recursive: true, force: true });
  }
}

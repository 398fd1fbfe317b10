// An ephemeral PostgreSQL container: data on tmpfs, published on a free port of 127.0.0.1 only,
// labelled so that containers left by a crashed process are removed at the next start. A
// persistent variant (named container + volume) holds the developer's own database.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { RunnerSetupError } from '../errors';
import { isProcessAlive } from '../exec';
import { cleanUpAtExit, forgetAtExit } from '../exitCleanup';
import { formatMs, silentLog, type RunnerLog } from '../log';
import { docker, probeDockerEngine } from './dockerEngine';
import { findFreePort } from './freePort';
import { TargetLifecycle } from './lifecycle';
import { DEFAULT_POSTGRES_MAJOR, type Target, type TargetCommonOptions } from './target';
import { waitForPostgres } from './waitForPostgres';

export const DOCKER_LABEL = 'dev.schema-warden.runner';
export const DOCKER_OWNER_LABEL = 'dev.schema-warden.owner-pid';

export interface DockerTargetOptions extends TargetCommonOptions {
  /** Image to run (default postgres:<major>). */
  image?: string;
  dockerPath?: string;
  /** A persistent named container + volume (the developer's database) instead of an ephemeral one. */
  persistentName?: string;
  reason?: string;
  startTimeoutMs?: number;
}

export interface DockerTimings {
  startMs?: number;
  stopMs?: number;
}

export class DockerTarget implements Target {
  readonly kind = 'docker' as const;
  readonly ephemeral: boolean;
  readonly timings: DockerTimings = {};
  readonly image: string;
  serverVersion: string | undefined;
  private containerName: string | undefined;
  private port: number | undefined;
  private password: string | undefined;
  private readonly lifecycle = new TargetLifecycle(
    'Docker target',
    () => this.startOnce(),
    () => this.stopOnce(),
  );
  private readonly log: RunnerLog;
  private readonly dockerPath: string;

  constructor(private readonly options: DockerTargetOptions = {}) {
    this.ephemeral = !options.persistentName;
    this.image = options.image ?? `postgres:${options.postgresMajor ?? DEFAULT_POSTGRES_MAJOR}`;
    this.log = options.log ?? silentLog;
    this.dockerPath = options.dockerPath ?? 'docker';
  }

  get reason(): string {
    return (
      this.options.reason ??
      `using ${this.ephemeral ? 'an ephemeral' : 'a persistent'} Docker container from ${this.image}`
    );
  }

  get container(): string | undefined {
    return this.containerName;
  }

  url(): string {
    if (!this.port || !this.password) throw new Error('the Docker target is not started');
    return `postgresql://postgres:${encodeURIComponent(this.password)}@127.0.0.1:${this.port}/postgres`;
  }

  describe(): string {
    const version = this.serverVersion?.split(' ')[0];
    return `Docker container ${this.containerName ?? '(not started)'} from ${this.image}${version ? ` (PostgreSQL ${version})` : ''}${this.port ? ` on 127.0.0.1:${this.port}` : ''}`;
  }

  start(): Promise<void> {
    return this.lifecycle.start();
  }

  stop(): Promise<void> {
    return this.lifecycle.stop();
  }

  private async startOnce(): Promise<void> {
    const began = performance.now();
    const engine = await probeDockerEngine(this.dockerPath);
    if (!engine.available) {
      throw new RunnerSetupError(
        `Cannot use Docker: ${engine.problem}.`,
        'Start a Docker engine, or use local PostgreSQL binaries (--target local; apt-get install ' +
          '-y postgresql-15), or give a database URL (--target url --url …).',
      );
    }
    await removeLeftoverContainers(this.dockerPath, this.log);
    await this.ensureImage();
    if (this.options.persistentName) await this.startPersistent(this.options.persistentName);
    else await this.startEphemeral();
    const checkAlive = throttle(1_000, async () => {
      const state = await docker(
        ['inspect', '--format', '{{.State.Running}}', this.containerName as string],
        this.dockerPath,
        10_000,
      );
      if (state.stdout.trim() !== 'true') {
        const logs = await docker(['logs', '--tail', '30', this.containerName as string], this.dockerPath, 10_000);
        throw new Error(`the PostgreSQL container stopped while starting:\n${(logs.stdout + logs.stderr).trim()}`);
      }
    });
    this.serverVersion = await waitForPostgres(this.url(), {
      timeoutMs: this.options.startTimeoutMs ?? 60_000,
      checkAlive,
    });
    this.timings.startMs = performance.now() - began;
    this.log(`docker: ${this.describe()} ready in ${formatMs(this.timings.startMs)}`);
  }

  private async ensureImage(): Promise<void> {
    const present = await docker(['image', 'inspect', '--format', '{{.Id}}', this.image], this.dockerPath, 30_000);
    if (present.code === 0) return;
    this.log(`docker: pulling ${this.image}`);
    const pulled = await docker(['pull', this.image], this.dockerPath, 600_000);
    if (pulled.code !== 0) {
      throw new RunnerSetupError(
        `The Docker image ${this.image} is not on this machine and could not be pulled: ${pulled.stderr.trim().split('\n').pop() ?? ''}`,
        'Pull or build the image, set schemaWarden.runner.image to one you have, or use --target local.',
      );
    }
  }

  private async startEphemeral(): Promise<void> {
    this.password = randomBytes(12).toString('hex');
    for (let attempt = 1; ; attempt++) {
      this.port = await findFreePort();
      this.containerName = `schema-warden-${process.pid}-${randomBytes(4).toString('hex')}`;
      cleanUpAtExit(this, () => this.removeSync());
      const run = await docker(
        [
          'run',
          '--detach',
          '--name',
          this.containerName,
          '--label',
          `${DOCKER_LABEL}=ephemeral`,
          '--label',
          `${DOCKER_OWNER_LABEL}=${process.pid}`,
          '--tmpfs',
          '/var/lib/postgresql/data:rw',
          '--publish',
          `127.0.0.1:${this.port}:5432`,
          '--env',
          `POSTGRES_PASSWORD=${this.password}`,
          this.image,
          'postgres',
          '-c',
          'fsync=off',
          '-c',
          'synchronous_commit=off',
          '-c',
          'full_page_writes=off',
        ],
        this.dockerPath,
        120_000,
      );
      if (run.code === 0) return;
      await docker(['rm', '--force', '--volumes', this.containerName], this.dockerPath, 30_000);
      if (/address already in use|port is already allocated/i.test(run.stderr) && attempt < 3) continue;
      throw new Error(`docker run failed: ${run.stderr.trim()}`);
    }
  }

  private async startPersistent(name: string): Promise<void> {
    this.containerName = `schema-warden-dev-${name}`;
    const existing = await docker(
      ['inspect', '--format', '{{.State.Running}} {{range .Config.Env}}{{println .}}{{end}}', this.containerName],
      this.dockerPath,
      10_000,
    );
    if (existing.code === 0) {
      // Reuse it (e.g. after a window reload): start it if stopped, read its port and password back.
      if (!existing.stdout.startsWith('true')) await docker(['start', this.containerName], this.dockerPath, 60_000);
      this.password = /POSTGRES_PASSWORD=(\S+)/.exec(existing.stdout)?.[1];
      const port = await docker(['port', this.containerName, '5432/tcp'], this.dockerPath, 10_000);
      this.port = Number(/:(\d+)\s*$/m.exec(port.stdout)?.[1]);
      return;
    }
    this.password = randomBytes(12).toString('hex');
    this.port = await findFreePort();
    const run = await docker(
      [
        'run',
        '--detach',
        '--name',
        this.containerName,
        '--label',
        `${DOCKER_LABEL}=persistent`,
        '--volume',
        `${this.containerName}-data:/var/lib/postgresql/data`,
        '--publish',
        `127.0.0.1:${this.port}:5432`,
        '--env',
        `POSTGRES_PASSWORD=${this.password}`,
        this.image,
      ],
      this.dockerPath,
      120_000,
    );
    if (run.code !== 0) throw new Error(`docker run failed: ${run.stderr.trim()}`);
  }

  /** An engine that stopped answering takes the container with it: say that, not "the server stopped". */
  async explainFailure(): Promise<Error | undefined> {
    if (!this.containerName) return undefined;
    const engine = await probeDockerEngine(this.dockerPath);
    if (engine.available) return undefined;
    return new RunnerSetupError(
      `The Docker engine stopped answering during the run (${engine.problem}), and the PostgreSQL container ${this.containerName} with it.`,
      `Start the Docker engine again (sudo systemctl start docker, or Docker Desktop) and run ` +
        `again: Schema Warden removes the container left behind at its next start (or now: docker ` +
        `rm -f ${this.containerName}). Or use local PostgreSQL binaries (--target local) or a URL ` +
        `(--target url --url …).`,
    );
  }

  private async stopOnce(): Promise<void> {
    if (!this.containerName) return;
    const began = performance.now();
    if (this.ephemeral) {
      const removed = await docker(['rm', '--force', '--volumes', this.containerName], this.dockerPath, 60_000).catch(
        () => undefined,
      );
      // The engine is down: the container outlives it. Its owner (this process) may live on for
      // hours (the language server), so the leftover sweep would skip it: remembered instead.
      if (removed?.code !== 0 && !/No such container/i.test(removed?.stderr ?? ''))
        unremovedContainers.add(this.containerName);
    } else {
      await docker(['stop', this.containerName], this.dockerPath, 60_000).catch(() => undefined);
    }
    forgetAtExit(this);
    this.timings.stopMs = performance.now() - began;
    this.log(
      `docker: ${this.containerName} ${this.ephemeral ? 'removed' : 'stopped'} in ${formatMs(this.timings.stopMs)}`,
    );
  }

  /** Synchronous removal for process exit. */
  removeSync(): void {
    if (this.containerName && this.ephemeral)
      spawnSync(this.dockerPath, ['rm', '--force', '--volumes', this.containerName], {
        stdio: 'ignore',
        timeout: 20_000,
      });
  }
}

/** Ephemeral containers of this process that `docker rm` could not remove (the engine was down). */
const unremovedContainers = new Set<string>();

/**
 * Removes ephemeral containers whose owning process is gone (a crash of the editor or CLI), and
 * those this process failed to remove while the engine was down.
 */
export async function removeLeftoverContainers(dockerPath = 'docker', log: RunnerLog = silentLog): Promise<number> {
  const list = await docker(
    [
      'ps',
      '--all',
      '--filter',
      `label=${DOCKER_LABEL}=ephemeral`,
      '--format',
      `{{.Names}} {{.Label "${DOCKER_OWNER_LABEL}"}}`,
    ],
    dockerPath,
    30_000,
  );
  if (list.code !== 0) return 0;
  let removed = 0;
  for (const line of list.stdout.split('\n')) {
    const [name, owner] = line.trim().split(/\s+/);
    if (!name) continue;
    const ownerPid = Number(owner);
    if (!unremovedContainers.has(name) && Number.isInteger(ownerPid) && ownerPid > 0 && isProcessAlive(ownerPid))
      continue;
    const removedNow = await docker(['rm', '--force', '--volumes', name], dockerPath, 30_000);
    if (removedNow.code === 0) unremovedContainers.delete(name);
    removed++;
    log(`docker: removed leftover container ${name}`);
  }
  return removed;
}

function throttle(intervalMs: number, check: () => Promise<void>): () => Promise<void> {
  let last = Date.now();
  return async () => {
    if (Date.now() - last < intervalMs) return;
    last = Date.now();
    await check();
  };
}

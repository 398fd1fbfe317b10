import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { RunnerSetupError } from '../../server/src/runner/errors';
import { withRunSession } from '../../server/src/runner/runSession';
import { hashTree } from '../support/leftovers';
import {
  DOCKER_LABEL,
  DOCKER_OWNER_LABEL,
  DockerTarget,
  removeLeftoverContainers,
} from '../../server/src/runner/targets/docker';
import { probeDockerEngine } from '../../server/src/runner/targets/dockerEngine';
import { selectTarget } from '../../server/src/runner/targets/select';
import { verifyRoundTrips } from '../../server/src/runner/verify';
import { fixtureDir, REPO_ROOT, venvPython } from '../support/postgres';
import { startPrivateDockerd, type PrivateDockerd } from './privateDockerd';

const IMAGE = 'schema-warden-test/postgres:15';

describe('runner: Docker target (real Docker engine, image built locally)', function () {
  this.timeout(300_000);
  let dockerd: PrivateDockerd | undefined;
  let savedHost: string | undefined;

  const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8' }).trim();

  before(async function () {
    const started = await startPrivateDockerd();
    if (!started.ok) {
      console.log(`      skipped: ${started.reason}`);
      this.skip();
    }
    dockerd = started.dockerd;
    savedHost = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = dockerd.host;
    const began = performance.now();
    execFileSync('bash', [path.join(REPO_ROOT, 'test', 'runner', 'docker', 'build-postgres-image.sh'), IMAGE], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    console.log(`      measured: image built in ${Math.round(performance.now() - began)} ms`);
  });

  after(async function () {
    this.timeout(60_000);
    if (savedHost === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = savedHost;
    await dockerd?.stop();
  });

  it('auto-selection picks Docker when the engine answers, and says why', async () => {
    const engine = await probeDockerEngine();
    assert.equal(engine.available, true);
    const target = await selectTarget({ image: IMAGE });
    assert.equal(target.kind, 'docker');
    assert.match(
      target.reason,
      /^Docker engine 20\.\d+\S* answered — using an ephemeral schema-warden-test\/postgres:15 container$/,
    );
  });

  it('auto-selection prefers local binaries when the engine lacks the image (no registry to pull from)', async () => {
    const target = await selectTarget({ image: 'schema-warden-test/not-built:15' });
    assert.equal(target.kind, 'local');
    assert.equal(
      target.reason,
      'Docker image schema-warden-test/not-built:15 is not on this machine — using local PostgreSQL 15 binaries',
    );
  });

  it('ephemeral container: tmpfs data, 127.0.0.1 only, ready by connecting, round trip passes, removed after', async () => {
    const target = new DockerTarget({ image: IMAGE });
    const projectHash = hashTree(fixtureDir('clean'));
    const result = await withRunSession(
      { projectDir: fixtureDir('clean'), target, python: { python: venvPython(), source: 'test' } },
      async (session) => {
        const name = target.container as string;
        assert.match(docker('port', name, '5432/tcp'), /^127\.0\.0\.1:\d+$/);
        assert.match(
          docker('inspect', '--format', '{{json .HostConfig.Tmpfs}}', name),
          /"\/var\/lib\/postgresql\/data"/,
        );
        assert.equal(docker('inspect', '--format', `{{index .Config.Labels "${DOCKER_LABEL}"}}`, name), 'ephemeral');
        return verifyRoundTrips({ helper: session.helper, databaseUrl: session.database.url });
      },
    );
    console.log(
      `      measured: container ready in ${Math.round(target.timings.startMs ?? 0)} ms, removed ` +
        `in ${Math.round(target.timings.stopMs ?? 0)} ms; round trip ${Math.round(result.durationMs)} ` +
        `ms`,
    );
    assert.equal(result.ok, true, JSON.stringify(result.failure));
    assert.equal(docker('ps', '--all', '--quiet', '--filter', `label=${DOCKER_LABEL}`), '', 'no container left');
    assert.equal(docker('volume', 'ls', '--quiet'), '', 'no volume left');
    assert.equal(hashTree(fixtureDir('clean')), projectHash, 'the project is byte-identical');
  });

  it('the leaky downgrade is found on the Docker target too', async () => {
    const target = new DockerTarget({ image: IMAGE });
    const projectHash = hashTree(fixtureDir('leaky-downgrade'));
    const result = await withRunSession(
      { projectDir: fixtureDir('leaky-downgrade'), target, python: { python: venvPython(), source: 'test' } },
      (session) => verifyRoundTrips({ helper: session.helper, databaseUrl: session.database.url }),
    );
    assert.equal(hashTree(fixtureDir('leaky-downgrade')), projectHash, 'the project is byte-identical');
    assert.equal(
      result.failure?.message,
      'downgrade of aa0000000002 does not restore the schema of aa0000000001: index ix_user_email is left behind',
    );
    assert.equal(docker('ps', '--all', '--quiet'), '');
  });

  it('removes labelled containers whose owner process is gone, keeps those of live owners', async () => {
    const deadOwner = String(2 ** 22 + 4321);
    docker(
      'run',
      '--detach',
      '--name',
      'sw-orphan',
      '--label',
      `${DOCKER_LABEL}=ephemeral`,
      '--label',
      `${DOCKER_OWNER_LABEL}=${deadOwner}`,
      '--env',
      'POSTGRES_PASSWORD=x',
      '--tmpfs',
      '/var/lib/postgresql/data',
      IMAGE,
    );
    docker(
      'run',
      '--detach',
      '--name',
      'sw-alive',
      '--label',
      `${DOCKER_LABEL}=ephemeral`,
      '--label',
      `${DOCKER_OWNER_LABEL}=${process.pid}`,
      '--env',
      'POSTGRES_PASSWORD=x',
      '--tmpfs',
      '/var/lib/postgresql/data',
      IMAGE,
    );
    try {
      assert.equal(await removeLeftoverContainers(), 1);
      assert.deepEqual(docker('ps', '--all', '--format', '{{.Names}}').split('\n'), ['sw-alive']);
    } finally {
      spawnSync('docker', ['rm', '--force', '--volumes', 'sw-orphan', 'sw-alive']);
    }
  });

  it('an image that is not there and cannot be pulled: a setup error, nothing left', async () => {
    const target = new DockerTarget({ image: 'schema-warden-test/no-such-image:15' });
    await assert.rejects(
      target.start(),
      (error: unknown) =>
        error instanceof RunnerSetupError &&
        /schema-warden-test\/no-such-image:15 is not on this machine and could not be pulled/.test(error.message),
    );
    await target.stop();
    assert.equal(docker('ps', '--all', '--quiet'), '');
  });

  it('daemon down: a clear message saying what to do instead', async () => {
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = 'unix:///nonexistent/docker.sock';
    try {
      await assert.rejects(
        new DockerTarget({ image: IMAGE }).start(),
        (error: unknown) =>
          error instanceof RunnerSetupError &&
          /Cannot use Docker: Docker engine not running/.test(error.message) &&
          /--target local/.test(error.message),
      );
    } finally {
      process.env.DOCKER_HOST = saved;
    }
  });
});

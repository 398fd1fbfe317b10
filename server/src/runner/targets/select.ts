// Picks the database target: Docker when an engine answers (and has the image, or no local
// binaries exist), else local PostgreSQL binaries; a URL when the user gives one. The reason is
// shown to the user as is.
import { RunnerSetupError } from '../errors';
import type { RunnerLog } from '../log';
import { DockerTarget } from './docker';
import { docker, probeDockerEngine } from './dockerEngine';
import { LocalClusterTarget, type LocalClusterOptions } from './localCluster';
import { findPostgresBinaries, type PostgresBinaries } from './postgresBinaries';
import { DEFAULT_POSTGRES_MAJOR, type Target, type TargetKind } from './target';
import { UrlTarget } from './url';
import { definedOnly } from '../../shared/definedOnly';

export interface SelectTargetOptions {
  /** Forces a kind; 'auto' (default) decides as described above. */
  kind?: TargetKind | 'auto';
  url?: string;
  allowRemoteHosts?: boolean;
  postgresMajor?: number;
  image?: string;
  dockerPath?: string;
  local?: Omit<LocalClusterOptions, 'reason' | 'postgresMajor' | 'log'>;
  log?: RunnerLog;
}

export async function selectTarget(options: SelectTargetOptions = {}): Promise<Target> {
  const major = options.postgresMajor ?? DEFAULT_POSTGRES_MAJOR;
  const kind = options.kind ?? 'auto';
  const log = options.log;
  const common = { postgresMajor: major, ...definedOnly({ log }) };

  if (kind === 'url' || (kind === 'auto' && options.url)) {
    if (!options.url)
      throw new RunnerSetupError(
        'The url target needs a database URL.',
        'Pass --url postgresql://user@localhost:5432/db.',
      );
    return new UrlTarget({
      url: options.url,
      allowRemoteHosts: options.allowRemoteHosts ?? false,
      reason: 'using the database URL you gave',
    });
  }
  if (kind === 'local') {
    return new LocalClusterTarget({
      ...options.local,
      ...common,
      reason: `using local PostgreSQL ${major} binaries, as asked`,
    });
  }
  const dockerOptions = {
    ...common,
    ...definedOnly({ image: options.image || undefined, dockerPath: options.dockerPath || undefined }),
  };
  if (kind === 'docker')
    return new DockerTarget({ ...dockerOptions, reason: 'using an ephemeral Docker container, as asked' });

  const image = options.image ?? `postgres:${major}`;
  const engine = await probeDockerEngine(options.dockerPath);
  const binaries = findLocalBinaries(major, options);
  if (engine.available) {
    // An engine without the image would have to pull it; local binaries, when present, start sooner
    // (and work where no registry can be reached).
    const hasImage =
      (
        await docker(['image', 'inspect', '--format', '{{.Id}}', image], options.dockerPath, 15_000).catch(
          () => undefined,
        )
      )?.code === 0;
    if (hasImage || !binaries) {
      return new DockerTarget({
        ...dockerOptions,
        reason: `Docker engine ${engine.serverVersion} answered — using an ephemeral ${image} container`,
      });
    }
    return new LocalClusterTarget({
      ...options.local,
      ...common,
      reason: `Docker image ${image} is not on this machine — using local ${describeBinaries(binaries.major, major)} binaries`,
    });
  }
  if (!binaries) {
    throw new RunnerSetupError(
      `No database to run migrations on: ${engine.problem}, and no local PostgreSQL binaries were found.`,
      `Install postgresql-${major} (apt-get install -y postgresql-${major}), or start a Docker engine, or give a database URL (--target url --url …).`,
    );
  }
  return new LocalClusterTarget({
    ...options.local,
    ...common,
    reason: `${engine.problem} — using local ${describeBinaries(binaries.major, major)} binaries`,
  });
}

function findLocalBinaries(major: number, options: SelectTargetOptions): PostgresBinaries | undefined {
  try {
    return findPostgresBinaries(major, options.local?.searchRoot, options.local?.binDir);
  } catch {
    return undefined;
  }
}

function describeBinaries(found: number, wanted: number): string {
  return found === wanted ? `PostgreSQL ${wanted}` : `PostgreSQL ${found} (no ${wanted} installed)`;
}

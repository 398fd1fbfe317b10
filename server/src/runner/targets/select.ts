// Picks the database target: Docker when an engine answers, else local PostgreSQL binaries;
// a URL when the user gives one. The reason is shown to the user as is.
import { RunnerSetupError } from '../errors';
import type { RunnerLog } from '../log';
import { DockerTarget } from './docker';
import { probeDockerEngine } from './dockerEngine';
import { LocalClusterTarget, type LocalClusterOptions } from './localCluster';
import { findPostgresBinaries } from './postgresBinaries';
import { DEFAULT_POSTGRES_MAJOR, type Target, type TargetKind } from './target';
import { UrlTarget } from './url';

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
  const common = { postgresMajor: major, ...(log ? { log } : {}) };

  if (kind === 'url' || (kind === 'auto' && options.url)) {
    if (!options.url) throw new RunnerSetupError('The url target needs a database URL.', 'Pass --url postgresql://user@localhost:5432/db.');
    return new UrlTarget({ url: options.url, allowRemoteHosts: options.allowRemoteHosts ?? false, reason: 'using the database URL you gave' });
  }
  if (kind === 'local') {
    return new LocalClusterTarget({ ...options.local, ...common, reason: `using local PostgreSQL ${major} binaries, as asked` });
  }
  const dockerOptions = { ...common, ...(options.image ? { image: options.image } : {}), ...(options.dockerPath ? { dockerPath: options.dockerPath } : {}) };
  if (kind === 'docker') return new DockerTarget({ ...dockerOptions, reason: 'using an ephemeral Docker container, as asked' });

  const engine = await probeDockerEngine(options.dockerPath);
  if (engine.available) {
    return new DockerTarget({ ...dockerOptions, reason: `Docker engine ${engine.serverVersion} answered — using an ephemeral ${options.image ?? `postgres:${major}`} container` });
  }
  let binaries;
  try {
    binaries = findPostgresBinaries(major, options.local?.searchRoot, options.local?.binDir);
  } catch {
    throw new RunnerSetupError(
      `No database to run migrations on: ${engine.problem}, and no local PostgreSQL binaries were found.`,
      `Install postgresql-${major} (apt-get install -y postgresql-${major}), or start a Docker engine, or give a database URL (--target url --url …).`,
    );
  }
  const which = binaries.major === major ? `PostgreSQL ${major}` : `PostgreSQL ${binaries.major} (no ${major} installed)`;
  return new LocalClusterTarget({ ...options.local, ...common, reason: `${engine.problem} — using local ${which} binaries` });
}

// A database the user points at with a URL. Only loopback hosts are accepted unless the user
// explicitly allows remote hosts: the runner downgrades and drops things.
import { RunnerSetupError } from '../errors';
import { redactUrl, type Target } from './target';
import { waitForPostgres } from './waitForPostgres';

export interface UrlTargetOptions {
  url: string;
  allowRemoteHosts?: boolean;
  /** A password kept elsewhere (the editor's SecretStorage) and added to the URL at run time. */
  password?: string;
  reason?: string;
  connectTimeoutMs?: number;
}

const LOOPBACK_NAMES = new Set(['localhost', 'ip6-localhost', 'ip6-loopback']);

export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === '' || LOOPBACK_NAMES.has(bare) || bare === '::1') return true;
  return /^127(\.\d{1,3}){3}$/.test(bare);
}

/** Parses and checks a user-given URL; throws a RunnerSetupError saying what is wrong. */
export function checkDatabaseUrl(url: string, allowRemoteHosts = false): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RunnerSetupError(
      `Not a database URL: ${redactUrl(url)}`,
      'Expected postgresql://user[:password]@host[:port]/database.',
    );
  }
  if (!/^postgres(ql)?(\+\w+)?:$/.test(parsed.protocol)) {
    throw new RunnerSetupError(
      `Not a PostgreSQL URL: ${redactUrl(url)}`,
      'Expected postgresql://user[:password]@host[:port]/database.',
    );
  }
  // A URL without a host means a local Unix socket: that is local too.
  if (!allowRemoteHosts && !isLoopbackHost(parsed.hostname)) {
    throw new RunnerSetupError(
      `Refusing to run migrations against ${parsed.hostname}: only loopback hosts (localhost, 127.0.0.1, ::1) are allowed.`,
      'Set schemaWarden.runner.allowRemoteHosts (or pass --allow-remote-hosts) if you really mean to migrate a remote database.',
    );
  }
  return parsed;
}

export class UrlTarget implements Target {
  readonly kind = 'url' as const;
  readonly ephemeral = false;
  readonly reason: string;
  serverVersion: string | undefined;
  private readonly fullUrl: string;

  constructor(private readonly options: UrlTargetOptions) {
    const parsed = checkDatabaseUrl(options.url, options.allowRemoteHosts);
    if (options.password !== undefined) parsed.password = options.password;
    // Node's pg and SQLAlchemy agree on postgresql://; drop a SQLAlchemy driver suffix for pg.
    this.fullUrl = parsed.toString().replace(/^postgres(ql)?\+\w+:/, 'postgresql:');
    this.reason = options.reason ?? 'using the database URL you gave';
  }

  async start(): Promise<void> {
    try {
      this.serverVersion = await waitForPostgres(this.fullUrl, {
        timeoutMs: this.options.connectTimeoutMs ?? 5_000,
        intervalMs: 250,
      });
    } catch (error) {
      throw new RunnerSetupError(
        `Cannot connect to ${redactUrl(this.fullUrl)}: ${(error as Error).message}`,
        'Check that the server runs and the URL (user, password, port, database) is right.',
      );
    }
  }

  async stop(): Promise<void> {
    // Not ours to stop.
  }

  url(): string {
    return this.fullUrl;
  }

  describe(): string {
    return `database at ${redactUrl(this.fullUrl)}${this.serverVersion ? ` (PostgreSQL ${this.serverVersion})` : ''}`;
  }
}

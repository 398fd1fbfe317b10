import type { Connection } from 'vscode-languageserver';
import { DEFAULT_SETTINGS, normalizeSettings, SETTINGS_SECTION, type SchemaWardenSettings } from '../shared/settings';
import { defaultConfig, type ResolvedConfig } from '../config/config';
import * as path from 'node:path';

/**
 * Personal settings per resource, asked of the client with `workspace/configuration` and cached
 * by scope URI until `workspace/didChangeConfiguration`. Nothing here is a server global: every
 * lookup names the resource it is for.
 */
export class SettingsCache {
  private readonly cache = new Map<string, Promise<SchemaWardenSettings>>();

  constructor(
    private readonly connection: Connection,
    private readonly clientAsks: () => boolean,
  ) {}

  get(scopeUri: string): Promise<SchemaWardenSettings> {
    if (!this.clientAsks()) return Promise.resolve(DEFAULT_SETTINGS);
    let pending = this.cache.get(scopeUri);
    if (!pending) {
      pending = this.connection.workspace
        .getConfiguration({ scopeUri, section: SETTINGS_SECTION })
        .then(normalizeSettings, () => DEFAULT_SETTINGS);
      this.cache.set(scopeUri, pending);
    }
    return pending;
  }

  clear(): void {
    this.cache.clear();
  }
}

/**
 * Layers personal settings over the team's configuration. The team file decides which rules run
 * and where files are; a person may change a rule's severity for themselves (not turn on a rule the
 * team left out), and fills a path or version only where the team file keeps the default.
 */
export function mergeSettings(team: ResolvedConfig, personal: SchemaWardenSettings): ResolvedConfig {
  const defaults = defaultConfig(team.root);
  const severity = new Map(team.severity);
  for (const [id, level] of Object.entries(personal.severity)) severity.set(id, level);
  return {
    ...team,
    severity,
    postgresVersion:
      personal.postgresVersion !== null && team.postgresVersion === defaults.postgresVersion
        ? personal.postgresVersion
        : team.postgresVersion,
    decisionsDir:
      personal.decisionsDir !== null && team.decisionsDir === defaults.decisionsDir
        ? path.resolve(team.root, personal.decisionsDir)
        : team.decisionsDir,
    revisionGlobs: team.revisionGlobs.length === 0 ? personal.revisionGlobs : team.revisionGlobs,
    cacheDir: team.cacheDir ?? (personal.cacheDir !== null ? path.resolve(team.root, personal.cacheDir) : undefined),
  };
}

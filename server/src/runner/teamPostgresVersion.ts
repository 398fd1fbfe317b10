// The PostgreSQL major the team's configuration asks the runner's targets for. Here, beside the
// runner, so that the editor's runner (client/src/runner/) reads it without importing the
// configuration layer itself.
import * as fs from 'node:fs';
import { loadConfig } from '../config/config';

/**
 * The team's `postgres-version` ([tool.schema-warden] or schema-warden.toml, found from
 * `projectDir` up) when its configuration file sets it; undefined when no file sets it (the
 * configuration's default of 15 is not the team's word). Throws the ConfigError of a file that
 * cannot be read.
 */
export function teamPostgresVersion(projectDir: string): number | undefined {
  const team = loadConfig(projectDir);
  if (team.source && /^\s*postgres-version\s*=/m.test(fs.readFileSync(team.source, 'utf8')))
    return team.postgresVersion;
  return undefined;
}

// Drift check: the developer's database compared with a fresh database migrated to the same
// revision. Every difference was applied outside Alembic, which the policy forbids.
import type { AlembicHelper } from './alembicHelper';
import { silentLog, type RunnerLog } from './log';
import { createScratchDatabase } from './scratchDatabase';
import { diffSnapshots, takeSnapshot } from './snapshot';
import type { SchemaDifference } from './snapshotModel';

export interface DriftOptions {
  helper: AlembicHelper;
  /** The developer's database (any target). */
  developerUrl: string;
  /** A server where a fresh database may be created and dropped (an ephemeral target). */
  referenceServerUrl: string;
  versionTable?: string;
  log?: RunnerLog;
}

export interface DriftResult {
  ok: boolean;
  /** The revision(s) the developer's database is at, which the fresh database was migrated to. */
  revisions: string[];
  differences: SchemaDifference[];
  durationMs: number;
}

export const DRIFT_WORDING = { extra: 'exists in the database but in no migration', missing: 'is in the migrations but missing from the database' };

export async function checkDrift(options: DriftOptions): Promise<DriftResult> {
  const began = performance.now();
  const log = options.log ?? silentLog;
  const versionTable = options.versionTable ?? 'alembic_version';
  const revisions = await options.helper.current(options.developerUrl);
  const reference = await createScratchDatabase(options.referenceServerUrl, 'schema_warden_drift');
  try {
    for (const revision of revisions) await options.helper.upgrade(revision, reference.url);
    const [expected, actual] = await Promise.all([
      takeSnapshot(reference.url, { excludeTables: [versionTable] }),
      takeSnapshot(options.developerUrl, { excludeTables: [versionTable] }),
    ]);
    const differences = diffSnapshots(expected, actual, DRIFT_WORDING);
    log(`drift check at ${revisions.join(', ') || 'base'}: ${differences.length === 0 ? 'no drift' : `${differences.length} difference(s)`}`);
    return { ok: differences.length === 0, revisions, differences, durationMs: performance.now() - began };
  } finally {
    await reference.drop();
  }
}

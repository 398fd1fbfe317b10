// The runner's public surface, for the language server, the extension and the CLI.
export {
  AlembicHelper,
  AlembicCommandError,
  AlembicHelperCrashedError,
  ENV_MODES,
  locateHelperScript,
  ProjectEnvError,
  type AlembicHelperOptions,
  type EnvMode,
} from './alembicHelper';
export { DiskFullError } from './diskFull';
export { checkDrift, DRIFT_WORDING, type DriftOptions, type DriftResult } from './drift';
export { RunnerCancelledError, RunnerSetupError, isSetupError } from './errors';
export type {
  HelperEnvironment,
  HelperErrorDetail,
  HelperHello,
  HistoryResult,
  LockTrace,
  RevisionInfo,
  TracedLock,
} from './helperProtocol';
export {
  describeTableLock,
  LOCK_MODES_BY_STRENGTH,
  lockStrength,
  summarizeLocks,
  type TableLockSummary,
} from './lockSummary';
export { silentLog, type RunnerLog } from './log';
export { discoverPython, projectVenv, type PythonChoice, type PythonDiscoveryOptions } from './pythonDiscovery';
export { RevisionGraph } from './revisionGraph';
export { withRunSession, type RunSession, type RunSessionOptions } from './runSession';
export { createScratchDatabase, withDatabaseName, type ScratchDatabase } from './scratchDatabase';
export { diffSnapshots, takeSnapshot, type DiffWording, type SnapshotOptions } from './snapshot';
export type { SchemaDifference, SchemaSnapshot } from './snapshotModel';
export { DockerTarget, removeLeftoverContainers, type DockerTargetOptions } from './targets/docker';
export { probeDockerEngine, type DockerEngineStatus } from './targets/dockerEngine';
export {
  LocalClusterTarget,
  removeLeftoverClusters,
  type LocalClusterOptions,
  type LocalClusterState,
} from './targets/localCluster';
export { selectTarget, type SelectTargetOptions } from './targets/select';
export { redactUrl, type Target, type TargetKind } from './targets/target';
export { checkDatabaseUrl, isLoopbackHost, UrlTarget, type UrlTargetOptions } from './targets/url';
export {
  describeError,
  functionLine,
  selectRevisions,
  TargetLostError,
  verifyRoundTrips,
  VERIFY_STEPS,
  type RevisionVerifyResult,
  type VerifyFailure,
  type VerifyOptions,
  type VerifyResult,
  type VerifyStepName,
  type VerifyStepResult,
} from './verify';

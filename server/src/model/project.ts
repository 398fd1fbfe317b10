import type { ResolvedConfig } from '../config/config';
import type { DecisionRecord } from './decisionRecord';
import type { AlembicProject } from './alembicConfig';
import { buildRevisionGraph, type RevisionGraph } from './graph';
import type { MigrationModel } from './migration';

/**
 * Everything the rules know about a project beyond one file: its Alembic configuration, every
 * revision's model and the revision graph. Immutable: an edit produces a new ProjectModel that
 * shares the unchanged revisions, which keeps cross-file re-validation cheap.
 */
export interface ProjectModel {
  root: string;
  alembic?: AlembicProject;
  config: ResolvedConfig;
  revisions: readonly MigrationModel[];
  byPath: ReadonlyMap<string, MigrationModel>;
  graph: RevisionGraph;
  /** The decision records of `config.decisionsDir` (undefined: not loaded, e.g. in-memory projects). */
  decisions?: readonly DecisionRecord[];
}

export function createProjectModel(
  root: string,
  config: ResolvedConfig,
  revisions: readonly MigrationModel[],
  alembic?: AlembicProject,
  decisions?: readonly DecisionRecord[],
): ProjectModel {
  const byPath = new Map(revisions.map((m) => [m.path, m]));
  return { root, alembic, config, revisions, byPath, graph: buildRevisionGraph(revisions), decisions };
}

/** The same project with one revision replaced (or added). */
export function withRevision(project: ProjectModel, migration: MigrationModel): ProjectModel {
  const revisions = project.byPath.has(migration.path)
    ? project.revisions.map((m) => (m.path === migration.path ? migration : m))
    : [...project.revisions, migration];
  return createProjectModel(project.root, project.config, revisions, project.alembic, project.decisions);
}

import type { ColumnDef, MigrationModel, Operation } from '../migration';
import type { Span } from '../source';
import type { ColumnType, DefaultModel } from './types';

/**
 * The shapes of the replayed schema (see ../schema.ts, which replays revisions into them). Apart
 * from the replay so that its helpers in this folder can name them without importing the replay.
 */

export interface Origin {
  revision?: string;
  path: string;
  /** What to highlight: the table or column name, the view name, … */
  span: Span;
}

export interface ColumnModel {
  name: string;
  type?: ColumnType;
  nullable: boolean;
  default?: DefaultModel;
  comment?: string;
  primaryKey: boolean;
  generated?: 'identity' | 'stored';
  origin: Origin;
  /** The `sa.Column(...)` that declared it, when it came from Alembic operations. */
  def?: ColumnDef;
}

export interface ConstraintModel {
  kind: 'primary' | 'foreign' | 'unique' | 'check' | 'exclude';
  name?: string;
  columns: string[];
  /** For foreign keys: the referenced table. */
  references?: string;
  notValid: boolean;
  origin: Origin;
}

export interface TableModel {
  /** `name`, or `schema.name` outside the default schema. */
  key: string;
  name: string;
  schema?: string;
  columns: ReadonlyMap<string, ColumnModel>;
  constraints: readonly ConstraintModel[];
  comment?: string;
  /** `CREATE TABLE … PARTITION OF parent`. */
  partitionOf?: string;
  /** `CREATE TEMP[ORARY] TABLE`: a work table of one migration, gone at its session's end at the latest. */
  temporary?: boolean;
  origin: Origin;
  /** The `op.create_table` that created it (for fixes that add columns). */
  createOp?: Operation;
}

export interface IndexModel {
  name: string;
  table: string;
  columns: string[];
  unique: boolean;
  origin: Origin;
}

export interface ViewModel {
  key: string;
  name: string;
  materialized: boolean;
  /** Relations the definition reads, as `name` or `schema.name`. */
  reads: string[];
  /** Output column names; undefined when the definition selects `*`. */
  columns?: string[];
  checkOption?: 'LOCAL' | 'CASCADED';
  origin: Origin;
}

export interface EnumModel {
  name: string;
  values: string[];
  origin: Origin;
}

export interface Schema {
  tables: ReadonlyMap<string, TableModel>;
  views: ReadonlyMap<string, ViewModel>;
  indexes: ReadonlyMap<string, IndexModel>;
  enums: ReadonlyMap<string, EnumModel>;
}

/** What one revision's upgrade creates (keys as in Schema), to tell new objects from existing ones. */
export interface CreatedInRevision {
  tables: ReadonlySet<string>;
  views: ReadonlySet<string>;
  indexes: ReadonlySet<string>;
}

export interface RevisionSchema {
  migration: MigrationModel;
  before: Schema;
  after: Schema;
  created: CreatedInRevision;
}

export interface ReplayedProject {
  byRevision: ReadonlyMap<string, RevisionSchema>;
  /** The schema at each head, in the graph's head order. */
  heads: ReadonlyArray<{ head: string; schema: Schema }>;
}

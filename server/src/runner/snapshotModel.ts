// The shape of a schema snapshot: what the runner compares after each upgrade and downgrade.
// Keys are object names ("users", "billing.invoices" outside public), sorted, so two snapshots of
// the same schema are equal as JSON.

export interface ColumnSnapshot {
  type: string;
  nullable: boolean;
  default: string | null;
  identity: 'always' | 'by default' | null;
  generated: string | null;
  collation: string | null;
  comment: string | null;
}

export interface ConstraintSnapshot {
  type: 'primary key' | 'unique' | 'foreign key' | 'check' | 'exclusion' | 'constraint trigger';
  definition: string;
}

export interface TableSnapshot {
  kind: 'table' | 'partitioned table' | 'foreign table';
  comment: string | null;
  columns: Record<string, ColumnSnapshot>;
  constraints: Record<string, ConstraintSnapshot>;
}

export interface IndexSnapshot {
  table: string;
  definition: string;
}

export interface SequenceSnapshot {
  type: string;
  start: string;
  increment: string;
  min: string;
  max: string;
  cycle: boolean;
  ownedBy: string | null;
}

export interface ViewSnapshot {
  kind: 'view' | 'materialized view';
  definition: string;
}

export interface FunctionSnapshot {
  kind: 'function' | 'procedure';
  definition: string;
}

export interface TriggerSnapshot {
  table: string;
  definition: string;
}

export interface SchemaSnapshot {
  schemas: string[];
  extensions: Record<string, { schema: string; version: string }>;
  enums: Record<string, string[]>;
  domains: Record<string, string>;
  sequences: Record<string, SequenceSnapshot>;
  tables: Record<string, TableSnapshot>;
  indexes: Record<string, IndexSnapshot>;
  views: Record<string, ViewSnapshot>;
  functions: Record<string, FunctionSnapshot>;
  triggers: Record<string, TriggerSnapshot>;
}

export type SchemaObjectType =
  | 'schema'
  | 'extension'
  | 'enum type'
  | 'domain'
  | 'sequence'
  | 'table'
  | 'column'
  | 'constraint'
  | 'index'
  | 'view'
  | 'materialized view'
  | 'function'
  | 'procedure'
  | 'trigger';

/** One difference between an expected and an actual snapshot, with a sentence a person can read. */
export interface SchemaDifference {
  change: 'extra' | 'missing' | 'changed';
  objectType: SchemaObjectType;
  name: string;
  /** For `changed`: which property ("type", "nullable", "default", "definition", …). */
  property?: string;
  expected?: string;
  actual?: string;
  message: string;
}

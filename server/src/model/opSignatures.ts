/**
 * Alembic's operation signatures (alembic.operations.ops), so that a call's positional arguments
 * can be read by name whether they were written positionally or as keywords. Inside
 * `batch_alter_table`, the table argument is implied and dropped from the signature.
 * A name starting with `*` collects the remaining positional arguments.
 */
export const OP_SIGNATURES: Readonly<Record<string, readonly string[]>> = {
  create_table: ['table_name', '*columns'],
  drop_table: ['table_name'],
  rename_table: ['old_table_name', 'new_table_name'],
  add_column: ['table_name', 'column'],
  drop_column: ['table_name', 'column_name'],
  alter_column: ['table_name', 'column_name'],
  create_index: ['index_name', 'table_name', 'columns'],
  drop_index: ['index_name', 'table_name'],
  create_foreign_key: ['constraint_name', 'source_table', 'referent_table', 'local_cols', 'remote_cols'],
  create_unique_constraint: ['constraint_name', 'table_name', 'columns'],
  create_primary_key: ['constraint_name', 'table_name', 'columns'],
  create_check_constraint: ['constraint_name', 'table_name', 'condition'],
  create_exclude_constraint: ['constraint_name', 'table_name', '*elements'],
  drop_constraint: ['constraint_name', 'table_name', 'type_'],
  bulk_insert: ['table', 'rows'],
  execute: ['sqltext'],
  create_table_comment: ['table_name', 'comment'],
  drop_table_comment: ['table_name'],
};

/** The parameter that names the table, dropped inside `batch_alter_table`. */
export const TABLE_PARAMETER: Readonly<Record<string, string>> = {
  create_table: 'table_name',
  drop_table: 'table_name',
  add_column: 'table_name',
  drop_column: 'table_name',
  alter_column: 'table_name',
  create_index: 'table_name',
  drop_index: 'table_name',
  create_foreign_key: 'source_table',
  create_unique_constraint: 'table_name',
  create_primary_key: 'table_name',
  create_check_constraint: 'table_name',
  create_exclude_constraint: 'table_name',
  drop_constraint: 'table_name',
  create_table_comment: 'table_name',
  drop_table_comment: 'table_name',
  rename_table: 'old_table_name',
};

/** The keyword that names the table's schema: Alembic calls it `source_schema` on a foreign key. */
export function schemaParameterOf(name: string): string {
  return name === 'create_foreign_key' ? 'source_schema' : 'schema';
}

/** `op.*` calls that are plumbing, not schema operations. */
export const NON_OPERATIONS = new Set([
  'get_bind',
  'get_context',
  'batch_alter_table',
  'f',
  'inline_literal',
  'implementation_for',
  'register_operation',
  'invoke',
  'run_async',
]);

export function signatureFor(name: string, inBatch: boolean): readonly string[] | undefined {
  const signature = OP_SIGNATURES[name];
  if (!signature || !inBatch) return signature;
  const table = TABLE_PARAMETER[name];
  return table && name !== 'create_table' && name !== 'drop_table' && name !== 'rename_table'
    ? signature.filter((p) => p !== table)
    : signature;
}

import type { CreatedInRevision, EnumModel, IndexModel, Schema, TableModel, ViewModel } from '../schema';

/**
 * Applies changes to a schema without touching it: each map is copied the first time a revision
 * changes it, so a revision costs O(changed maps), and untouched revisions share their parent's.
 */
export class SchemaBuilder {
  private tables?: Map<string, TableModel>;
  private views?: Map<string, ViewModel>;
  private indexes?: Map<string, IndexModel>;
  private enums?: Map<string, EnumModel>;
  readonly created: { tables: Set<string>; views: Set<string>; indexes: Set<string> } = { tables: new Set(), views: new Set(), indexes: new Set() };

  constructor(private readonly base: Schema) {}

  get current(): Schema {
    return {
      tables: this.tables ?? this.base.tables,
      views: this.views ?? this.base.views,
      indexes: this.indexes ?? this.base.indexes,
      enums: this.enums ?? this.base.enums,
    };
  }

  build(): Schema {
    return this.tables || this.views || this.indexes || this.enums ? this.current : this.base;
  }

  private writableTables(): Map<string, TableModel> { return (this.tables ??= new Map(this.base.tables)); }
  private writableViews(): Map<string, ViewModel> { return (this.views ??= new Map(this.base.views)); }
  private writableIndexes(): Map<string, IndexModel> { return (this.indexes ??= new Map(this.base.indexes)); }
  private writableEnums(): Map<string, EnumModel> { return (this.enums ??= new Map(this.base.enums)); }

  table(key: string): TableModel | undefined { return (this.tables ?? this.base.tables).get(key); }
  view(key: string): ViewModel | undefined { return (this.views ?? this.base.views).get(key); }

  createTable(table: TableModel, ifNotExists: boolean): void {
    if (ifNotExists && this.table(table.key)) return;
    this.writableTables().set(table.key, table);
    this.created.tables.add(table.key);
  }

  updateTable(key: string, change: (table: TableModel) => TableModel): void {
    const table = this.table(key);
    if (!table) return;
    const next = change(table);
    if (next !== table) this.writableTables().set(key, next);
  }

  dropTable(key: string): void {
    if (!this.table(key)) return;
    this.writableTables().delete(key);
    const indexes = this.indexes ?? this.base.indexes;
    for (const [name, index] of indexes) if (index.table === key) this.writableIndexes().delete(name);
  }

  renameTable(from: string, toKey: string, toName: string): void {
    const table = this.table(from);
    if (table) {
      const tables = this.writableTables();
      tables.delete(from);
      tables.set(toKey, { ...table, key: toKey, name: toName });
      if (this.created.tables.delete(from)) this.created.tables.add(toKey);
      for (const [name, index] of this.indexes ?? this.base.indexes) if (index.table === from) this.writableIndexes().set(name, { ...index, table: toKey });
      return;
    }
    // ALTER TABLE … RENAME works on views too.
    const view = this.view(from);
    if (view) {
      const views = this.writableViews();
      views.delete(from);
      views.set(toKey, { ...view, key: toKey, name: toName });
    }
  }

  createIndex(index: IndexModel): void {
    this.writableIndexes().set(index.name, index);
    this.created.indexes.add(index.name);
  }

  dropIndex(name: string): void {
    if ((this.indexes ?? this.base.indexes).has(name)) this.writableIndexes().delete(name);
  }

  renameIndex(from: string, to: string): void {
    const index = (this.indexes ?? this.base.indexes).get(from);
    if (!index) return;
    const indexes = this.writableIndexes();
    indexes.delete(from);
    indexes.set(to, { ...index, name: to });
  }

  createView(view: ViewModel): void {
    this.writableViews().set(view.key, view);
    this.created.views.add(view.key);
  }

  updateView(key: string, change: (view: ViewModel) => ViewModel): void {
    const view = this.view(key);
    if (view) this.writableViews().set(key, change(view));
  }

  dropView(key: string): void {
    if (this.view(key)) this.writableViews().delete(key);
  }

  createEnum(value: EnumModel): void {
    this.writableEnums().set(value.name, value);
  }

  updateEnum(name: string, change: (value: EnumModel) => EnumModel): void {
    const value = (this.enums ?? this.base.enums).get(name);
    if (value) this.writableEnums().set(name, change(value));
  }

  dropEnum(name: string): void {
    if ((this.enums ?? this.base.enums).has(name)) this.writableEnums().delete(name);
  }
}

export type { CreatedInRevision };

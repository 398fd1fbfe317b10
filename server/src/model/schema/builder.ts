import type { CreatedInRevision, EnumModel, IndexModel, Schema, TableModel, ViewModel } from './model';
import { ChunkedMap, type ChunkedDraft } from './chunkedMap';

/**
 * Applies one revision's changes to a schema without touching it. Each map becomes a draft the
 * first time the revision changes it, and a draft copies only the buckets it writes (see
 * ChunkedMap): untouched revisions share their parent's schema outright.
 */
export class SchemaBuilder {
  private tables?: ChunkedDraft<TableModel>;
  private views?: ChunkedDraft<ViewModel>;
  private indexes?: ChunkedDraft<IndexModel>;
  private enums?: ChunkedDraft<EnumModel>;
  readonly created: { tables: Set<string>; views: Set<string>; indexes: Set<string> } = {
    tables: new Set(),
    views: new Set(),
    indexes: new Set(),
  };

  constructor(private readonly base: Schema) {}

  build(): Schema {
    if (!this.tables && !this.views && !this.indexes && !this.enums) return this.base;
    return {
      tables: this.tables?.build() ?? this.base.tables,
      views: this.views?.build() ?? this.base.views,
      indexes: this.indexes?.build() ?? this.base.indexes,
      enums: this.enums?.build() ?? this.base.enums,
    };
  }

  private writableTables(): ChunkedDraft<TableModel> {
    return (this.tables ??= asChunked(this.base.tables).draft());
  }
  private writableViews(): ChunkedDraft<ViewModel> {
    return (this.views ??= asChunked(this.base.views).draft());
  }
  private writableIndexes(): ChunkedDraft<IndexModel> {
    return (this.indexes ??= asChunked(this.base.indexes).draft());
  }
  private writableEnums(): ChunkedDraft<EnumModel> {
    return (this.enums ??= asChunked(this.base.enums).draft());
  }

  table(key: string): TableModel | undefined {
    return (this.tables ?? this.base.tables).get(key);
  }
  view(key: string): ViewModel | undefined {
    return (this.views ?? this.base.views).get(key);
  }
  hasIndex(name: string): boolean {
    return (this.indexes ?? this.base.indexes).has(name);
  }
  private index(name: string): IndexModel | undefined {
    return (this.indexes ?? this.base.indexes).get(name);
  }
  private enumType(name: string): EnumModel | undefined {
    return (this.enums ?? this.base.enums).get(name);
  }

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
    for (const [name, index] of [...(this.indexes ?? this.base.indexes).entries()])
      if (index.table === key) this.writableIndexes().delete(name);
  }

  renameTable(from: string, toKey: string, toName: string): void {
    const table = this.table(from);
    if (table) {
      const tables = this.writableTables();
      tables.delete(from);
      tables.set(toKey, { ...table, key: toKey, name: toName });
      if (this.created.tables.delete(from)) this.created.tables.add(toKey);
      for (const [name, index] of [...(this.indexes ?? this.base.indexes).entries()])
        if (index.table === from) this.writableIndexes().set(name, { ...index, table: toKey });
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
    if (this.hasIndex(name)) this.writableIndexes().delete(name);
  }

  renameIndex(from: string, to: string): void {
    const index = this.index(from);
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
    const value = this.enumType(name);
    if (value) this.writableEnums().set(name, change(value));
  }

  dropEnum(name: string): void {
    if (this.enumType(name)) this.writableEnums().delete(name);
  }
}

/** Schemas built by the replay hold ChunkedMaps; anything else is converted once. */
function asChunked<V>(map: ReadonlyMap<string, V>): ChunkedMap<V> {
  return map instanceof ChunkedMap ? map : ChunkedMap.from(map.entries());
}

export type { CreatedInRevision };

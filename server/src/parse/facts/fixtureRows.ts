import type { SqlAnalyzer } from '../sql';
import { writeTargetOf } from './inserts';

/**
 * The tables and columns a test fixture writes, with UTF-16 offsets into the fixture's text.
 *
 * SQL fixtures: every `INSERT INTO t (cols) …` and `COPY t (cols) FROM …`.
 * JSON fixtures, two shapes (anything else is not taken for a fixture and yields nothing):
 *   - `{ "invoice": [ { "id": 1, "total": 10 } ], "customer": [ … ] }`: every value an array of row objects;
 *   - `[ { "table": "invoice", "rows": [ { "id": 1 } ] } ]`: every item names its table and rows.
 */
export interface FixtureWrite {
  table: string;
  schema?: string;
  tableSpan: { start: number; end: number };
  columns: Array<{ name: string; span: { start: number; end: number } }>;
}

export function sqlFixtureWrites(text: string, analyzer: SqlAnalyzer): FixtureWrite[] | undefined {
  const parsed = analyzer.parse(text);
  if (parsed.error) return undefined;
  const out: FixtureWrite[] = [];
  for (const statement of parsed.statements) {
    const target = writeTargetOf(statement.kind, statement.node);
    if (!target) continue;
    const tableStart =
      statement.locate(target.table.location) + (target.table.schema ? target.table.schema.length + 1 : 0);
    const tableSpan = { start: tableStart, end: tableStart + target.table.name.length };
    out.push({
      table: target.table.name,
      schema: target.table.schema,
      tableSpan,
      columns: target.columns.map((c) => {
        if (c.location < 0) return { name: c.name, span: tableSpan };
        const start = statement.locate(c.location);
        return { name: c.name, span: { start, end: start + c.name.length } };
      }),
    });
  }
  return out;
}

type JsonNode =
  | {
      kind: 'object';
      start: number;
      end: number;
      entries: Array<{ key: string; keyStart: number; keyEnd: number; value: JsonNode }>;
    }
  | { kind: 'array'; start: number; end: number; items: JsonNode[] }
  | { kind: 'string'; start: number; end: number; value: string }
  | { kind: 'other'; start: number; end: number };

export function jsonFixtureWrites(text: string): FixtureWrite[] | undefined {
  let root: JsonNode;
  try {
    root = new JsonReader(text).document();
  } catch {
    return undefined;
  }
  const rowsOf = (node: JsonNode): FixtureWrite['columns'] | undefined => {
    if (node.kind !== 'array' || !node.items.every((i) => i.kind === 'object')) return undefined;
    return node.items.flatMap((row) =>
      row.kind === 'object'
        ? row.entries.map((e) => ({ name: e.key, span: { start: e.keyStart + 1, end: e.keyEnd - 1 } }))
        : [],
    );
  };
  const write = (
    qualified: string,
    span: { start: number; end: number },
    columns: FixtureWrite['columns'],
  ): FixtureWrite => {
    const dot = qualified.lastIndexOf('.');
    return dot > 0
      ? {
          schema: qualified.slice(0, dot),
          table: qualified.slice(dot + 1),
          tableSpan: { start: span.start + dot + 1, end: span.end },
          columns,
        }
      : { table: qualified, tableSpan: span, columns };
  };
  if (root.kind === 'object' && root.entries.length > 0) {
    const writes: FixtureWrite[] = [];
    for (const entry of root.entries) {
      const columns = rowsOf(entry.value);
      if (!columns) return undefined;
      writes.push(write(entry.key, { start: entry.keyStart + 1, end: entry.keyEnd - 1 }, columns));
    }
    return writes;
  }
  if (root.kind === 'array' && root.items.length > 0) {
    const writes: FixtureWrite[] = [];
    for (const item of root.items) {
      if (item.kind !== 'object') return undefined;
      const table = item.entries.find((e) => e.key === 'table')?.value;
      const rows = item.entries.find((e) => e.key === 'rows')?.value;
      const columns = rows ? rowsOf(rows) : undefined;
      if (table?.kind !== 'string' || !columns) return undefined;
      writes.push(write(table.value, { start: table.start + 1, end: table.end - 1 }, columns));
    }
    return writes;
  }
  return undefined;
}

/** A small JSON reader that keeps offsets (JSON.parse does not). Throws on invalid JSON. */
class JsonReader {
  private i = 0;
  constructor(private readonly text: string) {}

  document(): JsonNode {
    const node = this.value();
    this.space();
    if (this.i !== this.text.length) throw new Error('trailing text');
    return node;
  }

  private space(): void {
    while (this.i < this.text.length && /[\s\uFEFF]/.test(this.text[this.i])) this.i++;
  }

  private value(): JsonNode {
    this.space();
    const c = this.text[this.i];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return this.string();
    const start = this.i;
    const m = /^(?:true|false|null|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(this.text.slice(this.i, this.i + 64));
    if (!m) throw new Error(`unexpected ${c ?? 'end'}`);
    this.i += m[0].length;
    return { kind: 'other', start, end: this.i };
  }

  private string(): Extract<JsonNode, { kind: 'string' }> {
    const start = this.i;
    this.i++;
    let value = '';
    while (this.i < this.text.length && this.text[this.i] !== '"') {
      if (this.text[this.i] === '\\') {
        const next = this.text[this.i + 1];
        if (next === 'u') {
          value += String.fromCharCode(parseInt(this.text.slice(this.i + 2, this.i + 6), 16));
          this.i += 6;
          continue;
        }
        value += ({ n: '\n', t: '\t', r: '\r', b: '\b', f: '\f' } as Record<string, string>)[next] ?? next;
        this.i += 2;
        continue;
      }
      value += this.text[this.i++];
    }
    if (this.text[this.i] !== '"') throw new Error('unterminated string');
    this.i++;
    return { kind: 'string', start, end: this.i, value };
  }

  private object(): JsonNode {
    const start = this.i++;
    const entries: Array<{ key: string; keyStart: number; keyEnd: number; value: JsonNode }> = [];
    this.space();
    if (this.text[this.i] === '}') {
      this.i++;
      return { kind: 'object', start, end: this.i, entries };
    }
    for (;;) {
      this.space();
      if (this.text[this.i] !== '"') throw new Error('expected a key');
      const key = this.string();
      this.space();
      if (this.text[this.i++] !== ':') throw new Error('expected :');
      entries.push({ key: key.value, keyStart: key.start, keyEnd: key.end, value: this.value() });
      this.space();
      const c = this.text[this.i++];
      if (c === '}') return { kind: 'object', start, end: this.i, entries };
      if (c !== ',') throw new Error('expected , or }');
    }
  }

  private array(): JsonNode {
    const start = this.i++;
    const items: JsonNode[] = [];
    this.space();
    if (this.text[this.i] === ']') {
      this.i++;
      return { kind: 'array', start, end: this.i, items };
    }
    for (;;) {
      items.push(this.value());
      this.space();
      const c = this.text[this.i++];
      if (c === ']') return { kind: 'array', start, end: this.i, items };
      if (c !== ',') throw new Error('expected , or ]');
    }
  }
}

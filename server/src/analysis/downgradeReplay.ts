import { declaredNames, type NamingConvention } from './namingConventions';
import type { ObjectEffect } from './objectEffects';

/**
 * Does the downgrade bring back the schema the upgrade started from? Both sections' effects are
 * replayed, in order, onto the objects they touch, as PostgreSQL applies them:
 * - dropping a table drops its columns, indexes and constraints; dropping a column drops every
 *   index and constraint that involves it;
 * - a drop finds its object by any of its names (a naming convention's, PostgreSQL's default for
 *   an unnamed one, see namingConventions.ts);
 * - renames move the object; `ADD CONSTRAINT … USING INDEX ix` turns index ix into the constraint;
 * - `DROP … IF EXISTS x` just before `CREATE … IF NOT EXISTS x` (clearing an invalid leftover
 *   before an idempotent build) says nothing of x before: the pair creates x; so does a drop of x
 *   run only if the catalogue lists x (a leftover made outside the history) before any CREATE x;
 * then the state of every object the upgrade touched is compared with its state before. An
 * object first seen being dropped or renamed existed before; one first seen being created did
 * not (unless its table was created in this revision). So a swap (add `value_new`, drop
 * `value`, rename `value_new` to `value`, and the same back) restores the schema, and a column
 * dropped with its index leaves nothing behind.
 *
 * Returns the upgrade effects whose objects end up otherwise than they started.
 */
export function unreversedEffects(
  up: readonly ObjectEffect[],
  down: readonly ObjectEffect[],
  convention?: NamingConvention,
): ObjectEffect[] {
  const replay = new Replay([...up, ...down], convention);
  const touched = new Map<ObjectEffect, string[]>();
  const upGuards = rebuildGuards(up);
  for (const effect of up) if (!upGuards.has(effect)) touched.set(effect, replay.apply(effect));
  const downGuards = rebuildGuards(down);
  for (const effect of down) if (!downGuards.has(effect)) replay.apply(effect, true);
  const downViews = new Set(down.filter((d) => d.kind === 'view').map((d) => d.name));
  // One finding per object left otherwise: the first upgrade effect on it says what happened.
  const reported = new Set<string>();
  return up.filter((effect) => {
    // `CREATE OR REPLACE VIEW` may replace a view that existed: any view statement of the downgrade restores it.
    if (effect.kind === 'view' && effect.orReplace && downViews.has(effect.name)) return false;
    const unrestored = (touched.get(effect) ?? []).filter((key) => !replay.restored(key));
    const fresh = unrestored.filter((key) => !reported.has(key));
    for (const key of unrestored) reported.add(key);
    return fresh.length > 0;
  });
}

/**
 * The `DROP … IF EXISTS x` effects of a section whose next effect on x is `CREATE … IF NOT EXISTS x`,
 * and the drops of x run only after a catalogue test whose next effect on x is a CREATE x:
 * together they make sure x exists, whether or not it (or a leftover of it) was there.
 */
function rebuildGuards(effects: readonly ObjectEffect[]): Set<ObjectEffect> {
  const guards = new Set<ObjectEffect>();
  effects.forEach((effect, i) => {
    if (effect.action !== 'drop' || !(effect.ifExists || effect.catalogueChecked) || effect.consumedBy) return;
    const next = effects
      .slice(i + 1)
      .find((e) => e.kind === effect.kind && (e.name === effect.name || e.from === effect.name));
    const rebuilds = next?.action === 'create' && next.name === effect.name;
    if (rebuilds && (next.ifNotExists || effect.catalogueChecked)) guards.add(effect);
  });
  return guards;
}

interface TrackedObject {
  kind: ObjectEffect['kind'];
  name: string;
  /** The rename root of its table (see Replay.root). */
  table?: string;
  columns: string[];
  aliases: string[];
  /** Names a declared naming convention gives it with a part that cannot be known (see namingConventions.ts). */
  patterns: Array<{ pattern: RegExp; namesTable: boolean }>;
  present: boolean;
  /** Was it there before the upgrade? */
  before: boolean;
}

class Replay {
  private readonly objects = new Map<string, TrackedObject>();
  private readonly parent = new Map<string, string>();
  /** Tables (by root) the downgrade creates: what stood on them before counts as brought back. */
  private readonly recreatedTables = new Map<string, string[] | undefined>();
  /** Tables (by root) that did not exist before the upgrade created them: nothing on them existed either. */
  private readonly newTables = new Set<string>();
  /** The tracked objects on each table (by root): a drop or rename visits these, not every object (a squashed revision has thousands). */
  private readonly onTable = new Map<string, TrackedObject[]>();
  /** The indexes and constraints among them: a dropped column takes those with it (columns would make it quadratic). */
  private readonly keysOnTable = new Map<string, TrackedObject[]>();

  constructor(
    all: readonly ObjectEffect[],
    private readonly convention?: NamingConvention,
  ) {
    // Table names linked by a rename in either section are the same table for columns and constraints.
    for (const e of all)
      if (e.action === 'rename' && e.kind === 'table' && e.from) this.parent.set(this.root(e.from), this.root(e.name));
  }

  root(table: string): string {
    let r = table;
    for (let i = 0; this.parent.has(r) && this.parent.get(r) !== r && i < 1000; i++) r = this.parent.get(r) as string;
    return r;
  }

  /** Applies one effect; returns the keys of the objects it changed. */
  apply(effect: ObjectEffect, inDowngrade = false): string[] {
    switch (effect.action) {
      case 'create':
        return this.create(effect, inDowngrade);
      case 'drop':
        return this.drop(effect);
      case 'rename':
        return this.rename(effect);
    }
  }

  restored(key: string): boolean {
    const object = this.objects.get(key);
    if (!object || object.present === object.before) return true;
    if (this.standsInFor(object)) return true;
    // A table the downgrade re-creates brings back what stood on it, as far as can be told.
    if (!object.present && object.table !== undefined && this.recreatedTables.has(object.table)) {
      const columns = this.recreatedTables.get(object.table);
      return object.kind !== 'column' || columns === undefined || columns.includes(object.name);
    }
    return false;
  }

  /**
   * An index or constraint tracked under two names is one object of the database: dropped by its
   * conventional name (`ck_ticket_valid_state`) and created again by its short one (`valid_state`),
   * the one that was there before and the one present after are the same.
   */
  private standsInFor(object: TrackedObject): boolean {
    if (object.kind !== 'index' && object.kind !== 'constraint') return false;
    const near = object.table !== undefined ? this.objectsOn(object.table) : this.objects.values();
    for (const other of near) {
      if (other === object || other.kind !== object.kind || other.table !== object.table) continue;
      if (other.present !== object.before || other.before !== object.present) continue;
      if (sharesAName(object, other)) return true;
    }
    return false;
  }

  private key(kind: ObjectEffect['kind'], name: string, table: string | undefined): string {
    if (kind === 'column' || kind === 'constraint')
      return `${kind}\0${table !== undefined ? this.root(table) : ''}\0${name}`;
    return `${kind}\0\0${name}`;
  }

  /** The object `effect` names, first seen now: it existed before when `existed` (and its table did). */
  private track(
    kind: ObjectEffect['kind'],
    name: string,
    table: string | undefined,
    existed: boolean,
  ): { key: string; object: TrackedObject } {
    const root = table !== undefined ? this.root(table) : undefined;
    const key = this.key(kind, name, table);
    let object = this.objects.get(key);
    if (!object) {
      const before = existed && !(root !== undefined && kind !== 'table' && this.newTables.has(root));
      object = { kind, name, table: undefined, columns: [], aliases: [], patterns: [], present: existed, before };
      this.objects.set(key, object);
      if (root !== undefined) this.placeOnTable(object, root);
    }
    return { key, object };
  }

  /** A tracked index or constraint that goes by `name` (its own, or one of its conventional names). */
  private findByName(kind: ObjectEffect['kind'], name: string, table: string | undefined): string | undefined {
    const direct = this.key(kind, name, table);
    if (this.objects.get(direct)?.present) return direct;
    if (kind !== 'index' && kind !== 'constraint') return undefined;
    const root = table !== undefined ? this.root(table) : undefined;
    const candidates = [...this.objects].filter(
      ([, object]) =>
        object.present &&
        (object.kind === 'index' || object.kind === 'constraint') &&
        (root === undefined || object.table === undefined || object.table === root),
    );
    const named = candidates.find(([, object]) => object.name === name || object.aliases.includes(name));
    if (named) return named[0];
    // A pattern of a convention only matches on the object's own table (named by the drop or by the pattern).
    const patterned = candidates.find(([, object]) =>
      object.patterns.some((p) => (p.namesTable || root !== undefined) && p.pattern.test(name)),
    );
    return patterned?.[0];
  }

  private create(effect: ObjectEffect, inDowngrade: boolean): string[] {
    const { key, object } = this.track(effect.kind, effect.name, effect.table, false);
    object.present = true;
    object.columns = effect.kind === 'table' ? [] : (effect.columns ?? []);
    object.aliases = [...(effect.aliases ?? [])];
    object.patterns = [];
    const naming = effect.convention;
    if (this.convention && naming && effect.table !== undefined) {
      const declared = declaredNames(
        this.convention,
        naming.kind,
        effect.table,
        naming.columns,
        effect.unnamed ? undefined : effect.name,
        naming.final,
        naming.referent,
      );
      if (declared) object.aliases.push(...declared.names);
      if (declared?.pattern) object.patterns.push({ pattern: declared.pattern, namesTable: declared.namesTable });
    }
    if (effect.table !== undefined && object.table === undefined) this.placeOnTable(object, this.root(effect.table));
    const keys = [key];
    if (effect.kind === 'table') {
      if (!object.before) this.newTables.add(this.root(effect.name));
      if (inDowngrade) this.recreatedTables.set(this.root(effect.name), effect.columns);
      for (const column of effect.columns ?? []) {
        if (!column) continue;
        const tracked = this.track('column', column, effect.name, false);
        tracked.object.present = true;
      }
    }
    return keys;
  }

  private drop(effect: ObjectEffect): string[] {
    if (effect.consumedBy) {
      // The index lives on as the constraint: dropping the constraint drops it.
      const found = this.findByName('index', effect.name, effect.table);
      const { key, object } = found
        ? { key: found, object: this.objects.get(found) as TrackedObject }
        : this.track('index', effect.name, effect.table, true);
      object.present = false;
      const constraint = this.track('constraint', effect.consumedBy, effect.table, false).object;
      constraint.aliases = [...constraint.aliases, effect.name];
      return [key];
    }
    const found = this.findByName(effect.kind, effect.name, effect.table);
    const { key, object } = found
      ? { key: found, object: this.objects.get(found) as TrackedObject }
      : this.track(effect.kind, effect.name, effect.table, true);
    object.present = false;
    if (effect.kind === 'table') {
      const root = this.root(effect.name);
      for (const other of this.objectsOn(root)) other.present = false;
    } else if (effect.kind === 'column' && object.table !== undefined) {
      for (const other of this.keysOnTable.get(object.table) ?? [])
        if (other.columns.includes(effect.name)) other.present = false;
    }
    return [key];
  }

  private placeOnTable(object: TrackedObject, root: string): void {
    object.table = root;
    for (const map of object.kind === 'index' || object.kind === 'constraint'
      ? [this.onTable, this.keysOnTable]
      : [this.onTable]) {
      const list = map.get(root);
      if (list) list.push(object);
      else map.set(root, [object]);
    }
  }

  private objectsOn(root: string): readonly TrackedObject[] {
    return this.onTable.get(root) ?? [];
  }

  private rename(effect: ObjectEffect): string[] {
    if (!effect.from) return [];
    if (effect.kind === 'table') {
      // Columns and constraints are keyed by the table's rename root: only the table's own name moves.
      const from = this.track('table', effect.from, undefined, true);
      const to = this.track('table', effect.name, undefined, false);
      from.object.present = false;
      to.object.present = true;
      return [from.key, to.key];
    }
    const from = this.track(effect.kind, effect.from, effect.table, true);
    const to = this.track(effect.kind, effect.name, effect.table, false);
    from.object.present = false;
    to.object.present = true;
    if (effect.kind === 'column' && from.object.table !== undefined)
      for (const other of this.objectsOn(from.object.table))
        other.columns = other.columns.map((c) => (c === effect.from ? effect.name : c));
    return [from.key, to.key];
  }
}

/** Do two tracked objects (of one kind, on one table) go by a common name, or one by a name the other's convention pattern gives? */
function sharesAName(a: TrackedObject, b: TrackedObject): boolean {
  const aNames = [a.name, ...a.aliases];
  const bNames = [b.name, ...b.aliases];
  if (aNames.some((n) => bNames.includes(n))) return true;
  if (a.patterns.some((p) => bNames.some((n) => p.pattern.test(n)))) return true;
  if (b.patterns.some((p) => aNames.some((n) => p.pattern.test(n)))) return true;
  return a.patterns.some((p) => b.patterns.some((q) => p.pattern.source === q.pattern.source));
}

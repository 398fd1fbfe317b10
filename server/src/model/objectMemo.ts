/**
 * A memo kept on its key object, as a non-enumerable symbol-keyed property, where a module-level
 * `WeakMap` would otherwise hold it. Same use (`get`/`set`/`has`, keyed by identity; JSON, spread,
 * `Object.keys` and structured clone do not see it); a key that cannot take a property (frozen)
 * falls back to a WeakMap.
 *
 * Why not a WeakMap: V8's young-generation scavenge visits every value of a WeakMap that lives in
 * the old generation (a module-level one does) as a strong reference, whether or not its key is
 * still reachable. A memo keyed by a per-keystroke object (a MigrationModel, a ProjectModel, an
 * Operation built for one text) whose value leads back to its key is then copied by every
 * scavenge and promoted, with its whole model, until the next full collection. In the language
 * server that was ≈ 1.2 MB promoted per scavenge on an 80-line revision (99 % of what the
 * previous scavenge kept), and 2–3 ms scavenges every ~14 keystrokes (docs/performance.md).
 * A property dies with its key in the scavenge that frees the key.
 */
export class ObjectMemo<K extends object, V> {
  private readonly slot: symbol;
  private readonly frozen = new WeakMap<K, V>();

  constructor(name: string) {
    this.slot = Symbol(name);
  }

  get(key: K): V | undefined {
    if (Object.prototype.hasOwnProperty.call(key, this.slot)) return (key as Record<symbol, V>)[this.slot];
    return this.frozen.get(key);
  }

  has(key: K): boolean {
    return Object.prototype.hasOwnProperty.call(key, this.slot) || this.frozen.has(key);
  }

  set(key: K, value: V): this {
    if (Object.prototype.hasOwnProperty.call(key, this.slot)) (key as Record<symbol, V>)[this.slot] = value;
    else if (Object.isExtensible(key))
      Object.defineProperty(key, this.slot, { value, writable: true, enumerable: false, configurable: true });
    else this.frozen.set(key, value);
    return this;
  }

  delete(key: K): boolean {
    if (!Object.prototype.hasOwnProperty.call(key, this.slot)) return this.frozen.delete(key);
    delete (key as Record<symbol, V>)[this.slot];
    return true;
  }
}

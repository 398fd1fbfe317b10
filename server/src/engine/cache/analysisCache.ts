import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import { effectiveSeverity, type ResolvedConfig } from '../../config/config';
import { ancestorsOf } from '../../model/graph';
import { findGuardModule, takeGuardModuleLookups } from '../../model/importedGuards';
import type { MigrationModel } from '../../model/migration';
import { declaredNamingConvention } from '../../model/namingConvention';
import type { ProjectModel } from '../../model/project';
import { allRules } from '../../rules';
import type { Finding, Rule } from '../../rules/types';
import type { RevisionFindingsCache } from '../lint';
import { analyzeFiles } from '../parallelAnalyze';
import { readText } from '../readText';
import { fixtureFiles } from '../../rules/SW501-fixture-schema';
import { rememberValidatedNames, validatedNamesOf } from '../../rules/SW602-not-valid-constraint';
import {
  rememberNotNullFacts,
  revisionNotNullFacts,
  type NotNullFacts,
} from '../../rules/SW610-not-null-without-check';
import { analyzeOnce } from '../analyze';
import { decodeModel, encodeModel, lazyModel, summarizeModel, type ModelSummary } from './modelCodec';
import { PROJECT_RULE_INPUTS, RULE_INPUTS, type RuleInputs } from './ruleInputs';
import { replayedSoFar, seedSchemas } from '../../model/schema';
import { PackedEntries } from './pack';
import { decodeSchema, encodeSchema } from './schemaCodec';
import { CacheStore } from './store';

/**
 * The persistent analysis cache the CLI and the language server share (`.schema-warden-cache/` at
 * the project root). Per revision file a small index entry and its model, keyed by the file's path
 * and content and the engine's build; a model read back is decoded only when something reads past
 * its identifiers (modelCodec.ts `lazyModel`). Findings are kept before waivers apply, keyed by the
 * project's settings (configuration, env.py, naming convention) and, as ruleInputs.ts says per
 * rule: the model's content (the application modules its dialect guards read included), a chain of
 * keys through its ancestors (valid because applied revisions do not change), that and the later
 * revisions' VALIDATEs (SW602), or the heads' chain keys (SW207, SW501 with the fixtures). The CLI
 * also keeps the replayed schema at checkpoints, so a replay starts from the nearest one. The
 * graph-wide rules that read the graph, git or the decision records always run. Whatever cannot be
 * read or trusted is rebuilt; see store.ts and pack.ts.
 */

declare const SCHEMA_WARDEN_BUILD: string | undefined;

const YIELD_EVERY = 100;
const PACK_INTERVAL_MS = 60_000;
/** A stored schema every this many revisions in graph order (and at the heads' parents). */
const SCHEMA_EVERY = 100;

/** The default folder, at the project root. */
export const DEFAULT_CACHE_DIR = '.schema-warden-cache';

export interface CacheSettings {
  /** Schema Warden's version (cli/version.ts). */
  version: string;
  /** `--cache-dir`, absolute; else the configuration's `cache-dir`, else DEFAULT_CACHE_DIR at the project root. */
  dir?: string;
  /**
   * Write new entries by themselves this long after the last one was made (the language server);
   * undefined: only when `flush` is called (the CLI, once its report is out).
   */
  flushAfterMs?: number;
  /**
   * Keep the replayed schema after some revisions (by chain key) and start replays from them
   * (the CLI). The language server replays once and then per keystroke from its own memo.
   */
  schemas?: boolean;
}

interface ProjectKeys {
  store: PackedEntries;
  /** Configuration, Alembic settings, enabled rules: what every findings key holds. */
  settings: string;
  /** Revision id → chain key; null where a cycle makes it undefined. */
  chain: Map<string, string | null>;
  /** Revision id → digest of the constraint names later revisions validate (SW602); made on first use. */
  laterValidations?: Map<string, string>;
  /** Per tier and its rules: the part of their findings keys every revision shares. */
  tiers: Map<string, string>;
  /** Per list of rules given (lint.ts passes the same list for every revision): how it splits. */
  ruleSplits: WeakMap<readonly Rule[], RuleSplit>;
}

/** The rules of one lint split by what their findings are keyed by, made once per list of rules. */
interface RuleSplit {
  /** The rules not turned off, in the order given (the order findings are returned in). */
  active: readonly Rule[];
  /** Per tier with rules: its rules and the shared part of its findings keys (shortened). */
  tiers: Array<{ tier: RuleInputs; rules: readonly Rule[]; key: string }>;
  /** Rules whose findings are never kept. */
  always: readonly Rule[];
}

/**
 * The small entry read for every unchanged file: what the revision graph and the findings keys
 * need. The model itself is a separate entry, decoded only when something reads it.
 */
interface IndexEntry {
  /** The application modules the model's dialect guards read, with their content hashes then. */
  deps: Array<{ module: string; file?: string; hash?: string }>;
  summary: ModelSummary;
  /** The constraint names the upgrade validates (SW602's key). */
  validations: string[];
  /** The NOT NULL checks the upgrade adds or validates (SW610's inherited state). */
  notNullFacts: NotNullFacts[];
}

export class AnalysisCache implements RevisionFindingsCache {
  readonly engineId: string;
  private readonly stores = new Map<string, CacheStore>();
  /** Per cache folder and project root: the pack of small entries (pack.ts). */
  private readonly packs = new Map<string, PackedEntries>();
  /**
   * Each model's content key, the base of its findings keys: the file's path and text and the
   * application modules its dialect guards read (their text changes the model, not the file's).
   * Only models read from or stored in the cache have one; the others' findings are not kept.
   */
  private readonly modelKeys = new WeakMap<MigrationModel, string>();
  private readonly projects = new WeakMap<ProjectModel, ProjectKeys>();
  private readonly pending: Array<() => void> = [];
  /** Projects whose replays start from stored schemas, to store theirs when flushing. */
  private readonly seeded: Array<{ project: ProjectModel; keys: ProjectKeys; read: Set<string> }> = [];
  private flushTimer: NodeJS.Timeout | undefined;
  /** How many models were read back and how many built, for the bench and the tests. */
  readonly stats = { modelsRead: 0, modelsBuilt: 0, modelsDecoded: 0, findingsRead: 0, findingsRun: 0, schemasRead: 0 };

  constructor(private readonly settings: CacheSettings) {
    const build = typeof SCHEMA_WARDEN_BUILD === 'string' ? SCHEMA_WARDEN_BUILD : 'unbundled';
    this.engineId = `${settings.version}+${build}`;
    // What is still to write when the language server is told to exit is written then (synchronously).
    if (settings.flushAfterMs !== undefined) process.once('exit', () => this.flush());
  }

  /** Counts from zero again (the language server re-indexes). */
  resetStats(): void {
    Object.assign(this.stats, {
      modelsRead: 0,
      modelsBuilt: 0,
      modelsDecoded: 0,
      findingsRead: 0,
      findingsRun: 0,
      schemasRead: 0,
    });
    for (const pack of this.packs.values()) pack.resetUse();
  }

  /** The cache folder of a project. */
  dirFor(projectRoot: string, config: ResolvedConfig): string {
    return this.settings.dir ?? config.cacheDir ?? path.join(projectRoot, DEFAULT_CACHE_DIR);
  }

  storeFor(projectRoot: string, config: ResolvedConfig): CacheStore {
    const dir = this.dirFor(projectRoot, config);
    let store = this.stores.get(dir);
    if (!store) {
      store = new CacheStore(dir, this.engineId);
      this.stores.set(dir, store);
    }
    return store;
  }

  /** The entries of one project (its root) in its cache folder, through the project's pack. */
  entriesFor(projectRoot: string, config: ResolvedConfig): PackedEntries {
    const store = this.storeFor(projectRoot, config);
    const id = `${store.dir}\0${projectRoot}`;
    let pack = this.packs.get(id);
    if (!pack) {
      pack = new PackedEntries(store, hash('pack', projectRoot));
      this.packs.set(id, pack);
    }
    return pack;
  }

  /**
   * `analyzeFiles` through the cache: a file whose stored model is still valid is read back, the
   * others are parsed (in the parse workers when there are many) and stored.
   */
  async analyzeFiles<T = never>(
    files: readonly string[],
    projectRoot: string,
    config: ResolvedConfig,
    parse: (files: readonly string[]) => Promise<Array<MigrationModel | T>> = analyzeFiles,
  ): Promise<Array<MigrationModel | T>> {
    const store = this.entriesFor(projectRoot, config);
    const results: Array<MigrationModel | T | undefined> = new Array(files.length);
    const missing: number[] = [];
    for (let i = 0; i < files.length; i++) {
      const model = this.readModel(store, files[i]);
      if (model) results[i] = model;
      else missing.push(i);
      // Let other work in (the language server's requests) now and then.
      if (i % YIELD_EVERY === YIELD_EVERY - 1) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const built = await parse(missing.map((i) => files[i]));
    missing.forEach((fileIndex, i) => {
      const result = built[i];
      results[fileIndex] = result;
      if (isModel(result)) this.storeModel(store, result);
    });
    this.stats.modelsRead += files.length - missing.length;
    this.stats.modelsBuilt += missing.length;
    return results as Array<MigrationModel | T>;
  }

  /**
   * The stored model of a file as it is now on disk, when there is a valid one: its index entry
   * read now, the rest of the model on first use (see modelCodec.ts `lazyModel`).
   */
  readModel(store: PackedEntries, file: string): MigrationModel | undefined {
    let source: string;
    try {
      source = readText(file);
    } catch {
      return undefined; // the parse reports it
    }
    const key = this.keyOf(file, source);
    const data = store.get('index', key);
    if (!data) return undefined;
    try {
      const entry = v8.deserialize(data) as IndexEntry;
      if (!entry.deps.every((dep) => dependencyUnchanged(file, dep))) return undefined;
      const { eager, lazy } = entry.summary;
      if (eager.path !== file || 'source' in eager || !Array.isArray(lazy)) return undefined;
      if (!Array.isArray(entry.validations) || !entry.validations.every((n) => typeof n === 'string')) return undefined;
      const model = lazyModel({ eager: { ...eager, source }, lazy }, () => this.loadModel(store, key, file, source));
      this.modelKeys.set(model, contentKeyOf(key, entry.deps));
      rememberValidatedNames(model, entry.validations as string[]);
      if (Array.isArray(entry.notNullFacts)) rememberNotNullFacts(model, entry.notNullFacts);
      return model;
    } catch {
      return undefined;
    }
  }

  /**
   * The whole model behind an index entry, when something reads past the index: decoded from its
   * entry, or, when that cannot be read or trusted, parsed again (and stored again).
   */
  private loadModel(store: PackedEntries, key: string, file: string, source: string): MigrationModel {
    const data = store.get('model', key);
    if (data) {
      try {
        const model = decodeModel(data);
        if (model.path === file && model.source === source) {
          this.stats.modelsDecoded++;
          return model;
        }
      } catch {
        // parsed again below
      }
    }
    // Throws ParserNotReadyError in a CLI run that has not loaded the parsers: it loads them and
    // runs again from the start (parse/parserReady.ts).
    const model = analyzeOnce(file, source);
    this.stats.modelsBuilt++;
    this.storeModel(store, model);
    return model;
  }

  /**
   * Stores a model just built. Its application-module lookups are taken from importedGuards and
   * hashed now, as they were when it was built; a model whose modules cannot be read is neither
   * stored nor given a content key (its findings run every time).
   */
  storeModel(store: PackedEntries, model: MigrationModel): void {
    const deps = takeGuardModuleLookups(model.path).map((l) => ({
      ...l,
      hash: l.file ? hashFile(l.file) : undefined,
    }));
    if (deps.some((d) => d.file && d.hash === undefined)) return;
    const key = this.keyOf(model.path, model.source);
    this.modelKeys.set(model, contentKeyOf(key, deps));
    this.later(() => {
      const validations = [...validatedNamesOf(model)];
      const notNullFacts = [...revisionNotNullFacts(model)];
      const encoded = encodeModel(model);
      if (!encoded) return;
      const entry: IndexEntry = { deps, summary: summarizeModel(model), validations, notNullFacts };
      let index: Buffer;
      try {
        index = v8.serialize(entry);
      } catch {
        return; // not plain data: parsed every time
      }
      // The model first: an index entry whose model is missing is parsed again when read.
      store.put('model', key, encoded);
      store.put('index', key, index);
    });
  }

  /**
   * Writes the entries this run made. Encoding and writing are left until the answer is out (the
   * CLI's report printed, the editor's workspace indexed): a cold run is not slowed by filling.
   */
  flush(): void {
    this.storeSchemas();
    for (let write = this.pending.shift(); write; write = this.pending.shift()) write();
    for (const pack of this.packs.values()) pack.write();
  }

  /** A summary for the language server's log: what was read back, what was built. */
  summary(): string {
    const { modelsRead, modelsBuilt, modelsDecoded, findingsRead, findingsRun } = this.stats;
    return (
      `cache: ${modelsRead} model(s) read (${modelsDecoded} decoded), ${modelsBuilt} parsed; ` +
      `${findingsRead} findings set(s) read, ${findingsRun} checked`
    );
  }

  private later(write: () => void): void {
    this.pending.push(write);
    if (this.settings.flushAfterMs === undefined) return;
    clearTimeout(this.flushTimer);
    this.flushTimer = setTimeout(() => void this.flushInBackground(), this.settings.flushAfterMs);
    this.flushTimer.unref();
  }

  /** `flush` a few entries at a time, letting the language server answer in between. */
  async flushInBackground(): Promise<void> {
    while (this.pending.length > 0) {
      // A few milliseconds at a time: a keystroke waits no longer than that for the cache.
      const until = performance.now() + 4;
      while (this.pending.length > 0 && performance.now() < until) (this.pending.shift() as () => void)();
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    // Edits keep adding entries: the pack is rewritten at most once a minute.
    for (const pack of this.packs.values()) pack.write(PACK_INTERVAL_MS);
  }

  findings(
    migration: MigrationModel,
    project: ProjectModel,
    rules: readonly Rule[],
    isEnabled: (id: string) => boolean,
    run: (rules: readonly Rule[]) => Finding[],
  ): Finding[] {
    const keys = this.projectKeys(project, isEnabled);
    const split = this.ruleSplit(keys, project, rules);
    const always = [...split.always];
    const byRule = new Map<string, Finding[]>();
    const add = (findings: readonly Finding[]): void => {
      for (const finding of findings) {
        const list = byRule.get(finding.ruleId);
        if (list) list.push(finding);
        else byRule.set(finding.ruleId, [finding]);
      }
    };
    for (const { tier, rules: tierRules, key: tierKey } of split.tiers) {
      const base =
        tier === 'revision'
          ? this.modelKeyOf(migration)
          : tier === 'ancestors'
            ? this.chainKeyOf(migration, project, keys)
            : this.laterValidationsKeyOf(migration, project, keys);
      if (base === undefined) {
        always.push(...tierRules);
        continue;
      }
      // The tier's part shortened, the revision's part whole (SW602's is itself two joined).
      const key = tierKey + base;
      const stored = readFindings(keys.store, key);
      if (stored) {
        this.stats.findingsRead++;
        add(stored);
        continue;
      }
      const found = run(tierRules);
      this.stats.findingsRun++;
      add(found);
      // Encoded now, as found (nothing downstream can change what is stored); written later.
      const data = encodeFindings(found);
      if (data) this.later(() => keys.store.put('findings', key, data));
    }
    if (always.length) add(run(always));
    return split.active.flatMap((r) => byRule.get(r.meta.id) ?? []);
  }

  /**
   * The findings of a whole-project rule: stored ones when the rule's inputs (ruleInputs.ts
   * PROJECT_RULE_INPUTS) are unchanged, else `run`'s, stored. Rules not listed, and projects
   * whose graph has a cycle, run every time. Findings are stored before waivers apply, like the
   * per-revision ones: a waiver or decision record edited is applied afresh on every run.
   */
  projectFindings(
    project: ProjectModel,
    rule: Rule,
    isEnabled: (id: string) => boolean,
    run: () => Finding[],
  ): Finding[] {
    const inputs = PROJECT_RULE_INPUTS[rule.meta.id];
    if (!inputs || project.graph.problems.some((p) => p.kind === 'cycle')) return run();
    const keys = this.projectKeys(project, isEnabled);
    const heads: string[] = [];
    for (const head of project.graph.heads) {
      const key = keys.chain.get(head);
      if (!key) return run();
      heads.push(key);
    }
    const parts = ['project', keys.settings, rule.meta.id, heads.join(',')];
    if (inputs === 'headsAndFixtures') {
      for (const file of fixtureFiles(project)) {
        const content = hashFile(file);
        if (content === undefined) return run();
        parts.push(file, content);
      }
    }
    const key = hash(...parts);
    const stored = readFindings(keys.store, key);
    if (stored) {
      this.stats.findingsRead++;
      return stored;
    }
    const found = run();
    this.stats.findingsRun++;
    const data = encodeFindings(found);
    if (data) this.later(() => keys.store.put('findings', key, data));
    return found;
  }

  /** Lets the project's replay start from the schemas stored for its revisions' chain keys. */
  private seed(project: ProjectModel, keys: ProjectKeys): void {
    const read = new Set<string>();
    this.seeded.push({ project, keys, read });
    seedSchemas(project, {
      afterOf: (id) => {
        const chain = keys.chain.get(id);
        if (!chain) return undefined;
        const data = keys.store.get('schema', hash('schema', chain));
        if (!data) return undefined;
        try {
          const schema = decodeSchema(data, (file) => project.byPath.get(file));
          this.stats.schemasRead++;
          read.add(id);
          return schema;
        } catch {
          return undefined;
        }
      },
    });
  }

  /**
   * Stores the schema after the checkpoints this run replayed: every hundredth revision in graph
   * order and the heads' parents (the newest revision edited starts from its parent's; a new one
   * from there, one revision further), unless stored already.
   */
  private storeSchemas(): void {
    for (const { project, keys, read } of this.seeded.splice(0)) {
      const replayed = replayedSoFar(project);
      if (replayed.size === 0) continue;
      const { graph } = project;
      const checkpoints = new Set(graph.order.filter((_, i) => (i + 1) % SCHEMA_EVERY === 0));
      // Not the heads themselves: the newest revision is the one being written, and a new one on
      // top of it replays it from its parent's schema (one revision).
      for (const head of graph.heads)
        for (const parent of graph.nodes.get(head)?.parents ?? []) checkpoints.add(parent);
      for (const head of graph.heads) checkpoints.delete(head);
      for (const id of checkpoints) {
        const after = replayed.get(id)?.after;
        const chain = keys.chain.get(id);
        if (!after || !chain || read.has(id)) continue;
        const key = hash('schema', chain);
        if (keys.store.store.has('schema', key)) continue;
        const data = encodeSchema(after, project.revisions);
        if (data) keys.store.put('schema', key, data);
      }
    }
  }

  /** One line per cache folder that could not be written at all. */
  writeProblems(): string[] {
    return [...this.stores.values()].map((s) => s.writeProblem()).filter((p): p is string => p !== undefined);
  }

  private keyOf(file: string, source: string): string {
    return hash('model', this.engineId, file, source);
  }

  private modelKeyOf(model: MigrationModel): string | undefined {
    return this.modelKeys.get(model);
  }

  private projectKeys(project: ProjectModel, isEnabled: (id: string) => boolean): ProjectKeys {
    let keys = this.projects.get(project);
    if (keys) return keys;
    const enabled = allRules.filter((r) => isEnabled(r.meta.id)).map((r) => r.meta.id);
    const settings = hash(
      'settings',
      this.engineId,
      project.root,
      canonicalJson(project.config),
      canonicalJson(project.alembic ?? null),
      // SW102 reads the naming convention declared in the application.
      enabled.includes('SW102') ? canonicalJson(declaredNamingConvention(project.root) ?? null) : '',
      enabled.join(','),
    );
    keys = {
      store: this.entriesFor(project.root, project.config),
      settings,
      chain: chainKeys(project, (m) => this.modelKeyOf(m)),
      tiers: new Map(),
      ruleSplits: new WeakMap(),
    };
    this.projects.set(project, keys);
    if (this.settings.schemas) this.seed(project, keys);
    return keys;
  }

  /**
   * SW602's key: the revision's chain key and the constraint names validated by the revisions
   * after it in graph order (read from the index entries, so no model is decoded for it).
   */
  private laterValidationsKeyOf(
    migration: MigrationModel,
    project: ProjectModel,
    keys: ProjectKeys,
  ): string | undefined {
    const chain = this.chainKeyOf(migration, project, keys);
    if (chain === undefined) return undefined;
    if (!keys.laterValidations) {
      // A digest of the names in the order of the revisions that validate them: it says more than
      // the set SW602 reads (so it misses more often), never less, and costs one hash per revision
      // that validates anything.
      const digests = new Map<string, string>();
      let digest = 'none';
      for (let i = project.graph.order.length - 1; i >= 0; i--) {
        const id = project.graph.order[i];
        digests.set(id, digest);
        const node = project.graph.nodes.get(id);
        const names = node ? validatedNamesOf(node.migration) : [];
        if (names.length) digest = hash('validations', digest, ...names);
      }
      keys.laterValidations = digests;
    }
    const later = migration.revision ? keys.laterValidations.get(migration.revision) : undefined;
    return later === undefined ? undefined : joinKeys(chain, later);
  }

  /**
   * How a list of rules splits into tiers, made once per list: per revision this was a filter over
   * every rule and a key built from their ids, thousands of times in a warm run.
   */
  private ruleSplit(keys: ProjectKeys, project: ProjectModel, rules: readonly Rule[]): RuleSplit {
    let split = keys.ruleSplits.get(rules);
    if (split) return split;
    const active = rules.filter((r) => effectiveSeverity(project.config, r.meta.id, r.meta.severity) !== 'off');
    const byTier: Record<RuleInputs, Rule[]> = { revision: [], ancestors: [], laterValidations: [] };
    const always: Rule[] = [];
    for (const rule of active) {
      const inputs = RULE_INPUTS[rule.meta.id] as RuleInputs | undefined;
      if (inputs) byTier[inputs].push(rule);
      else always.push(rule);
    }
    const tiers = (['revision', 'ancestors', 'laterValidations'] as const)
      .filter((tier) => byTier[tier].length > 0)
      .map((tier) => ({ tier, rules: byTier[tier], key: this.tierKey(keys, tier, byTier[tier]).slice(0, 32) }));
    split = { active, tiers, always };
    keys.ruleSplits.set(rules, split);
    return split;
  }

  private tierKey(keys: ProjectKeys, tier: string, rules: readonly Rule[]): string {
    const id = `${tier}:${rules.map((r) => r.meta.id).join(',')}`;
    let key = keys.tiers.get(id);
    if (!key) {
      key = hash(tier, keys.settings, id);
      keys.tiers.set(id, key);
    }
    return key;
  }

  /** The revision's chain key, when it is the graph's revision of its id and in no cycle. */
  private chainKeyOf(migration: MigrationModel, project: ProjectModel, keys: ProjectKeys): string | undefined {
    if (!migration.revision || project.graph.nodes.get(migration.revision)?.migration !== migration) return undefined;
    return keys.chain.get(migration.revision) ?? undefined;
  }
}

/**
 * Each revision's key through its ancestors: its model's key, its parents' and dependencies'
 * chain keys, and for a merge the order its ancestors are replayed in. Computed in graph order
 * (parents first); a revision in or after a cycle gets none.
 */
function chainKeys(
  project: ProjectModel,
  modelKey: (m: MigrationModel) => string | undefined,
): Map<string, string | null> {
  const { graph } = project;
  const keys = new Map<string, string | null>();
  const keyOfParent = (id: string): string | null => (graph.nodes.has(id) ? (keys.get(id) ?? null) : `missing:${id}`);
  for (const id of graph.order) {
    const node = graph.nodes.get(id);
    if (!node) continue;
    const own = modelKey(node.migration);
    const parts = [own ?? ''];
    let broken = own === undefined;
    for (const other of [...node.parents, '|', ...node.dependsOn]) {
      if (other === '|') {
        parts.push(other);
        continue;
      }
      const key = keyOfParent(other);
      if (key === null) broken = true;
      else parts.push(key);
    }
    if (node.parents.length > 1) {
      const ancestors = ancestorsOf(graph, id);
      parts.push(graph.order.filter((a) => ancestors.has(a)).join(','));
    }
    keys.set(id, broken ? null : hash('chain', ...parts));
  }
  return keys;
}

/** A model, not a file's problem (the language server's parse gives either). */
function isModel(result: unknown): result is MigrationModel {
  return typeof result === 'object' && result !== null && 'source' in result && 'operations' in result;
}

function readFindings(store: PackedEntries, key: string): Finding[] | undefined {
  const data = store.get('findings', key);
  if (!data) return undefined;
  try {
    const findings = v8.deserialize(data) as unknown;
    return Array.isArray(findings) ? (findings as Finding[]) : undefined;
  } catch {
    return undefined;
  }
}

function encodeFindings(findings: readonly Finding[]): Buffer | undefined {
  try {
    return v8.serialize(findings);
  } catch {
    return undefined; // not plain data: run again next time
  }
}

function dependencyUnchanged(revisionPath: string, dep: IndexEntry['deps'][number]): boolean {
  const file = findGuardModule(revisionPath, dep.module);
  if (file !== dep.file) return false;
  return !file || hashFile(file) === dep.hash;
}

/** A model's content key: its entry's key and, when its dialect guards read modules, their hashes. */
function contentKeyOf(entryKey: string, deps: IndexEntry['deps']): string {
  if (deps.length === 0) return entryKey;
  return hash('content', entryKey, ...deps.flatMap((d) => [d.module, d.file ?? '', d.hash ?? '']));
}

function hashFile(file: string): string | undefined {
  try {
    return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  } catch {
    return undefined;
  }
}

/**
 * Two keys (SHA-256 in hex) as one: the first half of each. A cache key needs no more than 128
 * bits of each to tell entries apart, and a run makes thousands of these (one per revision and
 * tier), where a hash each was a visible part of a warm run.
 */
function joinKeys(a: string, b: string): string {
  return a.slice(0, 32) + b.slice(0, 32);
}

function hash(...parts: string[]): string {
  const h = createHash('sha256');
  for (const part of parts) h.update(part).update('\0');
  return h.digest('hex');
}

/** JSON with sets and maps as sorted lists, so equal settings give equal text. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (key, v: unknown) => {
    if (key === 'cacheDir') return undefined; // where the cache is does not change what it holds
    if (v instanceof Set) return [...(v as Set<unknown>)].map(String).sort();
    if (v instanceof Map)
      return [...(v as Map<unknown, unknown>)].sort(([a], [b]) => String(a).localeCompare(String(b)));
    return v;
  });
}

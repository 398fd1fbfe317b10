import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { buildModelFromCopy } from '../model/buildMigration';
import type { MigrationModel } from '../model/migration';
import { parserInput } from '../parse/python';
import { decodeTree, type LanguageTables } from '../parse/pyTree';
import { libpgQueryAnalyzer, type SqlAnalyzer } from '../parse/sql';
import { analyzeOnce, initEngine } from './analyze';
import type { ParsedFile, ToMain, ToWorker } from './parseProtocol';
import { readText } from './readText';

/**
 * Analyses many revision files with every core: worker threads read and parse them with
 * tree-sitter (engine/parseWorker.ts) while this thread builds the models from the trees they
 * send, and parses files itself from the other end of the list whenever it has nothing to build.
 * The result is the same as `files.map((f) => analyzeOnce(f, readText(f)))`, in the same order;
 * any worker that fails leaves its files to this thread.
 */
export async function analyzeFiles(files: readonly string[], sql?: SqlAnalyzer): Promise<MigrationModel[]> {
  return analyzeFilesWith(files, { sql });
}

export interface AnalyzeOptions<T> {
  /** Default: none below PARALLEL_FROM files, else `parseWorkerCount()`. */
  workers?: number;
  /** The worker script (tests); by default parseWorker.js beside this file or bundle. */
  script?: string;
  /**
   * Analyses one file on this thread, and is what a file a worker could not read goes through, so
   * that errors are met where they always were. Default: `analyzeOnce(file, readText(file))`.
   */
  local?: (file: string) => T;
  /** Called now and then with the number of files done. */
  progress?: (done: number) => void;
  /** How the models' SQL is parsed (default: while building, `libpgQueryAnalyzer`). */
  sql?: SqlAnalyzer;
}

/** `analyzeFiles` with what to do with each file here, and the number of workers when it is not automatic. */
export async function analyzeFilesWith<T = MigrationModel>(
  files: readonly string[],
  options: AnalyzeOptions<T>,
): Promise<Array<T | MigrationModel>> {
  if (files.length === 0) return [];
  const sql = options.sql ?? libpgQueryAnalyzer;
  const local: (file: string) => T | MigrationModel =
    options.local ?? ((file) => analyzeOnce(file, readText(file), sql));
  const script = options.script ?? path.join(__dirname, 'parseWorker.js');
  const workers = options.workers ?? (files.length >= PARALLEL_FROM ? parseWorkerCount() : 0);
  if (workers === 0 || !fs.existsSync(script)) {
    // Parsers are loaded when there is something to parse (a run answered by the cache loads none).
    await initEngine();
    const results: Array<T | MigrationModel> = [];
    for (const file of files) {
      results.push(local(file));
      if (options.progress && results.length % PROGRESS_EVERY === 0) {
        options.progress(results.length);
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
    return results;
  }
  return new ParallelAnalysis<T | MigrationModel>(files, workers, script, local, options.progress, sql).run();
}

/** Below this many files a worker's start (≈ 0.1 s: a thread, a bundle, a WASM compile) costs more than it saves. */
const PARALLEL_FROM = 48;
/** Files a worker is sent at once; it is kept two chunks ahead. */
const CHUNK = 8;
const PROGRESS_EVERY = 25;

/**
 * `SCHEMA_WARDEN_PARSE_WORKERS` (0 turns them off); else one core for this thread and the rest,
 * up to four, for workers; none on a single core.
 */
export function parseWorkerCount(): number {
  const setting = process.env.SCHEMA_WARDEN_PARSE_WORKERS;
  if (setting !== undefined && /^\d+$/.test(setting.trim())) return Math.min(Number(setting), 16);
  const cores = os.availableParallelism();
  return cores < 2 ? 0 : Math.min(cores - 1, 4);
}

class ParallelAnalysis<T> {
  private readonly results: Array<T | undefined>;
  private done = 0;
  /** Files [front, back) are not taken yet: workers take from the front, this thread from the back. */
  private front = 0;
  private back: number;
  private readonly received: ParsedFile[] = [];
  /** Files a failed worker had been sent: analysed here. */
  private readonly orphaned: number[] = [];
  private readonly inFlight = new Map<Worker, Set<number>>();
  private tables: LanguageTables | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly files: readonly string[],
    private readonly workerCount: number,
    private readonly script: string,
    private readonly local: (file: string) => T,
    private readonly progress: ((done: number) => void) | undefined,
    private readonly sql: SqlAnalyzer,
  ) {
    this.results = new Array(files.length);
    this.back = files.length;
  }

  async run(): Promise<T[]> {
    // The workers start (a thread, a bundle, their own WASM compile) while this thread's parsers load.
    for (let i = 0; i < this.workerCount; i++) this.startWorker();
    try {
      await initEngine();
      while (this.done < this.files.length) {
        const parsed = this.nextReceived();
        if (parsed) this.buildFrom(parsed);
        else if (this.orphaned.length > 0) this.analyzeHere(this.orphaned.pop() as number);
        else if (this.front < this.back) this.analyzeHere(--this.back);
        else {
          await new Promise<void>((resolve) => {
            this.wake = resolve;
          });
          continue;
        }
        if (this.progress && this.done % PROGRESS_EVERY === 0) this.progress(this.done);
        // Let the workers' messages (and, in the language server, requests) in between files.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      return this.results as T[];
    } finally {
      for (const worker of this.inFlight.keys()) void worker.terminate();
      this.inFlight.clear();
    }
  }

  private startWorker(): void {
    const worker = new Worker(this.script);
    worker.unref();
    this.inFlight.set(worker, new Set());
    worker.on('message', (message: ToMain) => this.onMessage(worker, message));
    worker.on('error', () => this.retire(worker));
    worker.on('exit', () => this.retire(worker));
    this.sendChunk(worker);
    this.sendChunk(worker);
  }

  private sendChunk(worker: Worker): void {
    const files: ToWorker['files'] = [];
    while (files.length < CHUNK && this.front < this.back) {
      const index = this.front++;
      files.push({ index, file: this.files[index] });
      this.inFlight.get(worker)?.add(index);
    }
    if (files.length > 0) worker.postMessage({ files } satisfies ToWorker);
  }

  private onMessage(worker: Worker, message: ToMain): void {
    if (message.kind === 'tables') this.tables = message.tables;
    else if (message.kind === 'fatal') {
      this.retire(worker);
      void worker.terminate();
    } else {
      const pending = this.inFlight.get(worker);
      for (const file of message.files) {
        pending?.delete(file.index);
        this.received.push(file);
      }
      this.sendChunk(worker);
    }
    this.wakeUp();
  }

  /** A worker that failed or ended: its unanswered files are analysed here. */
  private retire(worker: Worker): void {
    const pending = this.inFlight.get(worker);
    if (!pending) return;
    this.orphaned.push(...pending);
    this.inFlight.delete(worker);
    this.wakeUp();
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** A received file that can be built now (a tree needs the grammar's tables, sent first). */
  private nextReceived(): ParsedFile | undefined {
    const first = this.received[0];
    if (!first || (first.failed === undefined && !this.tables)) return undefined;
    return this.received.shift();
  }

  private buildFrom(parsed: ParsedFile): void {
    if (parsed.failed !== undefined) {
      this.analyzeHere(parsed.index);
      return;
    }
    const root = decodeTree(parsed.encoded, this.tables as LanguageTables, parserInput(parsed.source));
    this.store(parsed.index, buildModelFromCopy(parsed.file, parsed.source, root, parsed.syntaxErrors, this.sql) as T);
  }

  private analyzeHere(index: number): void {
    this.store(index, this.local(this.files[index]));
  }

  private store(index: number, result: T): void {
    if (this.results[index] === undefined) this.done++;
    this.results[index] = result;
  }
}

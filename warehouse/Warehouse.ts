import type { DuckDBConnection, DuckDBMaterializedResult, DuckDBValue } from '@duckdb/node-api';
import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import { CortexError } from '../errors/CortexError.js';
import { appendColumns, float64Columns, restoreAppendSession, typedColumns, type BulkColumn } from './bulk.js';
import { closeConnections, openConnections, type Connections } from './connections.js';
import { applyMigrations, schemaVersion, type MigrationOptions } from './migrations.js';
import { Mutex } from './Mutex.js';
import { copyFileAtomically } from './publish.js';
import { type ReaderPool, rowObjects } from './ReaderPool.js';
import { bindTypes, type SqlParams } from './sqlParams.js';
import { scopedRead, unscoped } from './statementScope.js';

export type Row = Record<string, unknown>;

export interface WarehouseOptions {
  /** A DuckDB file path, or ':memory:'. */
  readonly path: string;
  /** Open without taking the writer lock; writes then fail. */
  readonly readOnly?: boolean;
  /** Connections used for reads, so a long read does not queue behind another (default: one per CPU, at least 2). */
  readonly readers?: number;
  /** Entries in the read-result cache (0 disables it). */
  readonly cacheEntries?: number;
  /** Batch size and progress of long migrations (migration 10 converts voxel scores in batches). */
  readonly migration?: MigrationOptions;
  /**
   * Serve a Parquet export (the folder `exportParquet` writes) instead of a DuckDB file: an
   * in-memory DuckDB whose tables are views over the files; read-only. `path` names the folder.
   */
  readonly parquet?: boolean;
  /** DuckDB's memory limit, e.g. '2GB' (default DuckDB's: 80% of RAM). Bounds the buffer pool, hence RSS. */
  readonly memoryLimit?: string;
}

/** What a write transaction may do: the same statements, on the single writer connection. */
export interface WriteTx {
  run(sql: string, params?: SqlParams): Promise<void>;
  all<T = Row>(sql: string, params?: SqlParams): Promise<T[]>;
  /**
   * Bulk-appends typed-array columns (all of the table's columns, in order); several parts
   * (each its own equal-length columns) go through one appender.
   */
  append(table: string, ...parts: (readonly BulkColumn[])[]): Promise<number>;
}

/**
 * The DuckDB warehouse: one instance, one writer connection (DuckDB allows a single writer
 * process, and one connection per process keeps transactions from interleaving) and a few
 * reader connections that see committed data through DuckDB's MVCC.
 */
export class Warehouse {
  /** Statements issued since open; tests use it to check DataLoader batching. */
  statementCount = 0;
  /** Bumped by every committed write; caches key on it so new data invalidates them. */
  dataVersion = 0;
  /**
   * Bumped before and after every commit, bookkeeping included (odd: a commit is in flight). A
   * prepared read statement lasts one even version (see Reader), and a read that overlapped a
   * commit runs again, so no plan made before a commit executes on the data after it.
   */
  private writeVersion = 0;
  private commitDone: Promise<void> = Promise.resolve();

  /** Cache hits served without a statement; for benchmarks and tests. */
  cacheHits = 0;

  private readonly writeLock = new Mutex();
  private readonly cache: ReadCache;

  private constructor(
    readonly path: string,
    readonly readOnly: boolean,
    private readonly options: WarehouseOptions,
    private connections: Connections,
    cacheEntries: number,
  ) {
    this.cache = new ReadCache(cacheEntries);
  }

  private get writer(): DuckDBConnection {
    return this.connections.writer;
  }

  private get readers(): ReaderPool {
    return this.connections.readers;
  }

  /** Reader connections (queries run on them concurrently). */
  get readerCount(): number {
    return this.readers.size;
  }

  static async create(options: WarehouseOptions): Promise<Warehouse> {
    const { path, parquet = false, readers = defaultReaders(), cacheEntries = 256 } = options;
    const readOnly = options.readOnly === true || parquet;
    if (path !== ':memory:' && !parquet) mkdirSync(dirname(path), { recursive: true });
    const connections = await openConnections({ path, parquet, readOnly, readers, memoryLimit: options.memoryLimit });
    const warehouse = new Warehouse(path, readOnly, options, connections, cacheEntries);
    if (readOnly) {
      try {
        await checkSchemaVersion(warehouse);
      } catch (error) {
        await warehouse.close();
        throw error;
      }
    } else {
      try {
        await applyMigrations(warehouse, options.migration);
      } catch (error) {
        await warehouse.close();
        throw error;
      }
    }
    return warehouse;
  }

  /**
   * Runs a read on one of the reader connections and returns plain row objects (shared with
   * the cache: callers must not mutate them). Results are cached until the next write;
   * pass `cache: false` for large reads (matrices) that are not worth keeping.
   */
  async all<T = Row>(sql: string, params: SqlParams = [], options: { cache?: boolean } = {}): Promise<T[]> {
    const key = options.cache === false ? null : this.cache.key(sql, params);
    const hit = key === null ? undefined : this.cache.get(key, this.dataVersion);
    if (hit) {
      this.cacheHits++;
      return hit as T[];
    }
    // Identical reads in flight at once share one execution (with the cache off too): a burst
    // of clients asking the same thing costs DuckDB one query. Nothing outlives the read.
    const same = options.cache === false ? null : (key ?? ReadCache.keyOf(sql, params));
    const joined = this.inFlightRead<T>(same);
    if (joined) return joined;
    // The first asker waits for its turn in its request's scope (budget, cancellation) and holds
    // it while the read runs; the execution itself runs outside any scope, so a cancelled or
    // over-budget request fails alone, never another request sharing its rows.
    return scopedRead(async () => {
      // While this request waited for its turn, the same read may have finished or started.
      const cached = key === null ? undefined : this.cache.get(key, this.dataVersion);
      if (cached) {
        this.cacheHits++;
        return cached as T[];
      }
      const late = this.inFlightRead<T>(same);
      if (late) return late;
      const version = this.dataVersion;
      const rows = unscoped(() => this.read(sql, params, (result) => rowObjects<T>(result)));
      if (same !== null) {
        const flight = `${this.writeVersion}\u0000${same}`;
        this.inFlight.set(flight, rows);
        void rows.finally(() => this.inFlight.delete(flight)).catch(() => undefined);
      }
      if (key !== null) this.cache.set(key, version, await rows);
      return rows;
    });
  }

  /** The same read, already running against the current data, if any. */
  private inFlightRead<T>(same: string | null): Promise<T[]> | undefined {
    return same === null ? undefined : (this.inFlight.get(`${this.writeVersion}\u0000${same}`) as Promise<T[]> | undefined);
  }

  private readonly inFlight = new Map<string, Promise<unknown[]>>();

  /** Reads DOUBLE columns into Float64Arrays (NULL → NaN) without building row objects. */
  async readColumns(sql: string, params: SqlParams = []): Promise<{ names: string[]; columns: Float64Array[]; rowCount: number }> {
    return scopedRead(() => this.read(sql, params, float64Columns));
  }

  /** Reads numeric columns into typed arrays of their own type (see bulk.typedColumns). */
  async readTyped(sql: string, params: SqlParams = []): Promise<ReturnType<typeof typedColumns>> {
    return scopedRead(() => this.read(sql, params, typedColumns));
  }

  /**
   * A small value derived from the data (a subject's voxel → ROI map), computed once per data
   * version and kept in a bounded LRU. Not a result cache: it stays on with `cacheEntries: 0`.
   * Shared by requests, so its reads run outside any request's scope (one cancelled request
   * must not fail the others waiting on the value).
   */
  async derived<T>(key: string, compute: () => Promise<T>): Promise<T> {
    const version = this.dataVersion;
    const hit = this.derivedValues.get(key);
    if (hit && hit.version === version) {
      this.derivedValues.delete(key);
      this.derivedValues.set(key, hit);
      return hit.value as Promise<T>;
    }
    const value = unscoped(compute);
    this.derivedValues.set(key, { version, value });
    if (this.derivedValues.size > 64) this.derivedValues.delete(this.derivedValues.keys().next().value!);
    value.catch(() => this.derivedValues.delete(key));
    return value;
  }

  private readonly derivedValues = new Map<string, { version: number; value: Promise<unknown> }>();

  private read<R>(sql: string, params: SqlParams, convert: (result: DuckDBMaterializedResult) => R): Promise<R> {
    return this.native(async () => {
      for (;;) {
        while (this.writeVersion % 2 === 1) await this.commitDone;
        const version = this.writeVersion;
        this.statementCount++;
        // Converted while the reader is held: a materialised result reads chunks through the instance.
        const out = await this.readers.use(async (r) => {
          const result = await r.run(sql, params, bindTypes(params), version);
          return this.writeVersion === version ? { rows: convert(result) } : null;
        });
        if (out) return out.rows;
      }
    });
  }

  private async commit(): Promise<void> {
    let done!: () => void;
    this.commitDone = new Promise((resolve) => (done = resolve));
    this.writeVersion++;
    try {
      this.statementCount++;
      await this.writer.run('COMMIT');
    } finally {
      this.writeVersion++;
      done();
    }
  }

  /**
   * Runs `work` in one transaction on the writer connection; any error rolls everything back.
   * Callers that only touch tables never read through the cache (jobs) pass dataChange: false.
   */
  async write<T>(work: (tx: WriteTx) => Promise<T>, options: { dataChange?: boolean } = {}): Promise<T> {
    if (this.readOnly) {
      throw new CortexError('WAREHOUSE_ERROR', 'this server has its warehouse read-only (a replica or a Parquet export): write through the writer', { readOnly: true });
    }
    return this.writeLock.run(() => this.native(async () => {
      const tx: WriteTx = {
        append: (table, ...parts) => {
          this.statementCount++;
          return appendColumns(this.writer, table, ...parts);
        },
        run: async (sql, params = []) => {
          this.statementCount++;
          await this.writer.run(sql, params as DuckDBValue[], bindTypes(params));
        },
        all: async <R>(sql: string, params: SqlParams = []) => {
          this.statementCount++;
          return rowObjects<R>(await this.writer.run(sql, params as DuckDBValue[], bindTypes(params)));
        },
      };
      await tx.run('BEGIN TRANSACTION');
      try {
        const result = await work(tx);
        await this.commit();
        // Bookkeeping writes (job progress) pass dataChange: false so they keep read caches valid.
        if (options.dataChange !== false) this.dataVersion++;
        return result;
      } catch (error) {
        await this.writer.run('ROLLBACK').catch(() => undefined);
        await restoreAppendSession(this.writer).catch(() => undefined);
        throw error;
      }
    }));
  }

  /**
   * Read-only: opens the file anew (a publisher replaced it) and swaps the new connections in.
   * Reads in flight finish on the old ones, which close once idle; caches start over.
   */
  async reopen(): Promise<void> {
    if (!this.readOnly || this.options.parquet) throw new CortexError('INTERNAL', 'reopen: only a read-only warehouse file reopens');
    const next = await openConnections({ path: this.path, parquet: false, readOnly: true, readers: this.readers.size, memoryLimit: this.options.memoryLimit });
    const old = this.connections;
    this.connections = next;
    this.dataVersion++;
    this.writeVersion += 2;
    try {
      await checkSchemaVersion(this);
    } catch (error) {
      this.connections = old;
      void next.readers.drained().then(() => closeConnections(next));
      throw error;
    }
    void old.readers.drained().then(() => closeConnections(old));
  }

  /**
   * Publishes the warehouse for read replicas: checkpoints, then copies the file to `target`
   * atomically (a temporary file in the same folder, fsync, rename), holding the write lock so
   * no write lands mid-copy (reads go on). Replicas watching `target` reopen it.
   */
  async publish(target: string): Promise<{ bytes: number; ms: number }> {
    if (this.readOnly || this.path === ':memory:') throw new CortexError('WAREHOUSE_ERROR', `warehouse ${this.path} cannot be published: it is read-only or in memory`);
    return this.writeLock.run(() => this.native(async () => {
      const t0 = performance.now();
      this.statementCount++;
      await this.writer.run('CHECKPOINT');
      const bytes = await copyFileAtomically(this.path, target);
      return { bytes, ms: performance.now() - t0 };
    }));
  }

  /** Writes the WAL into the database file (outside any transaction, under the write lock). */
  async checkpoint(): Promise<void> {
    await this.writeLock.run(() => this.native(async () => {
      this.statementCount++;
      await this.writer.run('CHECKPOINT');
    }));
  }

  private closed = false;
  /** Native calls (statements, appends, checkpoints) in flight on this warehouse's connections. */
  private busy = 0;
  private closing: Promise<void> | null = null;
  private whenClosed: () => void = () => undefined;

  /**
   * Counts native work in flight: closing DuckDB's instance under a running statement crashes
   * the process (a segfault, or a hang). Work started after close() is refused with a code.
   */
  private async native<T>(work: () => Promise<T>): Promise<T> {
    if (this.closed) throw new CortexError('UNAVAILABLE', 'the warehouse is closed (the server is shutting down): retry against a running server');
    this.busy++;
    try {
      return await work();
    } finally {
      if (--this.busy === 0 && this.closed) this.closeNow();
    }
  }

  /**
   * Closes every connection and the instance: at once when nothing runs on them, else as soon
   * as the statements in flight finish (new ones are refused meanwhile). The promise resolves
   * once closed, the file lock released; closing twice returns the same promise.
   */
  close(): Promise<void> {
    if (!this.closing) {
      this.closed = true;
      this.closing = new Promise((resolve) => (this.whenClosed = resolve));
      if (this.busy === 0) this.closeNow();
    }
    return this.closing;
  }

  private closeNow(): void {
    try {
      closeConnections(this.connections);
    } finally {
      this.whenClosed();
    }
  }
}

/** A read-only warehouse must have been written by this version's migrations. */
async function checkSchemaVersion(wh: Warehouse): Promise<void> {
  const [row] = await wh.all<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations', [], { cache: false }).catch(() => [{ v: null }]);
  if (row?.v !== schemaVersion()) {
    throw new CortexError(
      'WAREHOUSE_ERROR',
      `warehouse ${wh.path} has schema version ${row?.v ?? 'none'}, this server reads version ${schemaVersion()}: ` +
        'open it once for writing with this version (it migrates), then publish or export it again',
      { path: wh.path, schemaVersion: row?.v ?? null, expected: schemaVersion() },
    );
  }
}

/**
 * Read results keyed by SQL and parameters, valid for one data version: every committed write
 * bumps the version, so a cached result is never older than the data. Bounded in entries and
 * rows (large voxel reads are not worth keeping), evicting the least recently used.
 */
class ReadCache {
  private readonly entries = new Map<string, { version: number; rows: unknown[] }>();
  constructor(private readonly capacity: number, private readonly maxRows = 20_000) {}

  key(sql: string, params: SqlParams): string | null {
    return this.capacity === 0 ? null : ReadCache.keyOf(sql, params);
  }

  static keyOf(sql: string, params: SqlParams): string {
    return `${sql}\u0000${JSON.stringify(params, (_, v) => (typeof v === 'bigint' ? `${v}n` : v))}`;
  }

  get(key: string, version: number): unknown[] | undefined {
    const entry = this.entries.get(key);
    if (!entry || entry.version !== version) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.rows;
  }

  set(key: string, version: number, rows: unknown[]): void {
    if (rows.length > this.maxRows) return;
    this.entries.delete(key);
    this.entries.set(key, { version, rows });
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }
}

/** One reader connection per CPU (at least 2): reads run in parallel up to the cores there are. */
export function defaultReaders(): number {
  return Math.max(2, availableParallelism());
}

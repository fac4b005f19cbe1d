import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { CortexError } from '../errors/CortexError.js';
import { appendColumns, readFloat64Columns, type BulkColumn } from './bulk.js';
import { applyMigrations } from './migrations.js';
import { Mutex } from './Mutex.js';

export type SqlParams = readonly DuckDBValue[];
export type Row = Record<string, unknown>;

export interface WarehouseOptions {
  /** A DuckDB file path, or ':memory:'. */
  readonly path: string;
  /** Open without taking the writer lock; writes then fail. */
  readonly readOnly?: boolean;
  /** Connections used for reads, so a long read does not queue behind another. */
  readonly readers?: number;
}

/** What a write transaction may do: the same statements, on the single writer connection. */
export interface WriteTx {
  run(sql: string, params?: SqlParams): Promise<void>;
  all<T = Row>(sql: string, params?: SqlParams): Promise<T[]>;
  /** Bulk-appends typed-array columns (all of the table's columns, in order). */
  append(table: string, columns: readonly BulkColumn[]): Promise<number>;
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

  private readonly writeLock = new Mutex();
  private nextReader = 0;

  private constructor(
    readonly path: string,
    readonly readOnly: boolean,
    private readonly instance: DuckDBInstance,
    private readonly writer: DuckDBConnection,
    private readonly readers: DuckDBConnection[],
  ) {}

  static async create(options: WarehouseOptions): Promise<Warehouse> {
    const { path, readOnly = false, readers = 2 } = options;
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const instance = await openInstance(path, readOnly);
    const writer = await instance.connect();
    const readerConnections: DuckDBConnection[] = [];
    for (let i = 0; i < readers; i++) readerConnections.push(await instance.connect());
    const warehouse = new Warehouse(path, readOnly, instance, writer, readerConnections);
    if (!readOnly) await applyMigrations(warehouse);
    return warehouse;
  }

  /** Runs a read on one of the reader connections and returns plain row objects. */
  async all<T = Row>(sql: string, params: SqlParams = []): Promise<T[]> {
    return readRows<T>(this.pickReader(), sql, params, this);
  }

  /** Reads DOUBLE columns into Float64Arrays (NULL → NaN) without building row objects. */
  async readColumns(sql: string, params: SqlParams = []): Promise<{ names: string[]; columns: Float64Array[]; rowCount: number }> {
    this.statementCount++;
    return readFloat64Columns(this.pickReader(), sql, params);
  }

  private pickReader(): DuckDBConnection {
    return this.readers[this.nextReader++ % this.readers.length] ?? this.writer;
  }

  /** Runs `work` in one transaction on the writer connection; any error rolls everything back. */
  async write<T>(work: (tx: WriteTx) => Promise<T>): Promise<T> {
    if (this.readOnly) throw new CortexError('WAREHOUSE_ERROR', `warehouse ${this.path} is open read-only`);
    return this.writeLock.run(async () => {
      const tx: WriteTx = {
        append: (table, columns) => {
          this.statementCount++;
          return appendColumns(this.writer, table, columns);
        },
        run: async (sql, params = []) => {
          this.statementCount++;
          await this.writer.run(sql, params as DuckDBValue[]);
        },
        all: (sql, params = []) => readRows(this.writer, sql, params, this),
      };
      await tx.run('BEGIN TRANSACTION');
      try {
        const result = await work(tx);
        await tx.run('COMMIT');
        this.dataVersion++;
        return result;
      } catch (error) {
        await this.writer.run('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  close(): void {
    for (const c of this.readers) c.closeSync();
    this.writer.closeSync();
    this.instance.closeSync();
  }
}

async function openInstance(path: string, readOnly: boolean): Promise<DuckDBInstance> {
  try {
    return await DuckDBInstance.create(path, readOnly ? { access_mode: 'READ_ONLY' } : {});
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const lock = /Conflicting lock is held in (.*?) \(PID (\d+)\)/.exec(message);
    if (lock) {
      throw new CortexError(
        'WAREHOUSE_LOCKED',
        `warehouse ${path} is already open for writing by another process (PID ${lock[2]}); ` +
          'DuckDB allows one writer: stop that process, or open this one read-only',
        { path, pid: Number(lock[2]) },
      );
    }
    throw new CortexError('WAREHOUSE_ERROR', `cannot open warehouse ${path}: ${message}`, { path }, { cause: error });
  }
}

async function readRows<T>(connection: DuckDBConnection, sql: string, params: SqlParams, owner: Warehouse): Promise<T[]> {
  owner.statementCount++;
  const reader = await connection.runAndReadAll(sql, params as DuckDBValue[]);
  return reader.getRowObjectsJS().map((row) => normaliseRow(row) as T);
}

/** BIGINT columns come back as bigint; every count and token number here fits a double exactly. */
function normaliseRow(row: Record<string, unknown>): Row {
  for (const key of Object.keys(row)) {
    const v = row[key];
    if (typeof v === 'bigint') row[key] = Number(v);
  }
  return row;
}

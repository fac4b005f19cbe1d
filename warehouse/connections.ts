import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { CortexError } from '../errors/CortexError.js';
import { bulkScanFunction } from './bulk.js';
import { attachParquetExport } from './parquetExport.js';
import { Reader, ReaderPool } from './ReaderPool.js';

/** One opened warehouse: the DuckDB instance, its writer connection and its readers. */
export interface Connections {
  readonly instance: DuckDBInstance;
  readonly writer: DuckDBConnection;
  readonly readers: ReaderPool;
  /** Kept reachable while the instance lives: DuckDB calls back into it on every bulk append. */
  readonly bulkScan: unknown;
}

export interface Source {
  /** A DuckDB file, ':memory:', or (parquet) an export folder. */
  readonly path: string;
  readonly parquet: boolean;
  readonly readOnly: boolean;
  readonly readers: number;
}

export async function openConnections(source: Source): Promise<Connections> {
  const instance = await openInstance(source.parquet ? ':memory:' : source.path, source.readOnly && !source.parquet, source.path);
  try {
    const writer = await instance.connect();
    const bulkScan = bulkScanFunction();
    writer.registerTableFunction(bulkScan);
    if (source.parquet) await attachParquetExport(writer, source.path);
    const readers: Reader[] = [];
    for (let i = 0; i < Math.max(1, source.readers); i++) readers.push(new Reader(await instance.connect()));
    return { instance, writer, readers: new ReaderPool(readers), bulkScan };
  } catch (error) {
    instance.closeSync();
    throw error;
  }
}

export function closeConnections(c: Connections): void {
  c.readers.close();
  c.writer.closeSync();
  c.instance.closeSync();
}

async function openInstance(file: string, readOnly: boolean, name: string): Promise<DuckDBInstance> {
  try {
    return await DuckDBInstance.create(file, readOnly ? { access_mode: 'READ_ONLY' } : {});
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const lock = /Conflicting lock is held in (.*?) \(PID (\d+)\)/.exec(message);
    if (lock) {
      throw new CortexError(
        'WAREHOUSE_LOCKED',
        `warehouse ${name} is already open for writing by another process (PID ${lock[2]}); ` +
          'DuckDB allows one writer: stop that process, or open this one read-only',
        { path: name, pid: Number(lock[2]) },
      );
    }
    throw new CortexError('WAREHOUSE_ERROR', `cannot open warehouse ${name}: ${message}`, { path: name }, { cause: error });
  }
}

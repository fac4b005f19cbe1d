import duckdb from '@duckdb/node-bindings';
import {
  DOUBLE,
  FLOAT,
  INTEGER,
  SMALLINT,
  USMALLINT,
  VARCHAR,
  DuckDBDataChunk,
  type DuckDBAppender,
  type DuckDBConnection,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import { CortexError } from '../errors/CortexError.js';
import { bindTypes } from './Warehouse.js';

/**
 * Bulk paths between typed arrays and DuckDB. Row-by-row appends and row objects cost
 * ~2 M rows/s; copying whole vectors runs at ~13 M rows/s in and ~40 M rows/s out here.
 */

/**
 * A column to append: numeric columns from typed arrays (NaN becomes NULL; for USMALLINT the
 * value `nullValue` does), an INTEGER or string constant, or strings one value per row.
 */
export type BulkColumn =
  | { readonly type: 'DOUBLE'; readonly values: Float64Array }
  | { readonly type: 'REAL'; readonly values: Float32Array }
  | { readonly type: 'INTEGER'; readonly values: Int32Array }
  | { readonly type: 'INTEGER'; readonly constant: number }
  | { readonly type: 'SMALLINT'; readonly values: Int16Array }
  | { readonly type: 'USMALLINT'; readonly values: Uint16Array; readonly nullValue?: number }
  | { readonly type: 'VARCHAR'; readonly values: readonly (string | null)[] }
  | { readonly type: 'VARCHAR'; readonly constant: string };

const DUCK_TYPES: Record<BulkColumn['type'], DuckDBType> = {
  DOUBLE,
  REAL: FLOAT,
  INTEGER,
  SMALLINT,
  USMALLINT,
  VARCHAR,
};

function columnLength(column: BulkColumn): number | null {
  return 'constant' in column ? null : column.values.length;
}

let ramp = new Int32Array(0);

/** 0, 1, …, n − 1 (a shared buffer: callers must not write to it). */
export function rampTo(n: number): Int32Array {
  if (ramp.length < n) ramp = Int32Array.from({ length: Math.max(n, 2 * ramp.length) }, (_, i) => i);
  return ramp.subarray(0, n);
}

/**
 * Appends `parts` (each the table's columns, in order, all of it) to `table` through one
 * DataChunk appender on `connection`. Run it inside the caller's write transaction so a
 * failure leaves nothing behind. Returns the rows appended.
 */
export async function appendColumns(
  connection: DuckDBConnection,
  table: string,
  ...parts: (readonly BulkColumn[])[]
): Promise<number> {
  const appender = await connection.createAppender(table);
  let total = 0;
  try {
    for (const columns of parts) total += appendPart(appender, table, columns);
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
  return total;
}

function appendPart(appender: DuckDBAppender, table: string, columns: readonly BulkColumn[]): number {
  const lengths = columns.map(columnLength).filter((n): n is number => n !== null);
  const rowCount = lengths[0] ?? 0;
  if (lengths.some((n) => n !== rowCount)) {
    throw new CortexError('INTERNAL', `appendColumns(${table}): columns differ in length (${lengths.join(', ')})`);
  }
  const chunkSize = duckdb.vector_size();
  const chunk = DuckDBDataChunk.create(columns.map((c) => DUCK_TYPES[c.type]), chunkSize);
  // A numeric constant is copied from one filled vector-sized buffer, never one per row.
  const constants = columns.map((c) => (c.type === 'INTEGER' && 'constant' in c ? new Int32Array(chunkSize).fill(c.constant) : null));
  for (let start = 0; start < rowCount; start += chunkSize) {
    const n = Math.min(chunkSize, rowCount - start);
    chunk.reset();
    chunk.rowCount = n;
    columns.forEach((column, i) => {
      const constant = constants[i];
      if (constant) copyToVector(chunk, i, constant.subarray(0, n));
      else fillVector(chunk, i, column, start, n);
    });
    appender.appendDataChunk(chunk);
  }
  return rowCount;
}

function copyToVector(chunk: DuckDBDataChunk, index: number, values: ArrayBufferView): duckdb.Vector {
  const vector = duckdb.data_chunk_get_vector(chunk.chunk, index);
  duckdb.copy_data_to_vector(vector, 0, values.buffer as ArrayBuffer, values.byteOffset, values.byteLength);
  return vector;
}

function fillVector(chunk: DuckDBDataChunk, index: number, column: BulkColumn, start: number, n: number): void {
  if (column.type === 'VARCHAR') {
    const values: DuckDBValue[] =
      'constant' in column ? new Array<string>(n).fill(column.constant) : column.values.slice(start, start + n);
    chunk.setColumnValues(index, values);
    return;
  }
  if ('constant' in column) throw new CortexError('INTERNAL', 'numeric constants are filled by appendColumns');
  const slice = column.values.subarray(start, start + n);
  const vector = copyToVector(chunk, index, slice);
  if (column.type === 'DOUBLE' || column.type === 'REAL') setInvalid(vector, slice, (v) => v !== v);
  else if (column.type === 'USMALLINT' && column.nullValue !== undefined) {
    const nullValue = column.nullValue;
    setInvalid(vector, slice, (v) => v === nullValue);
  }
}

/**
 * Marks the rows where `isNull` holds as SQL NULL: NaN in a float column means "undefined
 * score", never a stored NaN.
 */
function setInvalid(vector: duckdb.Vector, values: ArrayLike<number>, isNull: (v: number) => boolean): void {
  let any = false;
  for (let i = 0; i < values.length; i++) if (isNull(values[i]!)) { any = true; break; }
  if (!any) return;
  const words = Math.ceil(values.length / 64);
  const mask = new Uint8Array(words * 8).fill(0xff);
  for (let i = 0; i < values.length; i++) if (isNull(values[i]!)) mask[i >> 3]! &= ~(1 << (i & 7));
  duckdb.vector_ensure_validity_writable(vector);
  duckdb.copy_data_to_vector_validity(vector, 0, mask.buffer, 0, mask.byteLength);
}

/**
 * Reads the given DOUBLE columns of a query into Float64Arrays (NULL becomes NaN), copying
 * whole vectors rather than materialising row objects. Cast columns to DOUBLE in the SQL.
 */
export async function readFloat64Columns(
  connection: DuckDBConnection,
  sql: string,
  params: readonly DuckDBValue[] = [],
): Promise<{ names: string[]; columns: Float64Array[]; rowCount: number }> {
  const result = await connection.run(sql, params as DuckDBValue[], bindTypes(params));
  const names = result.columnNames();
  const parts: Float64Array[][] = names.map(() => []);
  let rowCount = 0;
  for (let c = 0; c < result.chunkCount; c++) {
    const chunk = result.getChunk(c);
    const n = chunk.rowCount;
    for (let i = 0; i < names.length; i++) {
      const vector = duckdb.data_chunk_get_vector(chunk.chunk, i);
      const bytes = duckdb.vector_get_data(vector, n * 8);
      const values = new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + n * 8));
      const validity = duckdb.vector_get_validity(vector, Math.ceil(n / 64) * 8);
      if (validity && validity.byteLength > 0) {
        for (let r = 0; r < n; r++) if (!(validity[r >> 3]! & (1 << (r & 7)))) values[r] = NaN;
      }
      parts[i]!.push(values);
    }
    rowCount += n;
  }
  const columns = parts.map((chunks) => {
    const out = new Float64Array(rowCount);
    let offset = 0;
    for (const p of chunks) { out.set(p, offset); offset += p.length; }
    return out;
  });
  return { names, columns, rowCount };
}

import { availableParallelism } from 'node:os';
import duckdb from '@duckdb/node-bindings';
import {
  DuckDBTypeId,
  DOUBLE,
  FLOAT,
  INTEGER,
  SMALLINT,
  USMALLINT,
  VARCHAR,
  DuckDBTableFunction,
  type DuckDBDataChunk,
  type DuckDBConnection,
  type DuckDBMaterializedResult,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import { CortexError } from '../errors/CortexError.js';

/**
 * Bulk paths between typed arrays and DuckDB. Row-by-row appends and row objects cost
 * ~2 M rows/s; copying whole vectors is bounded by DuckDB's own insert (statistics and
 * compression) in, and runs at ~40 M rows/s out here.
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

interface BulkScan {
  readonly types: readonly DuckDBType[];
  readonly parts: readonly (readonly BulkColumn[])[];
  readonly lengths: readonly number[];
  /** Per part and column: a vector-sized buffer holding a numeric constant. */
  readonly constants: readonly (readonly (Int32Array | null)[])[];
}

/** A contiguous run of parts that one insert thread appends, in order. */
interface PartBlock {
  next: number;
  readonly end: number;
  taken: boolean;
}

/** One insert thread's place: its block, and where it is in the block's current part. */
interface ThreadPlace {
  block: PartBlock | null;
  part: number;
  offset: number;
}

/** Scans in flight, by id; `cortexql_bulk_scan(id)` reads one. */
const scans = new Map<number, BulkScan>();
let nextScan = 1;

/** The table function behind appendColumns; register it on the connection that appends. */
export const BULK_SCAN_FUNCTION = 'cortexql_bulk_scan';

/**
 * Insert threads: DuckDB compresses and writes on each, and each waits on the event loop for its
 * vectors, so two overlap that wait even on 2 cores (10^7 voxel rows: 8.8 M rows/s on one thread,
 * 18–19 M on two).
 */
const INSERT_THREADS = Math.max(1, Math.min(4, availableParallelism()));

/**
 * Parts split into contiguous blocks of about equal rows, one per thread. A thread appends its
 * block's parts in order into its own row groups, so a part (a cell's voxels) stays one contiguous
 * run and each row group holds a contiguous range of parts: zone maps keep finding one cell's rows.
 */
function partBlocks(lengths: readonly number[], threads: number): PartBlock[] {
  const total = lengths.reduce((a, b) => a + b, 0);
  const blocks: PartBlock[] = [];
  let start = 0;
  let rows = 0;
  for (let part = 0; part < lengths.length; part++) {
    rows += lengths[part];
    if (rows >= (total * (blocks.length + 1)) / threads || part === lengths.length - 1) {
      blocks.push({ next: start, end: part + 1, taken: false });
      start = part + 1;
    }
  }
  return blocks;
}

export function bulkScanFunction(): DuckDBTableFunction {
  return DuckDBTableFunction.create({
    name: BULK_SCAN_FUNCTION,
    parameterTypes: [INTEGER],
    bindFunction: (bind) => {
      const scan = scans.get(Number(bind.getParameter(0)));
      if (!scan) return bind.setError('cortexql_bulk_scan: no such scan');
      bind.setBindData(scan);
      scan.types.forEach((type, i) => bind.addResultColumn(`c${i}`, type));
      bind.setCardinality(scan.lengths.reduce((a, b) => a + b, 0), true);
    },
    initFunction: (init) => {
      const blocks = partBlocks((init.bindData as BulkScan).lengths, INSERT_THREADS);
      init.setInitData(blocks);
      init.setMaxThreads(blocks.length);
    },
    localInitFunction: (init) => init.setInitData({ block: null, part: -1, offset: 0 } satisfies ThreadPlace),
    mainFunction: (info, out) => {
      const scan = info.bindData as BulkScan;
      const blocks = info.initData as PartBlock[];
      const at = info.localInitData as ThreadPlace;
      try {
        // The current part done: the block's next one, or a block no thread has taken yet.
        while (at.part < 0 || at.offset >= scan.lengths[at.part]) {
          if (!at.block || at.block.next === at.block.end) {
            at.block = blocks.find((b) => !b.taken) ?? null;
            if (!at.block) { out.rowCount = 0; return; }
            at.block.taken = true;
          }
          at.part = at.block.next++;
          at.offset = 0;
        }
        const n = Math.min(duckdb.vector_size(), scan.lengths[at.part] - at.offset);
        out.rowCount = n;
        scan.parts[at.part].forEach((column, i) => {
          const constant = scan.constants[at.part][i];
          if (constant) copyToVector(out, i, constant.subarray(0, n));
          else fillVector(out, i, column, at.offset, n);
        });
        at.offset += n;
      } catch (error) {
        info.setError(error instanceof Error ? error.message : String(error));
      }
    },
  });
}

/**
 * Appends `parts` (each the table's columns, in order, all of it) to `table` as one
 * `INSERT … SELECT` from a table function that copies the typed arrays vector by vector. DuckDB
 * runs the insert off the event loop (the main thread only copies 2048-row vectors), faster
 * than the Appender, which buffers every row once more and compresses on the caller's thread.
 * Each part's rows stay contiguous and in order, but parts may land in another order than given
 * (see partBlocks): the insert does not preserve order across threads. Run it inside the caller's
 * write transaction so a failure leaves nothing behind. Returns the rows appended.
 */
export async function appendColumns(
  connection: DuckDBConnection,
  table: string,
  ...parts: (readonly BulkColumn[])[]
): Promise<number> {
  if (!/^\w+$/.test(table)) throw new CortexError('INTERNAL', `appendColumns: bad table name '${table}'`);
  const types = (parts[0] ?? []).map((c) => DUCK_TYPES[c.type]);
  const lengths = parts.map((columns) => {
    const known = columns.map(columnLength).filter((n): n is number => n !== null);
    if (known.some((n) => n !== known[0]) || columns.length !== types.length || columns.some((c, i) => DUCK_TYPES[c.type] !== types[i])) {
      throw new CortexError('INTERNAL', `appendColumns(${table}): a part's columns differ in length or type`);
    }
    return known[0] ?? 0;
  });
  const total = lengths.reduce((a, b) => a + b, 0);
  if (total === 0) return 0;
  const chunkSize = duckdb.vector_size();
  // A numeric constant is copied from one filled vector-sized buffer, never one per row.
  const constants = parts.map((columns) => columns.map((c) => (c.type === 'INTEGER' && 'constant' in c ? new Int32Array(chunkSize).fill(c.constant) : null)));
  const id = nextScan++;
  scans.set(id, { types, parts, lengths, constants });
  try {
    // Without it DuckDB inserts on one thread to keep the source's order across parts.
    await connection.run('SET SESSION preserve_insertion_order = false');
    await connection.run(`INSERT INTO ${table} SELECT * FROM ${BULK_SCAN_FUNCTION}(${id})`);
  } finally {
    scans.delete(id);
    // After a failed insert the transaction refuses every statement until rolled back: the
    // writer restores the option then (restoreAppendSession).
    await restoreAppendSession(connection).catch(() => undefined);
  }
  return total;
}

/** The session option appendColumns turns off, back to its default (after a rollback, too). */
export async function restoreAppendSession(connection: DuckDBConnection): Promise<void> {
  await connection.run('RESET SESSION preserve_insertion_order');
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
  // NaN in a float column means "undefined score": stored as SQL NULL, never as NaN.
  const nulls = column.type === 'DOUBLE' || column.type === 'REAL' ? firstNaN(slice as Float32Array | Float64Array)
    : column.type === 'USMALLINT' && column.nullValue !== undefined ? slice.indexOf(column.nullValue) : -1;
  if (nulls < 0) return;
  const mask = new Uint8Array(Math.ceil(n / 64) * 8).fill(0xff);
  const nullValue = column.type === 'USMALLINT' ? column.nullValue : undefined;
  for (let i = nulls; i < n; i++) {
    const v = slice[i];
    if (nullValue === undefined ? v !== v : v === nullValue) mask[i >> 3] &= ~(1 << (i & 7));
  }
  duckdb.vector_ensure_validity_writable(vector);
  duckdb.copy_data_to_vector_validity(vector, 0, mask.buffer, 0, mask.byteLength);
}

/** Index of the first NaN, or −1 (a plain loop: this runs on every appended vector). */
function firstNaN(values: Float32Array | Float64Array): number {
  for (let i = 0; i < values.length; i++) if (values[i] !== values[i]) return i;
  return -1;
}

/**
 * The DOUBLE columns of a materialised result as Float64Arrays (NULL becomes NaN), copying whole
 * vectors rather than materialising row objects. Cast columns to DOUBLE in the SQL.
 */
export function float64Columns(result: DuckDBMaterializedResult): { names: string[]; columns: Float64Array[]; rowCount: number } {
  const { names, rowCount, columns } = typedColumns(result);
  return {
    names,
    rowCount,
    columns: columns.map(({ values }, i) => {
      if (!(values instanceof Float64Array)) throw new CortexError('INTERNAL', `float64Columns: column ${names[i]} is not DOUBLE`);
      return values;
    }),
  };
}

/** A numeric column read whole: its values, and which rows are NULL (null: none is). */
export interface TypedColumn<A extends Float32Array | Float64Array | Int32Array | Int16Array | Uint16Array> {
  readonly values: A;
  readonly nulls: Uint8Array | null;
}

const TYPED: Partial<Record<DuckDBTypeId, { bytes: number; make: (b: ArrayBuffer) => Float32Array | Float64Array | Int32Array | Int16Array | Uint16Array }>> = {
  [DuckDBTypeId.INTEGER]: { bytes: 4, make: (b) => new Int32Array(b) },
  [DuckDBTypeId.SMALLINT]: { bytes: 2, make: (b) => new Int16Array(b) },
  [DuckDBTypeId.USMALLINT]: { bytes: 2, make: (b) => new Uint16Array(b) },
  [DuckDBTypeId.FLOAT]: { bytes: 4, make: (b) => new Float32Array(b) },
  [DuckDBTypeId.DOUBLE]: { bytes: 8, make: (b) => new Float64Array(b) },
};

/**
 * Numeric columns of a materialised result as typed arrays of their own type (INTEGER →
 * Int32Array, REAL → Float32Array, …), copied vector by vector, with a NULL mask per column
 * (float columns also hold NaN where NULL).
 */
export function typedColumns(result: DuckDBMaterializedResult): { names: string[]; rowCount: number; columns: TypedColumn<Float32Array | Float64Array | Int32Array | Int16Array | Uint16Array>[] } {
  const names = result.columnNames();
  const kinds = names.map((name, i) => {
    const kind = TYPED[result.columnTypeId(i)];
    if (!kind) throw new CortexError('INTERNAL', `typedColumns: column ${name} is not INTEGER, SMALLINT, USMALLINT, REAL or DOUBLE`);
    return kind;
  });
  // getChunk wraps the chunk anew on every call: once each.
  const chunks = Array.from({ length: result.chunkCount }, (_, c) => result.getChunk(c));
  const counts = chunks.map((chunk) => chunk.rowCount);
  const rowCount = counts.reduce((a, b) => a + b, 0);
  const columns = kinds.map((k) => ({ values: k.make(new ArrayBuffer(rowCount * k.bytes)), nulls: null as Uint8Array | null }));
  let offset = 0;
  for (const [c, chunk] of chunks.entries()) {
    const n = counts[c];
    kinds.forEach((k, i) => {
      const vector = duckdb.data_chunk_get_vector(chunk.chunk, i);
      const bytes = duckdb.vector_get_data(vector, n * k.bytes);
      new Uint8Array(columns[i].values.buffer, offset * k.bytes, n * k.bytes).set(bytes.subarray(0, n * k.bytes));
      const validity = duckdb.vector_get_validity(vector, Math.ceil(n / 64) * 8);
      if (validity && validity.byteLength > 0) {
        const column = columns[i];
        const float = column.values instanceof Float32Array || column.values instanceof Float64Array;
        for (let r = 0; r < n; r++) {
          if (validity[r >> 3] & (1 << (r & 7))) continue;
          (column.nulls ??= new Uint8Array(rowCount))[offset + r] = 1;
          if (float) column.values[offset + r] = NaN;
        }
      }
    });
    offset += n;
  }
  return { names, rowCount, columns };
}

import type { DuckDBConnection } from '@duckdb/node-api';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { badInput, importFailed } from '../errors/CortexError.js';
import { schemaVersion } from './migrations.js';
import type { SqlParams } from './sqlParams.js';

export const PARQUET_FORMAT = 'cortexql-parquet/1';

/**
 * How each table is laid out in an export. The big tables are Hive-partitioned by model and
 * dataset (`brain_scores/model=…/dataset=…/data_0.parquet`, values URL-escaped as Spark and
 * DuckDB write them), with the cell's natural key and the penalty value beside the warehouse's
 * own columns, so Spark, Trino, Polars or DuckDB read them without this code. Secrets and local
 * state (API keys, jobs) go as empty files: their schema only.
 */
const LAYOUT: Record<string, { select: string; partitions: readonly string[] } | 'empty'> = {
  brain_scores: {
    select: `SELECT c.model_id AS model, c.dataset_id AS dataset, b.cell_id, c.step, c.layer, c.subject_id, c.params_hash,
                    b.voxel, b.r, c.alphas[b.alpha_index + 1] AS alpha, b.alpha_index
             FROM brain_scores b JOIN cells c USING (cell_id)`, // in table order: (cell_id, voxel)
    partitions: ['model', 'dataset'],
  },
  task_scores: { select: 'SELECT model_id AS model, * EXCLUDE (model_id) FROM task_scores ORDER BY model_id, task, metric, step', partitions: ['model'] },
  api_keys: 'empty',
  jobs: 'empty',
};

/** Partition keys stand for these columns of the warehouse tables. */
const PARTITION_COLUMN: Record<string, string> = { model: 'model_id', dataset: 'dataset_id' };

const manifestSchema = z.object({
  format: z.literal(PARQUET_FORMAT),
  schemaVersion: z.number().int(),
  exportedAt: z.string(),
  tables: z.array(z.object({
    table: z.string().regex(/^\w+$/),
    /** File or folder, relative to the export. */
    path: z.string().regex(/^[\w.]+$/),
    partitions: z.array(z.string().regex(/^\w+$/)),
    /** The warehouse table's columns, in order: what the view over the files returns. */
    columns: z.array(z.string().regex(/^\w+$/)),
    rows: z.number().int(),
    bytes: z.number().int(),
  })),
});
export type ParquetManifest = z.infer<typeof manifestSchema>;

/** What an export reads through (Warehouse.all; named structurally, as Warehouse.ts opens exports through this file). */
interface ExportSource {
  all<T>(sql: string, params?: SqlParams, options?: { cache?: boolean }): Promise<T[]>;
}

const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * Writes every table of the warehouse as Parquet (zstd) under `dir`, plus manifest.json, the
 * layout a lab puts on object storage under a catalog (DuckLake, Iceberg): see docs/scaling.md.
 */
export async function exportParquet(wh: ExportSource, dir: string): Promise<ParquetManifest> {
  mkdirSync(dir, { recursive: true });
  if (readdirSync(dir).length > 0) throw badInput(`export folder ${dir} is not empty`);
  const tables = await wh.all<{ t: string }>(
    "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'main' AND table_type = 'BASE TABLE' ORDER BY 1", [], { cache: false },
  );
  const entries: ParquetManifest['tables'] = [];
  for (const { t } of tables) {
    const columns = (await wh.all<{ c: string }>(
      "SELECT column_name AS c FROM information_schema.columns WHERE table_schema = 'main' AND table_name = ? ORDER BY ordinal_position", [t], { cache: false },
    )).map((r) => r.c);
    const [{ n }] = await wh.all<{ n: number }>(`SELECT count(*) AS n FROM ${t}`, [], { cache: false });
    const layout = LAYOUT[t];
    const partitioned = typeof layout === 'object' && n > 0 ? layout : null;
    const path = partitioned ? t : `${t}.parquet`;
    const select = partitioned ? partitioned.select : layout === 'empty' ? `SELECT * FROM ${t} WHERE FALSE` : `SELECT * FROM ${t}`;
    const options = partitioned ? `, PARTITION_BY (${partitioned.partitions.join(', ')})` : '';
    await wh.all(`COPY (${select}) TO ${literal(join(dir, path))} (FORMAT parquet, COMPRESSION zstd${options})`, [], { cache: false });
    entries.push({ table: t, path, partitions: partitioned ? [...partitioned.partitions] : [], columns, rows: layout === 'empty' ? 0 : n, bytes: bytesUnder(join(dir, path)) });
  }
  const manifest: ParquetManifest = { format: PARQUET_FORMAT, schemaVersion: schemaVersion(), exportedAt: new Date().toISOString(), tables: entries };
  writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

function bytesUnder(path: string): number {
  if (!statSync(path).isDirectory()) return statSync(path).size;
  return readdirSync(path).reduce((n, name) => n + bytesUnder(join(path, name)), 0);
}

/**
 * Re-attaches an export read-only: on an in-memory DuckDB, each table becomes a view over its
 * files returning the warehouse table's columns, so every reader's SQL runs unchanged.
 */
export async function attachParquetExport(connection: DuckDBConnection, dir: string): Promise<void> {
  const where = join(dir, 'manifest.json');
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(where, 'utf8'));
  } catch (error) {
    throw importFailed([{ where, message: `missing or not valid JSON: ${(error as Error).message}` }]);
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) throw importFailed(parsed.error.issues.map((i) => ({ where: `${where}: ${i.path.join('.')}`, message: i.message })));
  // Footers are read once, not on every query.
  await connection.run('SET parquet_metadata_cache = true');
  for (const t of parsed.data.tables) {
    const files = resolve(dir, t.path) + (t.partitions.length ? `/${t.partitions.map(() => '*').join('/')}/*.parquet` : '');
    const types = t.partitions.map((p) => `'${p}': 'VARCHAR'`).join(', ');
    const source = t.partitions.length
      ? `read_parquet(${literal(files)}, hive_partitioning = true, hive_types = {${types}})`
      : `read_parquet(${literal(files)})`;
    const renamed = Object.fromEntries(t.partitions.map((p) => [PARTITION_COLUMN[p] ?? p, p]));
    const select = t.columns.map((c) => (renamed[c] ? `"${renamed[c]}" AS "${c}"` : `"${c}"`)).join(', ');
    await connection.run(`CREATE VIEW ${t.table} AS SELECT ${select} FROM ${source}`);
  }
}

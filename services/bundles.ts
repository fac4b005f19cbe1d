import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import * as tar from 'tar';
import { z } from 'zod';
import { CortexError, importFailed, type Problem } from '../errors/CortexError.js';
import { readFailure } from '../formats/fileSource.js';
import { parseJsonText } from '../formats/validation.js';
import { FileAccess, type Resolved } from './fileAccess.js';
import { fileSha256 } from './fileHashes.js';
import { requireDataset, requireModels } from './requireKnown.js';
import { extractTar } from './safeTar.js';
import {
  BUNDLE_TABLES,
  bundleTables,
  dropStaged,
  exportTableSlice,
  findConflicts,
  mapBundleCells,
  mergeStaged,
  probeParquet,
  runsOfSlice,
  stageParquet,
  type BundleWhere,
  type Conflict,
  type StagedTable,
} from '../warehouse/bundleRepo.js';
import { checkStagedRows } from '../warehouse/bundleChecks.js';
import { schemaVersion } from '../warehouse/migrations.js';
import type { Warehouse } from '../warehouse/Warehouse.js';
import { CODE_VERSION } from './version.js';

export const BUNDLE_FORMAT = 'cortexql-bundle/1';

const manifestSchema = z.object({
  format: z.literal(BUNDLE_FORMAT),
  schemaVersion: z.number().int(),
  id: z.string(),
  exportedAt: z.string(),
  lab: z.string().nullable(),
  codeVersion: z.string(),
  where: z.object({ models: z.array(z.string()).nullable(), datasets: z.array(z.string()).nullable(), includeFmri: z.boolean(), includeFeatures: z.boolean() }),
  files: z.array(z.object({ table: z.string(), file: z.string(), rows: z.number().int(), sha256: z.string().regex(/^[0-9a-f]{64}$/) })),
  runs: z.array(z.record(z.string(), z.unknown())),
});
export type BundleManifest = z.infer<typeof manifestSchema>;

export interface ExportOptions {
  readonly where: Partial<BundleWhere>;
  /** Who is sharing: recorded in the manifest. */
  readonly lab?: string | null;
  /** Parent folder of the bundle. */
  readonly exportDir: string;
  /** Also pack the folder as `<id>.tar`. */
  readonly tar?: boolean;
}

export interface ExportResult {
  readonly id: string;
  readonly folder: string;
  readonly tarFile: string | null;
  readonly manifest: BundleManifest;
}

/**
 * Exports a slice of the warehouse as a sharing bundle: one Parquet file per table (readable by
 * pandas.read_parquet and DuckDB's read_parquet directly) and manifest.json with the schema
 * version, row counts, sha256 of every file, the provenance of every run, and the lab.
 */
export async function exportBundle(wh: Warehouse, options: ExportOptions): Promise<ExportResult> {
  // A slice naming what does not exist is an error, never a silently smaller (or empty) bundle.
  if (options.where.models) await requireModels(wh, options.where.models);
  for (const dataset of options.where.datasets ?? []) await requireDataset(wh, dataset);
  const where: BundleWhere = {
    models: options.where.models ?? null,
    datasets: options.where.datasets ?? null,
    includeFmri: options.where.includeFmri ?? true,
    includeFeatures: options.where.includeFeatures ?? false,
  };
  const id = `bundle-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${randomUUID().slice(0, 8)}`;
  const folder = join(options.exportDir, id);
  mkdirSync(folder, { recursive: true });
  const files: BundleManifest['files'] = [];
  for (const spec of bundleTables(where)) {
    const file = `${spec.table}.parquet`;
    const rows = await exportTableSlice(wh, spec, where, join(folder, file));
    files.push({ table: spec.table, file, rows, sha256: await fileSha256(join(folder, file)) });
  }
  const manifest: BundleManifest = {
    format: BUNDLE_FORMAT,
    schemaVersion: schemaVersion(),
    id,
    exportedAt: new Date().toISOString(),
    lab: options.lab ?? null,
    codeVersion: CODE_VERSION,
    where: { ...where, models: where.models && [...where.models], datasets: where.datasets && [...where.datasets] },
    files,
    runs: JSON.parse(JSON.stringify(await runsOfSlice(wh, where))),
  };
  writeFileSync(join(folder, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  let tarFile: string | null = null;
  if (options.tar) {
    tarFile = join(options.exportDir, `${id}.tar`);
    await tar.create({ file: tarFile, cwd: options.exportDir, portable: true }, [id]);
  }
  return { id, folder, tarFile, manifest };
}

export interface ImportBundleResult {
  readonly id: string;
  readonly lab: string | null;
  readonly tables: { table: string; inserted: number; present: number }[];
}

/** What a bundle archive may unpack to (CORTEXQL_MAX_UPLOAD_BYTES raises it for the API's uploads too). */
export const BUNDLE_LIMITS = { maxBytes: 64 * 2 ** 30, maxEntries: 10_000 } as const;

/**
 * Imports a bundle (folder or .tar): verifies the format, schema version and every checksum,
 * validates every row (ids, steps, finite numbers, references between tables, the manifest's row
 * counts: warehouse/bundleChecks.ts), then merges all tables in one transaction. Rows already
 * present are skipped (idempotent); a row whose key is present with different values is a
 * conflict: the import reports them all (IMPORT_CONFLICT) and writes nothing. A .tar is unpacked
 * safely (services/safeTar.ts: links, absolute and `..` entries refuse the whole archive); the
 * path goes through `files` (for the API: inside the import roots, or an upload).
 */
export async function importBundle(wh: Warehouse, path: string, files: FileAccess = FileAccess.local()): Promise<ImportBundleResult> {
  const top = files.resolve(path);
  let folder = top;
  let scratch: string | null = null;
  let access = files;
  try {
    if (top.kind === 'file') {
      scratch = mkdtempSync(join(tmpdir(), 'cortexql-bundle-'));
      await extractTar(top.real, scratch, top.label, BUNDLE_LIMITS);
      access = FileAccess.local();
      folder = { real: scratch, ref: scratch, kind: 'folder', label: top.label };
    }
    // A bundle .tar holds one folder (the bundle id) with manifest.json in it.
    const entries = access.list(folder);
    if (!entries.some((e) => e.name === 'manifest.json') && entries.length === 1 && entries[0].kind === 'folder') folder = access.resolve(entries[0].ref, 'folder', entries[0].label);
    const { manifest, paths } = await readManifest(access, folder);
    return await mergeBundle(wh, paths, manifest);
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}

/** The manifest, validated, and the real path of each file it lists (inside the bundle, checksums verified). */
async function readManifest(files: FileAccess, folder: Resolved): Promise<{ manifest: BundleManifest; paths: Map<string, string> }> {
  const where = 'manifest.json';
  const paths = new Map<string, string>();
  let json: unknown;
  try {
    json = parseJsonText(files.read(files.child(folder, where).ref, 'json', where).toString('utf8'));
  } catch (error) {
    throw importFailed([{ where, message: `missing or not valid JSON: ${readFailure(error)}` }]);
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) throw importFailed(parsed.error.issues.map((i) => ({ where: `${where}: ${i.path.join('.')}`, message: i.message })));
  const m = parsed.data;
  const problems: Problem[] = [];
  if (m.schemaVersion !== schemaVersion()) {
    problems.push({ where: `${where}: schemaVersion`, message: `bundle has schema version ${m.schemaVersion}, this warehouse ${schemaVersion()}` });
  }
  const tables = new Set<string>();
  for (const f of m.files) {
    if (tables.has(f.table)) problems.push({ where: f.file, message: `table '${f.table}' is listed twice` });
    tables.add(f.table);
    if (!BUNDLE_TABLES.some((t) => t.table === f.table)) {
      problems.push({ where: f.file, message: `unknown table '${f.table}'` });
      continue;
    }
    let real: string | null = null;
    try {
      if (basename(f.file) === f.file && f.file !== '..' && f.file !== '.') real = files.resolve(files.child(folder, f.file).ref, 'file', f.file).real;
    } catch {
      real = null;
    }
    if (real === null) problems.push({ where: f.file, message: 'file not found in the bundle' });
    else if ((await fileSha256(real)) !== f.sha256) problems.push({ where: f.file, message: 'sha256 does not match the manifest (corrupt or altered file)' });
    else paths.set(f.file, real);
  }
  if (problems.length) throw importFailed(problems);
  return { manifest: m, paths };
}

async function mergeBundle(wh: Warehouse, paths: ReadonlyMap<string, string>, m: BundleManifest): Promise<ImportBundleResult> {
  const order = BUNDLE_TABLES.map((t) => t.table);
  const files = [...m.files].sort((a, b) => order.indexOf(a.table) - order.indexOf(b.table));
  const unreadable: Problem[] = [];
  for (const f of files) {
    const problem = await probeParquet(wh, paths.get(f.file)!);
    if (problem) unreadable.push({ where: f.file, message: problem });
  }
  if (unreadable.length) throw importFailed(unreadable);
  return wh.write(async (tx) => {
    const staged: StagedTable[] = [];
    const problems: Problem[] = [];
    for (const f of files) {
      const spec = BUNDLE_TABLES.find((t) => t.table === f.table)!;
      const { staged: s, problem } = await stageParquet(tx, spec, paths.get(f.file)!);
      if (problem) problems.push({ where: f.file, message: problem });
      staged.push(s);
    }
    const hasCells = staged.some((s) => s.spec.table === 'cells');
    for (const s of staged) if (s.spec.viaCell && !hasCells) problems.push({ where: `${s.spec.table}.parquet`, message: 'its cells are not in the bundle (cells.parquet)' });
    if (problems.length) throw importFailed(problems);
    // Every row is checked (ids, steps, finite numbers, references, row counts) before anything merges.
    await checkStagedRows(tx, staged.map((s, i) => ({ ...s, file: files[i].file, rows: files[i].rows })), problems);
    if (problems.length) throw importFailed(problems);
    if (hasCells) await mapBundleCells(tx);
    const conflicts: Conflict[] = [];
    for (const s of staged) conflicts.push(...(await findConflicts(tx, s, 50 - conflicts.length)));
    if (conflicts.length) {
      throw new CortexError(
        'IMPORT_CONFLICT',
        `bundle ${m.id} conflicts with this warehouse in ${conflicts.length}${conflicts.length >= 50 ? '+' : ''} cells (same key, different values); nothing was written`,
        { conflicts: JSON.parse(JSON.stringify(conflicts)) },
      );
    }
    const tables = [];
    for (const s of staged) tables.push({ table: s.spec.table, ...(await mergeStaged(tx, s)) });
    await dropStaged(tx, staged);
    return { id: m.id, lab: m.lab, tables };
  });
}

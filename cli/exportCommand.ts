import type { Command } from 'commander';
import { list, withWarehouse } from './options.js';
import { runOnWarehouse, warehouseOptions } from './warehouseCommand.js';

interface Exported {
  readonly id: string;
  readonly files: readonly { file: string; rows: number; sha256: string }[];
  /** Where the bundle now is on this machine. */
  readonly folder: string;
  readonly tarFile: string | null;
}

/** `cortexql export`: a sharing bundle of a slice of the warehouse (through a running server: downloaded); `export-parquet`: all of it as open Parquet. */
export function exportCommand(program: Command): void {
  warehouseOptions(
    program
      .command('export')
      .description('export a sharing bundle: Parquet files per table + manifest.json (checksums, schema version, run provenance)')
      .requiredOption('--out <dir>', 'parent folder of the bundle')
      .option('--models <list>', 'comma-separated model ids (default: all)', list())
      .option('--datasets <list>', 'comma-separated dataset ids (default: all)', list())
      .option('--no-fmri', 'leave out raw responses and stimulus words')
      .option('--features', 'include per-word feature matrices')
      .option('--lab <name>', 'who is sharing (recorded in the manifest)')
      .option('--tar', 'also pack the bundle as a .tar'),
  ).action(async (opts) => {
    const where = { models: opts.models, datasets: opts.datasets, includeFmri: opts.fmri, includeFeatures: Boolean(opts.features) };
    const r: Exported = await runOnWarehouse(opts, {
      command: 'export', role: 'writer',
      local: async (wh) => {
        const { exportBundle } = await import('../services/bundles.js');
        const e = await exportBundle(wh, { where, lab: opts.lab, exportDir: opts.out, tar: Boolean(opts.tar) });
        return { id: e.id, files: e.manifest.files, folder: e.folder, tarFile: e.tarFile };
      },
      // The server writes the bundle into its export folder; it comes here as its .tar.
      remote: async (api) => {
        const { mkdirSync, rmSync } = await import('node:fs');
        const { join } = await import('node:path');
        const { exportBundle: e } = await api.graphql<{ exportBundle: { id: string; files: Exported['files']; downloadPath: string | null } }>(
          'mutation CliExport($where: BundleWhereInput, $lab: String) { exportBundle(where: $where, lab: $lab) { id files { file rows sha256 } downloadPath } }',
          { where, lab: opts.lab ?? null },
        );
        if (!e.downloadPath) throw new (await import('../errors/CortexError.js')).CortexError('INTERNAL', `the server exported bundle ${e.id} without a download path`);
        mkdirSync(opts.out, { recursive: true });
        const tarFile = join(opts.out, `${e.id}.tar`);
        await api.download(e.downloadPath, tarFile);
        const { extractTar } = await import('../services/safeTar.js');
        await extractTar(tarFile, opts.out, `${e.id}.tar`, { maxBytes: Number.MAX_SAFE_INTEGER, maxEntries: 10_000 });
        if (!opts.tar) rmSync(tarFile);
        return { id: e.id, files: e.files, folder: join(opts.out, e.id), tarFile: opts.tar ? tarFile : null };
      },
    });
    for (const f of r.files) console.log(`${f.file.padEnd(28)} ${String(f.rows).padStart(10)} rows  ${f.sha256.slice(0, 12)}`);
    console.log(`bundle ${r.id}: ${r.folder}${r.tarFile ? ` and ${r.tarFile}` : ''}`);
  });

  program
    .command('export-parquet')
    .description('write every table as Parquet (big tables Hive-partitioned model=…/dataset=…/) + manifest.json; serve it with serve --parquet')
    .requiredOption('--out <dir>', 'an empty or new folder')
    .option('--db <path>', 'warehouse file (env CORTEXQL_DB)')
    .action(async (opts) => {
      const { exportParquet } = await import('../warehouse/parquetExport.js');
      const m = await withWarehouse(opts.db, (wh) => exportParquet(wh, opts.out));
      for (const t of m.tables) console.log(`${t.path.padEnd(28)} ${String(t.rows).padStart(12)} rows ${(t.bytes / 2 ** 20).toFixed(1).padStart(9)} MiB${t.partitions.length ? `  (${t.partitions.map((p) => `${p}=…`).join('/')})` : ''}`);
    });
}

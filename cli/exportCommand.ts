import type { Command } from 'commander';
import { list, withWarehouse } from './options.js';

/** `cortexql export`: a sharing bundle of a slice of the warehouse; `export-parquet`: all of it as open Parquet. */
export function exportCommand(program: Command): void {
  program
    .command('export')
    .description('export a sharing bundle: Parquet files per table + manifest.json (checksums, schema version, run provenance)')
    .requiredOption('--out <dir>', 'parent folder of the bundle')
    .option('--models <list>', 'comma-separated model ids (default: all)', list())
    .option('--datasets <list>', 'comma-separated dataset ids (default: all)', list())
    .option('--no-fmri', 'leave out raw responses and stimulus words')
    .option('--features', 'include per-word feature matrices')
    .option('--lab <name>', 'who is sharing (recorded in the manifest)')
    .option('--tar', 'also pack the bundle as a .tar')
    .option('--db <path>', 'warehouse file (env CORTEXQL_DB)')
    .action(async (opts) => {
      const { exportBundle } = await import('../services/bundles.js');
      const r = await withWarehouse(opts.db, (wh) =>
        exportBundle(wh, {
          where: { models: opts.models, datasets: opts.datasets, includeFmri: opts.fmri, includeFeatures: Boolean(opts.features) },
          lab: opts.lab, exportDir: opts.out, tar: Boolean(opts.tar),
        }),
      );
      for (const f of r.manifest.files) console.log(`${f.file.padEnd(28)} ${String(f.rows).padStart(10)} rows  ${f.sha256.slice(0, 12)}`);
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

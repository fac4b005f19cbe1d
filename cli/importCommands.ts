import type { Command } from 'commander';
import { progressBars } from '../server/progress.js';
import { MAX_LAYER } from '../formats/validation.js';
import { int, step, withWarehouse } from './options.js';

/** `cortexql import evals | fmri | features | bundle`: all-or-nothing imports into the warehouse. */
export function importCommands(program: Command): void {
  const importCmd = program.command('import').description('import results into the warehouse');
  importCmd
    .command('evals <path>')
    .description('import lm-evaluation-harness results JSON (a file or a folder, recursively); all-or-nothing')
    .option('--model <id>', 'model id for every file (default: model_name, else model_args pretrained/model/path; needed when a file names none or a local path)')
    .option('--step <n>', 'training step for every file (default: revision=stepN, else step<N> in the file path)', step())
    .option('--db <path>', 'warehouse file (env CORTEXQL_DB)')
    .action(async (path: string, opts) => {
      const { importEvalsFromPath } = await import('../services/importEvals.js');
      const bars = progressBars();
      const report = await withWarehouse(opts.db, (wh) =>
        importEvalsFromPath(wh, path, { model: opts.model, step: opts.step, onProgress: (d, t) => bars.update('files', d, t) }),
      ).finally(bars.stop);
      console.log(`imported ${report.scores} scores from ${report.files} files: ${report.checkpoints} checkpoints of ${report.models.join(', ')}`);
      if (report.nullValues > 0) console.log(`${report.nullValues} values were NaN or Infinity in their files: stored as null with the reason`);
    });

  importCmd
    .command('fmri <manifest>')
    .description('import an fMRI dataset from its manifest (docs/fmri-manifest.md); all-or-nothing')
    .option('--db <path>', 'warehouse file (env CORTEXQL_DB)')
    .action(async (manifest: string, opts) => {
      const { importFmri } = await import('../services/importFmri.js');
      const r = await withWarehouse(opts.db, (wh) => importFmri(wh, manifest));
      console.log(`imported dataset ${r.dataset}: ${r.runs} runs, ${r.words} words, ${r.subjects} subjects, ${r.voxels} voxels`);
    });
  importCmd
    .command('features <npy>')
    .description('import per-word features (n_words × dim .npy, words of all runs in run order) of one model, step and layer')
    .requiredOption('--model <id>')
    .requiredOption('--step <n>', 'training step', step())
    .requiredOption('--layer <n>', 'layer', int('layer', 0, MAX_LAYER))
    .requiredOption('--dataset <id>')
    .option('--db <path>', 'warehouse file (env CORTEXQL_DB)')
    .action(async (path: string, opts) => {
      const { importFeaturesNpy } = await import('../services/importFmri.js');
      const r = await withWarehouse(opts.db, (wh) => importFeaturesNpy(wh, { modelId: opts.model, step: opts.step, layer: opts.layer, datasetId: opts.dataset, path }));
      console.log(`imported ${r.nWords} × ${r.dim} features of ${opts.model}@${opts.step} layer ${opts.layer}`);
    });
  importCmd
    .command('bundle <path>')
    .description('import a sharing bundle (folder or .tar): verified, merged idempotently, conflicts reported, all-or-nothing')
    .option('--db <path>', 'warehouse file (env CORTEXQL_DB)')
    .action(async (path: string, opts) => {
      const { importBundle } = await import('../services/bundles.js');
      const r = await withWarehouse(opts.db, (wh) => importBundle(wh, path));
      for (const t of r.tables) console.log(`${t.table.padEnd(22)} +${t.inserted} (${t.present} already present)`);
      console.log(`imported bundle ${r.id}${r.lab ? ` from ${r.lab}` : ''}`);
    });
}

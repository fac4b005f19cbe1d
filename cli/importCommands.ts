import type { Command } from 'commander';
import { basename, dirname } from 'node:path';
import { progressBars } from '../server/progress.js';
import { MAX_LAYER } from '../formats/validation.js';
import { int, step } from './options.js';
import { uploadPath } from './uploadPath.js';
import { runOnWarehouse, warehouseOptions } from './warehouseCommand.js';

/** `cortexql import evals | fmri | features | bundle`: all-or-nothing imports, into the file or through a running server (writer key). */
export function importCommands(program: Command): void {
  const importCmd = program.command('import').description('import results into the warehouse');
  warehouseOptions(
    importCmd
      .command('evals <path>')
      .description('import lm-evaluation-harness results JSON (a file or a folder, recursively); all-or-nothing')
      .option('--model <id>', 'model id for every file (default: model_name, else model_args pretrained/model/path; needed when a file names none or a local path)')
      .option('--step <n>', 'training step for every file (default: revision=stepN, else step<N> in the file path)', step()),
  ).action(async (path: string, opts) => {
    const bars = progressBars();
    const report = await runOnWarehouse(opts, {
      command: 'import evals', role: 'writer',
      local: async (wh) => (await import('../services/importEvals.js')).importEvalsFromPath(wh, path, { model: opts.model, step: opts.step, onProgress: (d, t) => bars.update('files', d, t) }),
      // The files are read here and sent inline, so the server needs no access to them.
      remote: async (api) => {
        const { collectJsonFiles, readEvalDocuments } = await import('../services/importEvals.js');
        const { importFailed } = await import('../errors/CortexError.js');
        const problems: import('../errors/CortexError.js').Problem[] = [];
        const documents = readEvalDocuments(collectJsonFiles(path), problems);
        if (problems.length) throw importFailed(problems);
        // The text as written (NaN / Infinity survive; the server hashes the same bytes), else the parsed content.
        const sent = documents.map((d) => ({ fileName: d.fileName, ...(d.text !== undefined ? { text: d.text } : { content: d.content }) }));
        const input = { documents: sent, model: opts.model, step: opts.step };
        return (await api.graphql<{ importEvals: { files: number; scores: number; checkpoints: number; models: string[]; nullValues: number } }>(
          'mutation CliImportEvals($input: ImportEvalsInput!) { importEvals(input: $input) { files scores checkpoints models nullValues } }', { input },
        )).importEvals;
      },
    }).finally(bars.stop);
    console.log(`imported ${report.scores} scores from ${report.files} files: ${report.checkpoints} checkpoints of ${report.models.join(', ')}`);
    if (report.nullValues > 0) console.log(`${report.nullValues} values were NaN or Infinity in their files: stored as null with the reason`);
  });

  warehouseOptions(importCmd.command('fmri <manifest>').description('import an fMRI dataset from its manifest (docs/fmri-manifest.md); all-or-nothing')).action(async (manifest: string, opts) => {
    const r = await runOnWarehouse(opts, {
      command: 'import fmri', role: 'writer',
      local: async (wh) => (await import('../services/importFmri.js')).importFmri(wh, manifest),
      // The manifest's folder travels as one .tar upload; the files it names resolve inside it.
      remote: async (api) => {
        const folder = await uploadPath(api, dirname(manifest));
        return (await api.graphql<{ importFmri: { dataset: string; runs: number; words: number; subjects: number; voxels: number } }>(
          'mutation CliImportFmri($manifest: String!) { importFmri(manifest: $manifest) { dataset runs words subjects voxels } }', { manifest: `${folder}/${basename(manifest)}` },
        )).importFmri;
      },
    });
    console.log(`imported dataset ${r.dataset}: ${r.runs} runs, ${r.words} words, ${r.subjects} subjects, ${r.voxels} voxels`);
  });

  warehouseOptions(
    importCmd
      .command('features <npy>')
      .description('import per-word features (n_words × dim .npy, words of all runs in run order) of one model, step and layer')
      .requiredOption('--model <id>')
      .requiredOption('--step <n>', 'training step', step())
      .requiredOption('--layer <n>', 'layer', int('layer', 0, MAX_LAYER))
      .requiredOption('--dataset <id>'),
  ).action(async (path: string, opts) => {
    const r = await runOnWarehouse(opts, {
      command: 'import features', role: 'writer',
      local: async (wh) => (await import('../services/importFmri.js')).importFeaturesNpy(wh, { modelId: opts.model, step: opts.step, layer: opts.layer, datasetId: opts.dataset, path }),
      remote: async (api) => {
        const input = { model: opts.model, step: opts.step, layer: opts.layer, dataset: opts.dataset, path: await uploadPath(api, path) };
        return (await api.graphql<{ importFeatures: { nWords: number; dim: number } }>(
          'mutation CliImportFeatures($input: ImportFeaturesInput!) { importFeatures(input: $input) { nWords dim } }', { input },
        )).importFeatures;
      },
    });
    console.log(`imported ${r.nWords} × ${r.dim} features of ${opts.model}@${opts.step} layer ${opts.layer}`);
  });

  warehouseOptions(
    importCmd.command('bundle <path>').description('import a sharing bundle (folder or .tar): verified, merged idempotently, conflicts reported, all-or-nothing'),
  ).action(async (path: string, opts) => {
    const r = await runOnWarehouse(opts, {
      command: 'import bundle', role: 'writer',
      local: async (wh) => (await import('../services/bundles.js')).importBundle(wh, path),
      remote: async (api) =>
        (await api.graphql<{ importBundle: { id: string; lab: string | null; tables: { table: string; inserted: number; present: number }[] } }>(
          'mutation CliImportBundle($path: String!) { importBundle(path: $path) { id lab tables { table inserted present } } }', { path: await uploadPath(api, path) },
        )).importBundle,
    });
    for (const t of r.tables) console.log(`${t.table.padEnd(22)} +${t.inserted} (${t.present} already present)`);
    console.log(`imported bundle ${r.id}${r.lab ? ` from ${r.lab}` : ''}`);
  });
}

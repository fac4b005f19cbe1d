import type { Command } from 'commander';
import { progressBars } from '../server/progress.js';
import { MAX_LAYER } from '../formats/validation.js';
import { int, ints, list, readLayersManifest, step } from './options.js';
import { runOnWarehouse, warehouseOptions } from './warehouseCommand.js';

/** `cortexql compute encoding | features | internal`: computes cells of one checkpoint into the warehouse. */
export function computeCommands(program: Command): void {
  const compute = program.command('compute').description('compute cells into the warehouse');
  compute
    .command('encoding')
    .description('fit voxel-wise ridge encoding models of a checkpoint’s layers and store brain scores')
    .requiredOption('--model <id>')
    .requiredOption('--step <n>', 'training step', step())
    .requiredOption('--dataset <id>')
    .option('--layers <list>', 'comma-separated layers (default: all with features)', ints('layer', 0, MAX_LAYER))
    .option('--subjects <list>', 'comma-separated subjects (default: all)', list())
    .option('--folds <n>', 'CV folds (default 5)', int('folds'))
    .option('--fold-by <how>', 'contiguous (blocks of TRs, default) or run (whole runs)')
    .option('--cv-metric <m>', 'what picks α: mse (default), r (mean fold correlation) or r2')
    .option('--delays <list>', 'FIR delays in TRs (default 1,2,3,4)', ints('delay', -16, 16))
    .option('--feature-zscore <how>', 'run (default), global or none')
    .option('--response-zscore <how>', 'run (default), global or none')
    .option('--intercept', 'fit an unpenalised intercept per voxel')
    .option('--permutations <n>', 'block permutations for p-values and BH q-values (default 1000; 0: the parametric t test)', int('permutations'))
    .option('--block-trs <n>', 'TRs per permuted block (default: from the autocorrelation; not with --permutations 0)', int('block-trs', 1))
    .action(async (opts) => {
      const { computeEncoding } = await import('../services/encoding.js');
      // docs/encoding.md "Conventions"; absent options keep the defaults (and the default params hash).
      const given = {
        folds: opts.folds, foldBy: opts.foldBy, cvMetric: opts.cvMetric, delays: opts.delays, featureZscore: opts.featureZscore,
        responseZscore: opts.responseZscore, intercept: opts.intercept, permutations: opts.permutations, blockTrs: opts.blockTrs,
      };
      const params = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined));
      const bars = progressBars();
      const r = await runOnWarehouse(opts, {
        command: 'compute encoding', role: 'writer', apiAlternative: 'call the computeEncoding mutation, or computeCells (several checkpoints) with a writer key (the server computes)',
        local: (wh) =>
        computeEncoding(wh, {
          modelId: opts.model, step: opts.step, datasetId: opts.dataset, layers: opts.layers, subjects: opts.subjects,
          params, onProgress: (d, t) => bars.update('encoding cells', d, t),
        }),
      }).finally(bars.stop);
      console.log(`encoding: ${r.cells} cells, ${r.voxels} voxel scores in ${r.seconds.toFixed(1)} s on ${r.device} (run ${r.runId}, params ${r.paramsHash})`);
    });
  compute
    .command('features')
    .description("run a checkpoint's ONNX graph over a dataset's stimulus and store every layer's word features")
    .requiredOption('--model <id>')
    .requiredOption('--step <n>', 'training step', step())
    .requiredOption('--dataset <id>')
    .option('--window <n>', 'context window in tokens (default 128)', int('window'))
    .option('--stride <n>', 'window stride in tokens (default window / 2)', int('stride'))
    .option('--word-feature <how>', 'last (token of the word, default) or mean (of its tokens)')
    .option('--layers-manifest <file>', 'JSON layer → tensor names, instead of the one registered with the checkpoint or graph surgery')
    .action(async (opts) => {
      const { extractFeatures } = await import('../services/features.js');
      const layersManifest = readLayersManifest(opts.layersManifest);
      const bars = progressBars();
      const r = await runOnWarehouse(opts, {
        command: 'compute features', role: 'writer', apiAlternative: 'call the extractFeatures mutation with a writer key (the server computes)',
        local: (wh) =>
        extractFeatures(wh, {
          modelId: opts.model, step: opts.step, datasetId: opts.dataset, windowTokens: opts.window, strideTokens: opts.stride,
          wordFeature: opts.wordFeature, layersManifest, onProgress: (d, t) => bars.update('stories', d, t),
        }),
      }).finally(bars.stop);
      console.log(`features: ${r.layers} layers × ${r.nWords} words × ${r.dim} on ${r.provider} (${r.tokensPerSecond.toFixed(0)} tokens/s)`);
    });
  compute
    .command('internal')
    .description('compute internal-state metrics of a checkpoint’s layers on a dataset’s stimulus words')
    .requiredOption('--model <id>')
    .requiredOption('--step <n>', 'training step', step())
    .requiredOption('--dataset <id>')
    .option('--layers <list>', 'comma-separated layers (default: all with features)', ints('layer', 0, MAX_LAYER))
    .action(async (opts) => {
      const { computeInternal } = await import('../services/internal.js');
      const bars = progressBars();
      const r = await runOnWarehouse(opts, {
        command: 'compute internal', role: 'writer', apiAlternative: 'call the computeInternal mutation, or computeCells (several checkpoints) with a writer key (the server computes)',
        local: (wh) =>
        computeInternal(wh, { modelId: opts.model, step: opts.step, datasetId: opts.dataset, layers: opts.layers, onProgress: (d, t) => bars.update('layers', d, t) }),
      }).finally(bars.stop);
      console.log(`internal metrics: ${r.values} values (${r.nulls} undefined) for ${r.layers} layers (run ${r.runId})`);
    });
  // No API route: these run here on the file; through a server, its mutations do the same.
  for (const command of compute.commands) warehouseOptions(command, false);
}

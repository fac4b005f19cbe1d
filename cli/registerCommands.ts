import { badInput } from '../errors/CortexError.js';
import type { Command } from 'commander';
import { MAX_LAYER } from '../formats/validation.js';
import { int, readLayersManifest, step, steps, withWarehouse } from './options.js';

/** `cortexql register model | checkpoints`: models, their checkpoints and ONNX files. */
export function registerCommands(program: Command): void {
  const register = program.command('register').description('register models and checkpoints');
  register
    .command('model <id>')
    .description('register a model or update its facts (known families such as Pythia are filled in from the catalog)')
    .option('--family <name>', 'model family; "pythia" also gives Pythia\'s tokens per step, final step and (when the id names a size) architecture')
    .option('--params <n>', 'total parameters', int('params'))
    .option('--layers <n>', 'number of layers', int('layers', 1, MAX_LAYER))
    .option('--hidden <n>', 'hidden size', int('hidden'))
    .option('--tokens-per-step <n>', 'training tokens per optimizer step', int('tokens per step'))
    .option('--final-step <n>', 'the last training step', step())
    .option('--source <uri>')
    .option('--description <text>')
    .option('--db <path>', 'warehouse file (env CORTEXQL_DB)')
    .action(async (id: string, opts) => {
      const { registerModel } = await import('../services/registry.js');
      const row = await withWarehouse(opts.db, (wh) =>
        registerModel(wh, {
          modelId: id,
          family: opts.family,
          params: opts.params,
          nLayers: opts.layers,
          hiddenSize: opts.hidden,
          tokensPerStep: opts.tokensPerStep,
          finalStep: opts.finalStep,
          source: opts.source,
          description: opts.description,
        }),
      );
      console.log(JSON.stringify(row, null, 2));
    });
  register
    .command('checkpoints <model>')
    .description('register training checkpoints of a registered model: steps, or ONNX files (size and sha256 recorded) and a tokenizer.json')
    .option('--steps <list>', 'comma-separated steps, e.g. 0,1000,2000 (no artifacts)', steps())
    .option('--onnx <paths...>', 'ONNX checkpoint files, step folders or a folder of them; the step comes from the name (step3000.onnx, step-3000/model.onnx)')
    .option('--tokenizer <file>', "the model's tokenizer.json")
    .option('--layers-manifest <file>', 'JSON layer → tensor names (an array, layer 0 first, or { "0": name, … }) for graphs whose layers cannot be found otherwise')
    .option('--db <path>', 'warehouse file (env CORTEXQL_DB)')
    .action(async (model: string, opts) => {
      const { registerCheckpointArtifacts, resolveCheckpointPaths } = await import('../services/checkpoints.js');
      const { registerCheckpoints } = await import('../services/registry.js');
      if (opts.steps) {
        const n = await withWarehouse(opts.db, (wh) => registerCheckpoints(wh, model, (opts.steps as number[]).map((step) => ({ step }))));
        console.log(`registered ${n} checkpoints of ${model}`);
      }
      if (opts.layersManifest && !opts.onnx) throw badInput('--layers-manifest describes the graphs given with --onnx');
      if (opts.onnx || opts.tokenizer) {
        const artifacts = resolveCheckpointPaths((opts.onnx ?? []) as string[]);
        const layersManifest = readLayersManifest(opts.layersManifest);
        const rows = await withWarehouse(opts.db, (wh) => registerCheckpointArtifacts(wh, model, artifacts, opts.tokenizer ?? null, { layersManifest }));
        for (const r of rows) {
          console.log(`step ${String(r.step).padStart(7)}  ${r.artifactSha256?.slice(0, 12)}  ${r.artifactBytes} bytes${r.duplicateOf !== null ? `  DUPLICATE of step ${r.duplicateOf}` : ''}`);
        }
      }
    });
}

import { badInput } from '../errors/CortexError.js';
import type { Command } from 'commander';
import { MAX_LAYER } from '../formats/validation.js';
import { int, readLayersManifest, step, steps } from './options.js';
import { runOnWarehouse, warehouseOptions } from './warehouseCommand.js';

/** `cortexql register model | checkpoints`: models, their checkpoints and ONNX files. */
export function registerCommands(program: Command): void {
  const register = program.command('register').description('register models and checkpoints');
  warehouseOptions(
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
      .option('--description <text>'),
  ).action(async (id: string, opts) => {
    const facts = {
      family: opts.family, params: opts.params, nLayers: opts.layers, hiddenSize: opts.hidden,
      tokensPerStep: opts.tokensPerStep, finalStep: opts.finalStep, source: opts.source, description: opts.description,
    };
    const row = await runOnWarehouse(opts, {
      command: 'register model', role: 'writer',
      local: async (wh) => (await import('../services/registry.js')).registerModel(wh, { modelId: id, ...facts }),
      remote: async (api) =>
        (await api.graphql<{ registerModel: import('../warehouse/modelsRepo.js').ModelRow }>(
          'mutation CliRegisterModel($input: RegisterModelInput!) { registerModel(input: $input) { modelId: id family params nLayers hiddenSize tokensPerStep finalStep languages source description } }',
          { input: { id, ...facts } },
        )).registerModel,
    });
    console.log(JSON.stringify(row, null, 2));
  });
  const checkpoints = register
    .command('checkpoints <model>')
    .description('register training checkpoints of a registered model: steps, or ONNX files (size and sha256 recorded) and a tokenizer.json')
    .option('--steps <list>', 'comma-separated steps, e.g. 0,1000,2000 (no artifacts)', steps())
    .option('--onnx <paths...>', 'ONNX checkpoint files, step folders or a folder of them; the step comes from the name (step3000.onnx, step-3000/model.onnx)')
    .option('--tokenizer <file>', "the model's tokenizer.json")
    .option('--layers-manifest <file>', 'JSON layer → tensor names (an array, layer 0 first, or { "0": name, … }) for graphs whose layers cannot be found otherwise');
  warehouseOptions(checkpoints).action(async (model: string, opts) => {
      const { registerCheckpointArtifacts, resolveCheckpointPaths } = await import('../services/checkpoints.js');
      if (opts.steps) {
        const checkpoints = (opts.steps as number[]).map((step) => ({ step }));
        const n = await runOnWarehouse(opts, {
          command: 'register checkpoints --steps', role: 'writer',
          local: async (wh) => (await import('../services/registry.js')).registerCheckpoints(wh, model, checkpoints),
          remote: async (api) =>
            (await api.graphql<{ registerCheckpoints: number }>('mutation CliRegisterCheckpoints($model: ID!, $checkpoints: [CheckpointInput!]!) { registerCheckpoints(model: $model, checkpoints: $checkpoints) }', { model, checkpoints }))
              .registerCheckpoints,
        });
        console.log(`registered ${n} checkpoints of ${model}`);
      }
      if (opts.layersManifest && !opts.onnx) throw badInput('--layers-manifest describes the graphs given with --onnx');
      if (opts.onnx || opts.tokenizer) {
        const artifacts = resolveCheckpointPaths((opts.onnx ?? []) as string[]);
        const layersManifest = readLayersManifest(opts.layersManifest);
        const rows = await runOnWarehouse(opts, {
          command: 'register checkpoints --onnx', role: 'writer',
          local: (wh) => registerCheckpointArtifacts(wh, model, artifacts, opts.tokenizer ?? null, { layersManifest }),
          apiAlternative: 'upload each checkpoint (POST /uploads, a .tar for a folder with external weights) and call the registerCheckpointArtifacts mutation',
        });
        for (const r of rows) {
          console.log(`step ${String(r.step).padStart(7)}  ${r.artifactSha256?.slice(0, 12)}  ${r.artifactBytes} bytes${r.duplicateOf !== null ? `  DUPLICATE of step ${r.duplicateOf}` : ''}`);
        }
      }
    });
}

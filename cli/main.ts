#!/usr/bin/env node
import 'reflect-metadata';
import { Command, InvalidArgumentError } from 'commander';
import { writeFileSync } from 'node:fs';
import { printSchema } from 'graphql';
import { isCortexError } from '../errors/CortexError.js';
import { resolveConfig } from '../server/config.js';
import { buildDemoWarehouse } from '../server/demo.js';
import { serve } from '../server/serve.js';
import { cortexSchema } from '../server/schema.js';
import { exportBundle, importBundle } from '../services/bundles.js';
import { computeEncoding } from '../services/encoding.js';
import { computeInternal } from '../services/internal.js';
import { importEvalsFromPath } from '../warehouse/importEvals.js';
import { importFeaturesNpy, importFmri } from '../warehouse/importFmri.js';
import { registerCheckpoints, registerModel } from '../warehouse/registry.js';
import { createApiKey, listApiKeys, revokeApiKey } from '../warehouse/apiKeysRepo.js';
import { Warehouse } from '../warehouse/Warehouse.js';
import { progressBars } from './progress.js';

const int = (label: string) => (text: string) => {
  const n = Number(text);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`${label} must be a whole number`);
  return n;
};

async function withWarehouse<T>(db: string | undefined, work: (wh: Warehouse) => Promise<T>): Promise<T> {
  const wh = await Warehouse.create({ path: resolveConfig({ db }).db });
  try {
    return await work(wh);
  } finally {
    wh.close();
  }
}

const program = new Command('cortexql')
  .description('GraphQL analytics over a DuckDB warehouse of LLM brain-alignment, internal-state and benchmark trajectories')
  .showHelpAfterError();

program
  .command('serve')
  .description('start the GraphQL server (builds the demo warehouse on first run when using the default path)')
  .option('--db <path>', 'warehouse file (env CORTEXQL_DB)')
  .option('--host <host>', 'listen address (env CORTEXQL_HOST, default 127.0.0.1)')
  .option('--port <port>', 'listen port (env CORTEXQL_PORT, default 4000)')
  .option('--max-cost <n>', 'query cost ceiling (env CORTEXQL_MAX_COST)')
  .option('--max-depth <n>', 'query depth ceiling (env CORTEXQL_MAX_DEPTH)')
  .option('--anonymous <role>', 'role of requests without a key: none, reader, writer, admin (env CORTEXQL_ANONYMOUS; demo: reader, else none)')
  .action(async (opts) => {
    await serve(resolveConfig(opts));
  });

const importCmd = program.command('import').description('import results into the warehouse');
importCmd
  .command('evals <path>')
  .description('import lm-evaluation-harness results JSON (a file or a folder, recursively); all-or-nothing')
  .option('--model <id>', 'model id for every file (default: from config.model_args / model_name)')
  .option('--step <n>', 'training step for every file (default: revision=stepN or the file name)', int('step'))
  .option('--db <path>', 'warehouse file (env CORTEXQL_DB)')
  .action(async (path: string, opts) => {
    const bars = progressBars();
    const report = await withWarehouse(opts.db, (wh) =>
      importEvalsFromPath(wh, path, { model: opts.model, step: opts.step, onProgress: (d, t) => bars.update('files', d, t) }),
    ).finally(bars.stop);
    console.log(`imported ${report.scores} scores from ${report.files} files: ${report.checkpoints} checkpoints of ${report.models.join(', ')}`);
  });

importCmd
  .command('fmri <manifest>')
  .description('import an fMRI dataset from its manifest (docs/fmri-manifest.md); all-or-nothing')
  .option('--db <path>', 'warehouse file (env CORTEXQL_DB)')
  .action(async (manifest: string, opts) => {
    const r = await withWarehouse(opts.db, (wh) => importFmri(wh, manifest));
    console.log(`imported dataset ${r.dataset}: ${r.runs} runs, ${r.words} words, ${r.subjects} subjects, ${r.voxels} voxels`);
  });
importCmd
  .command('features <npy>')
  .description('import per-word features (n_words × dim .npy, words of all runs in run order) of one model, step and layer')
  .requiredOption('--model <id>')
  .requiredOption('--step <n>', 'training step', int('step'))
  .requiredOption('--layer <n>', 'layer', int('layer'))
  .requiredOption('--dataset <id>')
  .option('--db <path>', 'warehouse file (env CORTEXQL_DB)')
  .action(async (path: string, opts) => {
    const r = await withWarehouse(opts.db, (wh) => importFeaturesNpy(wh, { modelId: opts.model, step: opts.step, layer: opts.layer, datasetId: opts.dataset, path }));
    console.log(`imported ${r.nWords} × ${r.dim} features of ${opts.model}@${opts.step} layer ${opts.layer}`);
  });

const compute = program.command('compute').description('compute cells into the warehouse');
const list = () => (text: string) => text.split(',').map((s) => s.trim());
compute
  .command('encoding')
  .description('fit voxel-wise ridge encoding models of a checkpoint’s layers and store brain scores')
  .requiredOption('--model <id>')
  .requiredOption('--step <n>', 'training step', int('step'))
  .requiredOption('--dataset <id>')
  .option('--layers <list>', 'comma-separated layers (default: all with features)', list())
  .option('--subjects <list>', 'comma-separated subjects (default: all)', list())
  .option('--folds <n>', 'contiguous CV folds', int('folds'))
  .option('--db <path>', 'warehouse file (env CORTEXQL_DB)')
  .action(async (opts) => {
    const bars = progressBars();
    const r = await withWarehouse(opts.db, (wh) =>
      computeEncoding(wh, {
        modelId: opts.model, step: opts.step, datasetId: opts.dataset, layers: opts.layers?.map(Number), subjects: opts.subjects,
        params: opts.folds ? { folds: opts.folds } : {}, onProgress: (d, t) => bars.update('encoding cells', d, t),
      }),
    ).finally(bars.stop);
    console.log(`encoding: ${r.cells} cells, ${r.voxels} voxel scores in ${r.seconds.toFixed(1)} s on ${r.device} (run ${r.runId}, params ${r.paramsHash})`);
  });
compute
  .command('internal')
  .description('compute internal-state metrics of a checkpoint’s layers on a dataset’s stimulus words')
  .requiredOption('--model <id>')
  .requiredOption('--step <n>', 'training step', int('step'))
  .requiredOption('--dataset <id>')
  .option('--layers <list>', 'comma-separated layers (default: all with features)', list())
  .option('--db <path>', 'warehouse file (env CORTEXQL_DB)')
  .action(async (opts) => {
    const bars = progressBars();
    const r = await withWarehouse(opts.db, (wh) =>
      computeInternal(wh, { modelId: opts.model, step: opts.step, datasetId: opts.dataset, layers: opts.layers?.map(Number), onProgress: (d, t) => bars.update('layers', d, t) }),
    ).finally(bars.stop);
    console.log(`internal metrics: ${r.values} values (${r.nulls} undefined) for ${r.layers} layers (run ${r.runId})`);
  });

const register = program.command('register').description('register models and checkpoints');
register
  .command('model <id>')
  .description('register a model or update its facts (known families such as Pythia are filled in from the catalog)')
  .option('--family <name>')
  .option('--params <n>', 'total parameters', int('params'))
  .option('--layers <n>', 'number of layers', int('layers'))
  .option('--hidden <n>', 'hidden size', int('hidden'))
  .option('--tokens-per-step <n>', 'training tokens per optimizer step', int('tokens per step'))
  .option('--final-step <n>', 'the last training step', int('final step'))
  .option('--source <uri>')
  .option('--description <text>')
  .option('--db <path>', 'warehouse file (env CORTEXQL_DB)')
  .action(async (id: string, opts) => {
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
  .description('register training checkpoints (steps) of a registered model')
  .requiredOption('--steps <list>', 'comma-separated steps, e.g. 0,1000,2000')
  .option('--db <path>', 'warehouse file (env CORTEXQL_DB)')
  .action(async (model: string, opts) => {
    const steps = String(opts.steps).split(',').map((s) => int('step')(s.trim()));
    const n = await withWarehouse(opts.db, (wh) => registerCheckpoints(wh, model, steps.map((step) => ({ step }))));
    console.log(`registered ${n} checkpoints of ${model}`);
  });

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
    const r = await withWarehouse(opts.db, (wh) =>
      exportBundle(wh, {
        where: { models: opts.models, datasets: opts.datasets, includeFmri: opts.fmri, includeFeatures: Boolean(opts.features) },
        lab: opts.lab, exportDir: opts.out, tar: Boolean(opts.tar),
      }),
    );
    for (const f of r.manifest.files) console.log(`${f.file.padEnd(28)} ${String(f.rows).padStart(10)} rows  ${f.sha256.slice(0, 12)}`);
    console.log(`bundle ${r.id}: ${r.folder}${r.tarFile ? ` and ${r.tarFile}` : ''}`);
  });
importCmd
  .command('bundle <path>')
  .description('import a sharing bundle (folder or .tar): verified, merged idempotently, conflicts reported, all-or-nothing')
  .option('--db <path>', 'warehouse file (env CORTEXQL_DB)')
  .action(async (path: string, opts) => {
    const r = await withWarehouse(opts.db, (wh) => importBundle(wh, path));
    for (const t of r.tables) console.log(`${t.table.padEnd(22)} +${t.inserted} (${t.present} already present)`);
    console.log(`imported bundle ${r.id}${r.lab ? ` from ${r.lab}` : ''}`);
  });

const keys = program.command('keys').description('API keys (stored hashed; roles reader, writer, admin)');
keys
  .command('create <name>')
  .description('create a key and print it (it is shown only once)')
  .requiredOption('--role <role>', 'reader, writer or admin')
  .option('--db <path>', 'warehouse file (env CORTEXQL_DB)')
  .action(async (name: string, opts) => {
    const { key, info } = await withWarehouse(opts.db, (wh) => createApiKey(wh, name, opts.role));
    console.log(`${key}\n(key ${info.keyId}, role ${info.role}; send it as "Authorization: Bearer <key>")`);
  });
keys
  .command('revoke <keyId>')
  .option('--db <path>', 'warehouse file (env CORTEXQL_DB)')
  .action(async (keyId: string, opts) => {
    await withWarehouse(opts.db, (wh) => revokeApiKey(wh, keyId));
    console.log(`revoked ${keyId}`);
  });
keys
  .command('list')
  .option('--db <path>', 'warehouse file (env CORTEXQL_DB)')
  .action(async (opts) => {
    for (const k of await withWarehouse(opts.db, (wh) => listApiKeys(wh))) {
      console.log(`${k.keyId}  ${k.role.padEnd(6)}  ${k.name}${k.revoked ? '  (revoked)' : ''}`);
    }
  });

program
  .command('demo')
  .description('demo warehouse')
  .command('build')
  .description('(re)build the demo warehouse from the data shipped in the repository')
  .option('--db <path>', 'warehouse file (env CORTEXQL_DB)')
  .action(async (opts) => {
    const bars = progressBars();
    const report = await buildDemoWarehouse(resolveConfig(opts).db, bars.update).finally(bars.stop);
    console.log(`demo warehouse built: ${report.scores} scores, ${report.checkpoints} checkpoints of ${report.models.length} models`);
  });

program
  .command('schema')
  .description('print the GraphQL schema (SDL)')
  .option('--out <file>', 'write to a file instead of stdout')
  .action(async (opts) => {
    const sdl = `${printSchema(await cortexSchema())}\n`;
    if (opts.out) writeFileSync(opts.out, sdl);
    else process.stdout.write(sdl);
  });

program.parseAsync().catch((error: unknown) => {
  if (isCortexError(error)) {
    console.error(`error [${error.code}]: ${error.message}`);
    process.exit(2);
  }
  console.error(error);
  process.exit(1);
});

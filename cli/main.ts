#!/usr/bin/env node
import '../server/processDefaults.js';
import 'reflect-metadata';
import { Command, InvalidArgumentError } from 'commander';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { printSchema } from 'graphql';
import { badInput, isCortexError } from '../errors/CortexError.js';
import { resolveConfig } from '../server/config.js';
import { buildDemoWarehouse } from '../server/demo.js';
import { serve } from '../server/serve.js';
import { cortexSchema } from '../server/schema.js';
import { exportBundle, importBundle } from '../services/bundles.js';
import { registerCheckpointArtifacts, scanCheckpointFolder } from '../services/checkpoints.js';
import { computeEncoding } from '../services/encoding.js';
import { extractFeatures } from '../services/features.js';
import { stepFrom } from '../warehouse/ingest/lmEvalResults.js';
import { computeInternal } from '../services/internal.js';
import { startRemoteWorker } from '../services/jobs/remoteWorker.js';
import { importEvalsFromPath } from '../warehouse/importEvals.js';
import { importFeaturesNpy, importFmri } from '../warehouse/importFmri.js';
import { registerCheckpoints, registerModel } from '../warehouse/registry.js';
import { createApiKey, listApiKeys, revokeApiKey } from '../warehouse/apiKeysRepo.js';
import { exportParquet } from '../warehouse/parquetExport.js';
import { Warehouse } from '../warehouse/Warehouse.js';
import { progressBars } from './progress.js';

const stepOf = (path: string) => {
  const step = stepFrom(path);
  if (step === null) throw new InvalidArgumentError(`no step in the name of ${path} (e.g. step3000.onnx)`);
  return step;
};

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
  .option('--readers <n>', 'reader connections (env CORTEXQL_READERS, default one per CPU, at least 2)')
  .option('--cache-entries <n>', 'entries of the read-result cache, 0 = off (env CORTEXQL_CACHE_ENTRIES, default 256)')
  .option('--read-only', 'a read replica: open --db read-only and reopen it when a publisher replaces it (env CORTEXQL_READ_ONLY=1)')
  .option('--watch-interval <ms>', 'replica: how often to look for a new published file (env CORTEXQL_WATCH_INTERVAL, default 1000)')
  .option('--parquet <dir>', 'serve a Parquet export folder (cortexql export-parquet) read-only instead of --db (env CORTEXQL_PARQUET)')
  .option('--publish <file>', 'writer: publish the warehouse to this file for replicas, atomically, after changes (env CORTEXQL_PUBLISH)')
  .option('--publish-every <s>', 'writer: at most this often (env CORTEXQL_PUBLISH_EVERY, default 10)')
  .option('--memory-limit <size>', "DuckDB's memory limit, e.g. 2GB (env CORTEXQL_MEMORY_LIMIT, default 80% of RAM)")
  .action(async (opts) => {
    await serve(resolveConfig(opts));
  });

program
  .command('publish')
  .description('copy the warehouse atomically to a file that read replicas (cortexql serve --read-only) serve and reopen')
  .requiredOption('--to <file>', 'the published file')
  .option('--db <path>', 'warehouse file (env CORTEXQL_DB)')
  .action(async (opts) => {
    const r = await withWarehouse(opts.db, (wh) => wh.publish(opts.to));
    console.log(`published ${opts.to}: ${(r.bytes / 2 ** 20).toFixed(1)} MiB in ${(r.ms / 1000).toFixed(1)} s`);
  });

program
  .command('export-parquet')
  .description('write every table as Parquet (big tables Hive-partitioned model=…/dataset=…/) + manifest.json; serve it with serve --parquet')
  .requiredOption('--out <dir>', 'an empty or new folder')
  .option('--db <path>', 'warehouse file (env CORTEXQL_DB)')
  .action(async (opts) => {
    const m = await withWarehouse(opts.db, (wh) => exportParquet(wh, opts.out));
    for (const t of m.tables) console.log(`${t.path.padEnd(28)} ${String(t.rows).padStart(12)} rows ${(t.bytes / 2 ** 20).toFixed(1).padStart(9)} MiB${t.partitions.length ? `  (${t.partitions.map((p) => `${p}=…`).join('/')})` : ''}`);
  });

program
  .command('worker')
  .description('compute jobs from the Redis queue (BullMQ) on this machine: inputs come from the server, results go back to it, and it writes them')
  .option('--redis <url>', 'Redis URL (env CORTEXQL_REDIS_URL or REDIS_URL)')
  .option('--server <url>', 'the cortexql server (env CORTEXQL_SERVER_URL, default http://127.0.0.1:4000/)')
  .option('--key <apiKey>', 'a writer or admin API key (env CORTEXQL_API_KEY)')
  .option('--concurrency <n>', 'jobs at once, each on its own thread (default 1)', int('concurrency'), 1)
  .option('--name <id>', 'recorded with each job it computes (default host:pid)')
  .option('--lock-seconds <n>', 'a dead worker\'s job is re-delivered after about this long (default 30)', int('lock seconds'), 30)
  .action(async (opts) => {
    const redisUrl = opts.redis ?? process.env.CORTEXQL_REDIS_URL ?? process.env.REDIS_URL;
    if (!redisUrl) throw badInput('--redis (or CORTEXQL_REDIS_URL / REDIS_URL) is required');
    const serverUrl = opts.server ?? process.env.CORTEXQL_SERVER_URL ?? 'http://127.0.0.1:4000/';
    const worker = await startRemoteWorker({
      redisUrl, serverUrl, apiKey: opts.key ?? process.env.CORTEXQL_API_KEY ?? null,
      concurrency: Math.max(1, opts.concurrency), name: opts.name, lockMs: Math.max(1, opts.lockSeconds) * 1000,
    });
    console.log(`worker ${worker.name} ready: jobs from Redis, inputs and results through ${serverUrl}`);
    // First signal: finish the jobs in hand; second: leave now (BullMQ re-delivers them).
    let stopping = false;
    const stop = () => {
      if (stopping) process.exit(1);
      stopping = true;
      console.log(`worker ${worker.name}: finishing the jobs in hand (signal again to leave now)`);
      void worker.close().then(() => process.exit(0));
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
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
  .command('features')
  .description("run a checkpoint's ONNX graph over a dataset's stimulus and store every layer's word features")
  .requiredOption('--model <id>')
  .requiredOption('--step <n>', 'training step', int('step'))
  .requiredOption('--dataset <id>')
  .option('--window <n>', 'context window in tokens (default 128)', int('window'))
  .option('--stride <n>', 'window stride in tokens (default window / 2)', int('stride'))
  .option('--word-feature <how>', 'last (token of the word, default) or mean (of its tokens)')
  .option('--db <path>', 'warehouse file (env CORTEXQL_DB)')
  .action(async (opts) => {
    const bars = progressBars();
    const r = await withWarehouse(opts.db, (wh) =>
      extractFeatures(wh, {
        modelId: opts.model, step: opts.step, datasetId: opts.dataset, windowTokens: opts.window, strideTokens: opts.stride,
        wordFeature: opts.wordFeature, onProgress: (d, t) => bars.update('stories', d, t),
      }),
    ).finally(bars.stop);
    console.log(`features: ${r.layers} layers × ${r.nWords} words × ${r.dim} on ${r.provider} (${r.tokensPerSecond.toFixed(0)} tokens/s)`);
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
  .description('register training checkpoints of a registered model: steps, or ONNX files (size and sha256 recorded) and a tokenizer.json')
  .option('--steps <list>', 'comma-separated steps, e.g. 0,1000,2000 (no artifacts)')
  .option('--onnx <paths...>', 'ONNX checkpoint files or a folder of them; the step comes from the name (step3000.onnx, step-3000/model.onnx)')
  .option('--tokenizer <file>', "the model's tokenizer.json")
  .option('--db <path>', 'warehouse file (env CORTEXQL_DB)')
  .action(async (model: string, opts) => {
    if (opts.steps) {
      const steps = String(opts.steps).split(',').map((s) => int('step')(s.trim()));
      const n = await withWarehouse(opts.db, (wh) => registerCheckpoints(wh, model, steps.map((step) => ({ step }))));
      console.log(`registered ${n} checkpoints of ${model}`);
    }
    if (opts.onnx || opts.tokenizer) {
      const artifacts = ((opts.onnx ?? []) as string[]).flatMap((p) => (statSync(p).isDirectory() && !readdirSync(p).some((f) => f.endsWith('.onnx')) ? scanCheckpointFolder(p) : [{ step: stepOf(p), path: p }]));
      const rows = await withWarehouse(opts.db, (wh) => registerCheckpointArtifacts(wh, model, artifacts, opts.tokenizer ?? null));
      for (const r of rows) {
        console.log(`step ${String(r.step).padStart(7)}  ${r.artifactSha256?.slice(0, 12)}  ${r.artifactBytes} bytes${r.duplicateOf !== null ? `  DUPLICATE of step ${r.duplicateOf}` : ''}`);
      }
    }
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
  .option('--scale <x>', 'size of the simulated study (1 = the demo; env CORTEXQL_DEMO_SCALE)', Number)
  .action(async (opts) => {
    const bars = progressBars();
    const r = await buildDemoWarehouse(resolveConfig(opts).db, { scale: opts.scale, onProgress: bars.update }).finally(bars.stop);
    console.log(
      `demo warehouse built in ${r.seconds.toFixed(0)} s: ${r.pythiaScores} Pythia eval scores; simulated study ${r.study.modelId} ` +
        `(${r.study.checkpoints} checkpoints on ${r.study.datasetId}, planted peak at step ${r.study.schedule.peakStep}, trough at ${r.study.schedule.troughStep})`,
    );
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

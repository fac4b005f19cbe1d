import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { CortexError } from '../errors/CortexError.js';
import { demoStudyOptions } from './demoStudy.js';
import type { SimulatedStudy, WriteSimulatedStudyOptions } from './simulatedStudy.js';
import { workerScript } from './workerScript.js';
import { importEvalsFromPath } from './importEvals.js';
import { importFmri } from './importFmri.js';
import { registerModel } from './registry.js';
import type { Warehouse } from '../warehouse/Warehouse.js';
import { registerCheckpointArtifacts } from './checkpoints.js';
import { computeEncoding } from './encoding.js';
import { extractFeatures } from './features.js';
import { computeInternal } from './internal.js';

export type DemoProgress = (stage: string, done: number, total: number) => void;

export interface DemoReport {
  readonly pythiaScores: number;
  readonly study: Pick<SimulatedStudy, 'modelId' | 'datasetId' | 'schedule' | 'brainLayer'> & { checkpoints: number };
  readonly seconds: number;
}

/** Where the Pythia evals and the simulated study come from. */
export type DemoSources = { pythiaEvals: string; onProgress?: DemoProgress; signal?: AbortSignal } & ({ studyDir: string; scale?: number } | { study: SimulatedStudy });

/**
 * Fills a warehouse with the demo: the real Pythia evaluations shipped in the repository, and
 * the simulated study (docs/simulated-study.md) run through the real pipeline — its ONNX
 * checkpoints registered, its fMRI and evals imported, then per checkpoint hidden states →
 * features → encoding models → brain scores, and internal metrics. The study is written into
 * `studyDir` (the demo's sizes, services/demoStudy.ts, or the generator's at `scale`), or taken
 * as already written (`study`).
 */
export async function fillDemoWarehouse(wh: Warehouse, options: DemoSources): Promise<DemoReport> {
  const started = performance.now();
  const pythiaScores = await importDemoEvals(wh, options);
  const study = await buildDemoStudy(wh, options);
  return { pythiaScores, study, seconds: (performance.now() - started) / 1000 };
}

/** The demo's first part, seconds long: the real Pythia evals. Returns the scores written. */
export async function importDemoEvals(wh: Warehouse, options: Pick<DemoSources, 'pythiaEvals' | 'onProgress'>): Promise<number> {
  const progress = options.onProgress ?? (() => {});
  return (await importEvalsFromPath(wh, options.pythiaEvals, { onProgress: (d, t) => progress('Pythia evals', d, t) })).scores;
}

/**
 * The demo's second part, minutes long: the simulated study through the full pipeline. Every
 * step replaces what it writes, so a build interrupted (a restart; `signal` between checkpoints)
 * is simply run again.
 */
export async function buildDemoStudy(wh: Warehouse, options: DemoSources): Promise<DemoReport['study']> {
  const progress = options.onProgress ?? (() => {});
  const study =
    'study' in options
      ? options.study
      : await writeSimulatedStudyOffThread({ outDir: options.studyDir, ...demoStudyOptions(options.scale) }, (p) => progress(`simulate ${p.stage}`, p.done, p.total));
  options.signal?.throwIfAborted();
  const model = JSON.parse(readFileSync(join(study.dir, 'models', study.modelId, 'model.json'), 'utf8')) as {
    family: string; params: number; tokensPerStep: number; finalStep: number; config: { nLayers: number; dModel: number };
  };
  await registerModel(wh, {
    modelId: study.modelId, family: model.family, params: model.params, nLayers: model.config.nLayers, hiddenSize: model.config.dModel,
    tokensPerStep: model.tokensPerStep, finalStep: model.finalStep, languages: ['en'], source: 'cortexql simulated study',
    description: 'A tiny GPT whose brain alignment is planted to rise, dip and rise again (docs/simulated-study.md)',
  });
  progress('register checkpoints', 0, 1);
  await registerCheckpointArtifacts(wh, study.modelId, study.checkpoints.map((c) => ({ step: c.step, path: resolve(study.dir, c.file) })), study.tokenizerFile);
  progress('import fMRI', 0, 1);
  await importFmri(wh, study.fmriManifest);
  await importEvalsFromPath(wh, join(study.dir, 'evals'), { model: study.modelId });

  const steps = study.checkpoints.map((c) => c.step);
  progress('sim checkpoints', 0, steps.length);
  for (const [i, step] of steps.entries()) {
    options.signal?.throwIfAborted();
    const req = { modelId: study.modelId, step, datasetId: study.datasetId };
    await extractFeatures(wh, req);
    await computeEncoding(wh, req);
    await computeInternal(wh, req);
    progress('sim checkpoints', i + 1, steps.length);
  }
  return { modelId: study.modelId, datasetId: study.datasetId, schedule: study.schedule, brainLayer: study.brainLayer, checkpoints: steps.length };
}

/** writeSimulatedStudy on a worker thread (services/simulatedStudyWorker.ts). */
function writeSimulatedStudyOffThread(
  options: WriteSimulatedStudyOptions,
  onProgress: (p: { stage: string; done: number; total: number }) => void,
): Promise<SimulatedStudy> {
  const worker = new Worker(workerScript(import.meta.url, 'simulatedStudyWorker.js'), { workerData: options });
  return new Promise<SimulatedStudy>((resolve, reject) => {
    worker.on('message', (m: { type: 'progress'; stage: string; done: number; total: number } | { type: 'result'; study: SimulatedStudy } | { type: 'error'; message: string }) => {
      if (m.type === 'progress') onProgress(m);
      else if (m.type === 'result') resolve(m.study);
      else reject(new CortexError('INTERNAL', `the simulated study could not be written: ${m.message}`));
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new CortexError('INTERNAL', `the simulated study's worker stopped (exit ${code})`)));
  }).finally(() => void worker.terminate());
}

/** Where the demo keeps the simulated study's files (ONNX checkpoints are referenced by path). */
export function demoStudyDir(warehousePath: string): string {
  return join(dirname(warehousePath), 'sim-study');
}

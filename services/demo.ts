import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { writeSimulatedStudy, type SimulatedStudy } from './simulatedStudy.js';
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

/**
 * Fills a warehouse with the demo: the real Pythia evaluations shipped in the repository, and
 * the simulated study (docs/simulated-study.md) run through the real pipeline — its ONNX
 * checkpoints registered, its fMRI and evals imported, then per checkpoint hidden states →
 * features → encoding models → brain scores, and internal metrics. The study is written into
 * `studyDir` at `scale`, or taken as already written (`study`).
 */
export async function fillDemoWarehouse(
  wh: Warehouse,
  options: { pythiaEvals: string; onProgress?: DemoProgress } & ({ studyDir: string; scale?: number } | { study: SimulatedStudy }),
): Promise<DemoReport> {
  const started = performance.now();
  const progress = options.onProgress ?? (() => {});
  const pythia = await importEvalsFromPath(wh, options.pythiaEvals, { onProgress: (d, t) => progress('Pythia evals', d, t) });

  const study =
    'study' in options
      ? options.study
      : await writeSimulatedStudy({
          outDir: options.studyDir,
          seed: 1,
          scale: options.scale ?? 1,
          onProgress: (p) => progress(`simulate ${p.stage}`, p.done, p.total),
        });
  const model = JSON.parse(readFileSync(join(study.dir, 'models', study.modelId, 'model.json'), 'utf8')) as {
    family: string; params: number; tokensPerStep: number; finalStep: number; config: { nLayers: number; dModel: number };
  };
  await registerModel(wh, {
    modelId: study.modelId, family: model.family, params: model.params, nLayers: model.config.nLayers, hiddenSize: model.config.dModel,
    tokensPerStep: model.tokensPerStep, finalStep: model.finalStep, languages: ['en'], source: 'cortexql simulated study',
    description: 'A tiny GPT whose brain alignment is planted to rise, dip and rise again (docs/simulated-study.md)',
  });
  await registerCheckpointArtifacts(wh, study.modelId, study.checkpoints.map((c) => ({ step: c.step, path: resolve(study.dir, c.file) })), study.tokenizerFile);
  await importFmri(wh, study.fmriManifest);
  await importEvalsFromPath(wh, join(study.dir, 'evals'), { model: study.modelId });

  const steps = study.checkpoints.map((c) => c.step);
  for (const [i, step] of steps.entries()) {
    const req = { modelId: study.modelId, step, datasetId: study.datasetId };
    await extractFeatures(wh, req);
    await computeEncoding(wh, req);
    await computeInternal(wh, req);
    progress('sim checkpoints', i + 1, steps.length);
  }
  return {
    pythiaScores: pythia.scores,
    study: { modelId: study.modelId, datasetId: study.datasetId, schedule: study.schedule, brainLayer: study.brainLayer, checkpoints: steps.length },
    seconds: (performance.now() - started) / 1000,
  };
}

/** Where the demo keeps the simulated study's files (ONNX checkpoints are referenced by path). */
export function demoStudyDir(warehousePath: string): string {
  return join(dirname(warehousePath), 'sim-study');
}

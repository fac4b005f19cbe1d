/**
 * Writes the simulated study (docs/simulated-study.md): a generated checkpoint series of a tiny
 * GPT as ONNX files with its tokenizer.json, lm-eval v0.3 results per checkpoint, and a
 * simulated fMRI dataset (cortexql-fmri/1 manifest + NPY responses) whose brain-alignment
 * trajectory over the checkpoints is planted (plantedSchedule.ts). Everything is a deterministic
 * function of `seed` and the sizes; `scale` shrinks the sizes for tests.
 *
 *   const study = await writeSimulatedStudy({ outDir: 'data/sim', seed: 1 });
 *   study.groundTruth.planted.peakStep    // 1000: where brain alignment peaks
 *   study.fmriManifest                    // 'data/sim/fmri/manifest.json' → the fMRI importer
 *   study.checkpoints[0].file             // 'data/sim/models/sim-tinygpt/step-100.onnx'
 *
 * Layout under outDir:
 *   study.json                                ground truth and an index of every file
 *   models/<model>/tokenizer.json             GPT-2 BPE reduced to `merges` merges (+ _config)
 *   models/<model>/step-<N>.onnx              one checkpoint per step, hidden-state outputs included
 *   evals/<model>_step<N>.json                lm-eval v0.3 results
 *   fmri/manifest.json                        cortexql-fmri/1
 *   fmri/transcripts/<run>.json               { words: [{ word, onset, offset }] }
 *   fmri/<subject>/voxels.json                [{ roi, x, y, z }] per response column
 *   fmri/<subject>/<run>.npy                  float32 [nTrs, nVoxels]; test run: <run>_rep-<k>.npy
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { badInput } from '../../errors/CortexError.js';
import { gpt2Tokenizer, gpt2TokenizerConfig, gpt2TokenizerJson } from '../models/gpt2Tokenizer.js';
import { extractWordFeatures, HiddenStateModel } from '../models/hiddenStates.js';
import { tinyGptMix, tinyGptWeights } from '../models/tinyGpt.js';
import type { TinyGptConfig } from '../models/tinyGpt.js';
import { tinyGptOnnx } from '../models/tinyGptOnnx.js';
import { wordTokens } from '../models/wordTokens.js';
import { eventResponse } from './hrf.js';
import { lmEvalV03Document } from './lmEvalV03.js';
import { writeNpy } from '../../formats/npy.js';
import { PLANTED_TASKS, plantedSchedule, plantedTaskScores } from './plantedSchedule.js';
import type { PlantedSchedule, ScheduleLevels } from './plantedSchedule.js';
import { simulateNoise, voxelSignals } from './simulateResponses.js';
import type { NoiseOptions } from './simulateResponses.js';
import { generateStoryWords } from './storyText.js';
import { DEFAULT_ROIS, voxelLayout } from './voxelLayout.js';
import type { VoxelLayout } from './voxelLayout.js';
import { timeWords } from './wordTiming.js';
import type { TimedRun } from './wordTiming.js';

export interface SimulatedStudyOptions {
  readonly outDir: string;
  readonly seed?: number;
  /** 1 = the demo (16 checkpoints, 3 subjects × 1200 voxels, 4000 words); smaller for tests. */
  readonly scale?: number;
  readonly modelId?: string;
  readonly datasetId?: string;
  readonly checkpoints?: number;
  readonly subjects?: number;
  readonly voxels?: number;
  /** Stories (runs) and words per story; the last story is the test run. */
  readonly runs?: number;
  readonly wordsPerRun?: number;
  readonly testRepeats?: number;
  readonly trSeconds?: number;
  /** Architecture (vocabSize comes from the tokenizer). */
  readonly model?: Partial<Omit<TinyGptConfig, 'vocabSize'>>;
  /** GPT-2 merges kept in the tokenizer (default 8000 → 8,257 tokens). */
  readonly merges?: number;
  /** Which hidden state of the brain network is the brain's feature space (default ⌊2L/3⌋). */
  readonly brainLayer?: number;
  readonly levels?: ScheduleLevels;
  readonly noise?: NoiseOptions;
  /** Context windows used for the ground-truth features (default 128 tokens, stride 64). */
  readonly windowTokens?: number;
  readonly strideTokens?: number;
  readonly threads?: number;
  readonly onProgress?: (p: { readonly stage: 'models' | 'features' | 'fmri' | 'evals'; readonly done: number; readonly total: number }) => void;
}

export interface SimulatedCheckpoint {
  readonly step: number;
  readonly tokens: number;
  readonly file: string;
  readonly bytes: number;
  readonly sha256: string;
  readonly alignment: number;
  readonly detour: number;
}

export interface SimulatedStudy {
  readonly dir: string;
  readonly modelId: string;
  readonly datasetId: string;
  readonly modelConfig: TinyGptConfig;
  readonly tokenizerFile: string;
  readonly checkpoints: SimulatedCheckpoint[];
  readonly evalFiles: string[];
  readonly fmriManifest: string;
  readonly studyFile: string;
  readonly schedule: PlantedSchedule;
  readonly brainLayer: number;
  /** Stories with their timed words (the same as in the transcripts). */
  readonly runs: { readonly id: string; readonly split: 'train' | 'test'; readonly words: TimedRun['words']; readonly nTrs: number }[];
  readonly seconds: number;
}

const ROUND = (x: number) => Math.round(x * 1e6) / 1e6;

/** Default sizes at a scale (documented in docs/simulated-study.md). */
export function simulatedStudySizes(scale: number) {
  if (!(scale > 0 && scale <= 4)) throw badInput(`scale must be in (0, 4], got ${scale}`, { scale });
  const small = scale < 0.5;
  return {
    checkpoints: scale >= 0.5 ? Math.round(16 * Math.max(1, scale)) : Math.max(7, Math.round(32 * scale)),
    subjects: scale >= 0.75 ? 3 : 2,
    voxels: Math.max(60, Math.round(1200 * scale)),
    runs: 5,
    wordsPerRun: Math.max(150, Math.round(800 * scale)),
    testRepeats: scale >= 0.75 ? 3 : 2,
    model: small ? { dModel: 64, nLayers: 3, nHeads: 4, dFF: 128, maxPositions: 128 } : { dModel: 64, nLayers: 6, nHeads: 4, dFF: 256, maxPositions: 256 },
  };
}

async function writeJson(file: string, value: unknown): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(value, null, 1)}\n`);
}

export async function writeSimulatedStudy(options: SimulatedStudyOptions): Promise<SimulatedStudy> {
  const started = performance.now();
  const seed = options.seed ?? 1;
  const sizes = simulatedStudySizes(options.scale ?? 1);
  const modelId = options.modelId ?? 'sim-tinygpt';
  const datasetId = options.datasetId ?? 'sim-narratives';
  const nRuns = options.runs ?? sizes.runs;
  const wordsPerRun = options.wordsPerRun ?? sizes.wordsPerRun;
  const nSubjects = options.subjects ?? sizes.subjects;
  const nVoxels = options.voxels ?? sizes.voxels;
  const repeats = options.testRepeats ?? sizes.testRepeats;
  const tr = options.trSeconds ?? 2;
  const merges = options.merges ?? 8000;
  const windowTokens = options.windowTokens ?? 128;
  const strideTokens = options.strideTokens ?? 64;
  const problems: string[] = [];
  if (!Number.isInteger(nRuns) || nRuns < 3) problems.push(`runs must be an integer ≥ 3 (train runs for cross-validation + a test run), got ${nRuns}`);
  if (!Number.isInteger(nSubjects) || nSubjects < 1) problems.push(`subjects must be a positive integer, got ${nSubjects}`);
  if (!Number.isInteger(repeats) || repeats < 1) problems.push(`testRepeats must be a positive integer, got ${repeats}`);
  if (problems.length > 0) throw badInput(`simulated study: ${problems.join('; ')}`, { problems });

  const out = path.resolve(options.outDir);
  const modelDir = path.join(out, 'models', modelId);
  const fmriDir = path.join(out, 'fmri');
  const progress = options.onProgress ?? (() => undefined);

  // --- Tokenizer and networks -------------------------------------------------------------
  const tokenizer = gpt2Tokenizer({ merges });
  const config: TinyGptConfig = { ...sizes.model, ...options.model, vocabSize: tokenizer.vocabSize };
  const brainLayer = options.brainLayer ?? Math.floor((2 * config.nLayers) / 3);
  if (!Number.isInteger(brainLayer) || brainLayer < 0 || brainLayer > config.nLayers) {
    throw badInput(`brainLayer must be an integer in 0…${config.nLayers}, got ${brainLayer}`, { brainLayer });
  }
  const init = tinyGptWeights({ ...config, seed: seed * 1000 + 1 });
  const brain = tinyGptWeights({ ...config, seed: seed * 1000 + 2 });
  const detour = tinyGptWeights({ ...config, seed: seed * 1000 + 3 });
  const schedule = plantedSchedule({ checkpoints: options.checkpoints ?? sizes.checkpoints, levels: options.levels });
  await mkdir(modelDir, { recursive: true });
  const tokenizerFile = path.join(modelDir, 'tokenizer.json');
  await writeFile(tokenizerFile, JSON.stringify(gpt2TokenizerJson({ merges })));
  await writeJson(path.join(modelDir, 'tokenizer_config.json'), gpt2TokenizerConfig());

  const checkpoints: SimulatedCheckpoint[] = [];
  for (const c of schedule.checkpoints) {
    const weights = tinyGptMix([
      { weights: init, coefficient: c.init },
      { weights: brain, coefficient: c.alignment },
      { weights: detour, coefficient: c.detour },
    ]);
    const bytes = tinyGptOnnx(weights, { modelId, step: c.step });
    const file = path.join(modelDir, `step-${c.step}.onnx`);
    await writeFile(file, bytes);
    checkpoints.push({
      step: c.step,
      tokens: c.tokens,
      file,
      bytes: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      alignment: ROUND(c.alignment),
      detour: ROUND(c.detour),
    });
    progress({ stage: 'models', done: checkpoints.length, total: schedule.checkpoints.length });
  }
  await writeJson(path.join(modelDir, 'model.json'), {
    modelId,
    family: 'tiny-gpt',
    config,
    params: Object.values(init.params).reduce((s, a) => s + a.length, 0),
    tokensPerStep: schedule.tokensPerStep,
    steps: checkpoints.map((c) => c.step),
    finalStep: checkpoints[checkpoints.length - 1].step,
    tokenizer: 'tokenizer.json',
  });

  // --- Stimulus --------------------------------------------------------------------------
  const runs = Array.from({ length: nRuns }, (_, k) => {
    const id = `story-${k + 1}`;
    const timed = timeWords(generateStoryWords({ seed: seed * 1000 + 100 + k, words: wordsPerRun }), { seed: seed * 1000 + 200 + k, trSeconds: tr });
    return { id, split: (k === nRuns - 1 ? 'test' : 'train') as 'train' | 'test', words: timed.words, nTrs: timed.nTrs };
  });

  // --- Ground-truth features: the brain network's hidden state, through the real extractor --
  const brainModel = await HiddenStateModel.open(tinyGptOnnx(brain), { threads: options.threads, label: 'brain network' });
  const brainFeatures: Float32Array[] = [];
  try {
    for (const run of runs) {
      const wt = wordTokens(tokenizer, run.words.map((w) => w.word));
      const result = await extractWordFeatures(brainModel, wt, { windowTokens, strideTokens, layers: [brainLayer] });
      brainFeatures.push(result.layers[0].data);
      progress({ stage: 'features', done: brainFeatures.length, total: runs.length });
    }
  } finally {
    await brainModel.release();
  }
  const d = config.dModel;
  const onsets = runs.map((r) => r.words.map((w) => w.onset));
  const brainDriver = runs.map((r, k) => ({ features: eventResponse(onsets[k], brainFeatures[k], [r.words.length, d], r.nTrs, tr), nTrs: r.nTrs }));
  const lowLevelDriver = runs.map((r, k) => {
    const f = new Float32Array(r.words.length * 2);
    r.words.forEach((w, i) => {
      f[i * 2] = 1; // word rate
      f[i * 2 + 1] = w.word.replace(/[^\p{L}\p{N}]/gu, '').length; // word length
    });
    return { features: eventResponse(onsets[k], f, [r.words.length, 2], r.nTrs, tr), nTrs: r.nTrs };
  });

  // --- fMRI ------------------------------------------------------------------------------
  for (const run of runs) await writeJson(path.join(fmriDir, 'transcripts', `${run.id}.json`), { words: run.words });
  const subjects: { id: string; responses: Record<string, string | string[]>; voxels: string }[] = [];
  for (let s = 0; s < nSubjects; s++) {
    const id = `sub-${String(s + 1).padStart(2, '0')}`;
    const subjectSeed = seed * 1000 + 300 + s * 17;
    const layout = voxelLayout({ seed: subjectSeed, nVoxels });
    const signal = subjectSignal(layout, brainDriver, lowLevelDriver, d, subjectSeed + 1);
    const centers = [...DEFAULT_ROIS.map((r) => r.center), [-30, -10, 50], [-20, 40, 30], [-60, -50, 10]];
    const responses: Record<string, string | string[]> = {};
    for (const [k, run] of runs.entries()) {
      const presentations = run.split === 'test' ? repeats : 1;
      const files: string[] = [];
      for (let rep = 0; rep < presentations; rep++) {
        const y = simulateNoise(layout, run.nTrs, subjectSeed + 1000 * (k + 1) + rep, centers, options.noise);
        const sk = signal[k];
        for (let i = 0; i < y.length; i++) y[i] += sk[i];
        const rel = `${id}/${presentations > 1 ? `${run.id}_rep-${rep + 1}` : run.id}.npy`;
        await mkdir(path.join(fmriDir, id), { recursive: true });
        await writeFile(path.join(fmriDir, rel), writeNpy(y, [run.nTrs, nVoxels]));
        files.push(rel);
      }
      responses[run.id] = files.length === 1 ? files[0] : files;
    }
    const voxelsFile = `${id}/voxels.json`;
    await writeJson(
      path.join(fmriDir, voxelsFile),
      layout.roi.map((roi, v) => ({ roi, x: layout.coords[v * 3], y: layout.coords[v * 3 + 1], z: layout.coords[v * 3 + 2] })),
    );
    subjects.push({ id, responses, voxels: voxelsFile });
    progress({ stage: 'fmri', done: s + 1, total: nSubjects });
  }
  const fmriManifest = path.join(fmriDir, 'manifest.json');
  await writeJson(fmriManifest, {
    format: 'cortexql-fmri/1',
    dataset: {
      id: datasetId,
      name: 'Simulated narrative listening',
      language: 'en',
      trSeconds: tr,
      description: `Simulated fMRI of ${nSubjects} subjects listening to ${nRuns} generated stories; brain alignment of ${modelId} is planted (peak at step ${schedule.peakStep}, trough at step ${schedule.troughStep}).`,
      source: 'cortexql simulated study (compute/simulate), docs/simulated-study.md',
    },
    runs: runs.map((r) => ({ id: r.id, split: r.split, nTrs: r.nTrs, transcript: `transcripts/${r.id}.json` })),
    subjects,
  });

  // --- Task accuracies --------------------------------------------------------------------
  const scores = plantedTaskScores(schedule, seed * 1000 + 400);
  const evalFiles: string[] = [];
  for (const [i, c] of schedule.checkpoints.entries()) {
    const file = path.join(out, 'evals', `${modelId}_step${c.step}.json`);
    await writeJson(file, lmEvalV03Document(modelId, c.step, scores[i]));
    evalFiles.push(file);
  }
  progress({ stage: 'evals', done: evalFiles.length, total: evalFiles.length });

  const studyFile = path.join(out, 'study.json');
  const rel = (f: string) => path.relative(out, f);
  await writeJson(studyFile, {
    format: 'cortexql-simulated-study/1',
    seed,
    scale: options.scale ?? 1,
    model: {
      id: modelId,
      family: 'tiny-gpt',
      config,
      tokenizer: rel(tokenizerFile),
      tokenizerMerges: merges,
      tokensPerStep: schedule.tokensPerStep,
      checkpoints: checkpoints.map((c) => ({ ...c, file: rel(c.file) })),
    },
    planted: {
      brainLayer,
      brainFeature: `hidden_state.${brainLayer} of the brain network (seed ${seed * 1000 + 2}), last token of each word`,
      peakStep: schedule.peakStep,
      troughStep: schedule.troughStep,
      peakIndex: schedule.peakIndex,
      troughIndex: schedule.troughIndex,
      levels: schedule.levels,
      phases: [
        { label: 'ALIGNMENT', startStep: schedule.checkpoints[0].step, endStep: schedule.peakStep },
        { label: 'DETACHMENT', startStep: schedule.peakStep, endStep: schedule.troughStep },
        { label: 'REALIGNMENT', startStep: schedule.troughStep, endStep: checkpoints[checkpoints.length - 1].step },
      ],
    },
    fmri: {
      manifest: rel(fmriManifest),
      datasetId,
      trSeconds: tr,
      subjects: nSubjects,
      voxelsPerSubject: nVoxels,
      testRun: runs[runs.length - 1].id,
      testRepeats: repeats,
      rois: DEFAULT_ROIS,
      noise: { ar1: options.noise?.ar1 ?? 0.4, spatialShare: options.noise?.spatialShare ?? 0.3, spatialSigmaMm: options.noise?.spatialSigmaMm ?? 12 },
    },
    evals: { files: evalFiles.map(rel), tasks: PLANTED_TASKS, benchmarkTasks: PLANTED_TASKS.filter((t) => t.task !== 'sim_instruction_following').map((t) => t.task) },
    extraction: { windowTokens, strideTokens, wordFeature: 'last' },
  });

  return {
    dir: out,
    modelId,
    datasetId,
    modelConfig: config,
    tokenizerFile,
    checkpoints,
    evalFiles,
    fmriManifest,
    studyFile,
    schedule,
    brainLayer,
    runs,
    seconds: (performance.now() - started) / 1000,
  };
}

/** a_v·s_v for every run (nTr × V): brain-driven and low-level-driven voxels, zero elsewhere. */
function subjectSignal(
  layout: VoxelLayout,
  brainDriver: readonly { features: Float64Array; nTrs: number }[],
  lowLevelDriver: readonly { features: Float64Array; nTrs: number }[],
  d: number,
  seed: number,
): Float32Array[] {
  const nV = layout.nVoxels;
  const out = brainDriver.map((r) => new Float32Array(r.nTrs * nV));
  for (const [driver, runs, width, s] of [['brain', brainDriver, d, seed], ['lowLevel', lowLevelDriver, 2, seed + 1]] as const) {
    const voxels = layout.driver.flatMap((x, v) => (x === driver ? [v] : []));
    if (voxels.length === 0) continue;
    const signals = voxelSignals(runs, width, voxels, s);
    signals.forEach((sig, k) => {
      for (let t = 0; t < runs[k].nTrs; t++) {
        for (let j = 0; j < voxels.length; j++) out[k][t * nV + voxels[j]] = layout.amplitude[voxels[j]] * sig[t * voxels.length + j];
      }
    });
  }
  return out;
}

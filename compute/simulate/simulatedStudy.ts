/**
 * Generates the simulated study (docs/simulated-study.md) in memory: a checkpoint series of a
 * tiny GPT as ONNX bytes with its tokenizer, lm-eval v0.3 results per checkpoint, and simulated
 * fMRI responses of generated stories whose brain-alignment trajectory over the checkpoints is
 * planted (plantedSchedule.ts). Everything is a deterministic function of `seed` and the sizes;
 * `scale` shrinks the sizes for tests. Nothing here touches files: services/simulatedStudy.ts
 * writes a generated study as the files the importers read.
 *
 *   const g = await generateSimulatedStudy({ seed: 1 });
 *   g.schedule.peakStep              // 1000: where brain alignment peaks
 *   g.checkpoints[0].onnx            // the step-100 checkpoint, hidden-state outputs included
 *   g.subjects[0].responses[0]       // { runId: 'story-1', presentations: [Float32Array nTrs × nVoxels] }
 */
import { createHash } from 'node:crypto';
import { badInput } from '../../errors/CortexError.js';
import { gpt2Tokenizer, gpt2TokenizerConfig, gpt2TokenizerJson } from '../models/gpt2Tokenizer.js';
import type { TextTokenizer } from '../models/gpt2Tokenizer.js';
import { extractWordFeatures, HiddenStateModel } from '../models/hiddenStates.js';
import { tinyGptMix, tinyGptWeights } from '../models/tinyGpt.js';
import type { TinyGptConfig } from '../models/tinyGpt.js';
import { tinyGptOnnx } from '../models/tinyGptOnnx.js';
import { wordTokens } from '../models/wordTokens.js';
import { eventResponse } from './hrf.js';
import { lmEvalV03Document } from './lmEvalV03.js';
import { plantedSchedule, plantedTaskScores } from './plantedSchedule.js';
import type { PlantedSchedule, ScheduleLevels } from './plantedSchedule.js';
import { simulateNoise, voxelSignals } from './simulateResponses.js';
import type { NoiseOptions } from './simulateResponses.js';
import { generateStoryWords } from './storyText.js';
import { DEFAULT_ROIS, voxelLayout } from './voxelLayout.js';
import type { VoxelLayout } from './voxelLayout.js';
import { timeWords } from './wordTiming.js';
import type { TimedRun } from './wordTiming.js';

export type SimulationStage = 'models' | 'features' | 'fmri' | 'evals';

export interface SimulatedStudyOptions {
  readonly seed?: number;
  /** 1: 16 checkpoints, 3 subjects × 1200 voxels, 4000 words; smaller below (the demo: services/demoStudy.ts). */
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
  readonly onProgress?: (p: { readonly stage: SimulationStage; readonly done: number; readonly total: number }) => void;
}

/** One story: its timed words, and whether it is a training or the test run. */
export interface StudyRun {
  readonly id: string;
  readonly split: 'train' | 'test';
  readonly words: TimedRun['words'];
  readonly nTrs: number;
}

export interface GeneratedCheckpoint {
  readonly step: number;
  readonly tokens: number;
  /** The checkpoint as an ONNX model (hidden-state outputs included). */
  readonly onnx: Uint8Array;
  readonly sha256: string;
  /** Brain-network and detour-network weights of the mix (rounded to 1e-6). */
  readonly alignment: number;
  readonly detour: number;
}

export interface GeneratedSubject {
  readonly id: string;
  readonly layout: VoxelLayout;
  /** Per run, in run order: one nTrs × nVoxels matrix per presentation (the test run is repeated). */
  readonly responses: readonly { readonly runId: string; readonly presentations: readonly Float32Array[] }[];
}

export interface GeneratedStudy {
  readonly seed: number;
  readonly scale: number;
  readonly modelId: string;
  readonly datasetId: string;
  readonly modelConfig: TinyGptConfig;
  /** Parameters of one checkpoint. */
  readonly params: number;
  readonly merges: number;
  /** Hugging Face tokenizer.json and tokenizer_config.json of the reduced GPT-2 BPE. */
  readonly tokenizerJson: unknown;
  readonly tokenizerConfig: unknown;
  readonly schedule: PlantedSchedule;
  readonly brainLayer: number;
  readonly checkpoints: readonly GeneratedCheckpoint[];
  readonly runs: readonly StudyRun[];
  readonly trSeconds: number;
  readonly nVoxels: number;
  readonly testRepeats: number;
  readonly noise: { readonly ar1: number; readonly spatialShare: number; readonly spatialSigmaMm: number };
  readonly subjects: readonly GeneratedSubject[];
  /** lm-eval v0.3 documents, one per checkpoint in step order. */
  readonly evals: readonly { readonly step: number; readonly document: Record<string, unknown> }[];
  readonly windowTokens: number;
  readonly strideTokens: number;
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

export async function generateSimulatedStudy(options: SimulatedStudyOptions = {}): Promise<GeneratedStudy> {
  const seed = options.seed ?? 1;
  const scale = options.scale ?? 1;
  const sizes = simulatedStudySizes(scale);
  const modelId = options.modelId ?? 'sim-tinygpt';
  const nRuns = options.runs ?? sizes.runs;
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
  const progress = options.onProgress ?? (() => undefined);

  const tokenizer = gpt2Tokenizer({ merges });
  const config: TinyGptConfig = { ...sizes.model, ...options.model, vocabSize: tokenizer.vocabSize };
  const brainLayer = options.brainLayer ?? Math.floor((2 * config.nLayers) / 3);
  if (!Number.isInteger(brainLayer) || brainLayer < 0 || brainLayer > config.nLayers) {
    throw badInput(`brainLayer must be an integer in 0…${config.nLayers}, got ${brainLayer}`, { brainLayer });
  }
  const networks = {
    init: tinyGptWeights({ ...config, seed: seed * 1000 + 1 }),
    brain: tinyGptWeights({ ...config, seed: seed * 1000 + 2 }),
    detour: tinyGptWeights({ ...config, seed: seed * 1000 + 3 }),
  };
  const schedule = plantedSchedule({ checkpoints: options.checkpoints ?? sizes.checkpoints, levels: options.levels });
  const checkpoints = checkpointSeries(networks, schedule, modelId, progress);
  const runs = stories(seed, nRuns, options.wordsPerRun ?? sizes.wordsPerRun, tr);
  const features = await brainFeatures(tinyGptOnnx(networks.brain), tokenizer, runs, { brainLayer, windowTokens, strideTokens, threads: options.threads }, progress);
  const subjects = simulateSubjects(seed, runs, features, { nSubjects, nVoxels, repeats, tr, dModel: config.dModel, noise: options.noise }, progress);
  const scores = plantedTaskScores(schedule, seed * 1000 + 400);
  const evals = schedule.checkpoints.map((c, i) => ({ step: c.step, document: lmEvalV03Document(modelId, c.step, scores[i]) }));
  progress({ stage: 'evals', done: evals.length, total: evals.length });

  return {
    seed,
    scale,
    modelId,
    datasetId: options.datasetId ?? 'sim-narratives',
    modelConfig: config,
    params: Object.values(networks.init.params).reduce((s, a) => s + a.length, 0),
    merges,
    tokenizerJson: gpt2TokenizerJson({ merges }),
    tokenizerConfig: gpt2TokenizerConfig(),
    schedule,
    brainLayer,
    checkpoints,
    runs,
    trSeconds: tr,
    nVoxels,
    testRepeats: repeats,
    noise: { ar1: options.noise?.ar1 ?? 0.4, spatialShare: options.noise?.spatialShare ?? 0.3, spatialSigmaMm: options.noise?.spatialSigmaMm ?? 12 },
    subjects,
    evals,
    windowTokens,
    strideTokens,
  };
}

type Networks = Record<'init' | 'brain' | 'detour', ReturnType<typeof tinyGptWeights>>;
type Progress = NonNullable<SimulatedStudyOptions['onProgress']>;

/** One ONNX checkpoint per scheduled step: the barycentric mix of the three networks. */
function checkpointSeries(networks: Networks, schedule: PlantedSchedule, modelId: string, progress: Progress): GeneratedCheckpoint[] {
  return schedule.checkpoints.map((c, i) => {
    const weights = tinyGptMix([
      { weights: networks.init, coefficient: c.init },
      { weights: networks.brain, coefficient: c.alignment },
      { weights: networks.detour, coefficient: c.detour },
    ]);
    const onnx = tinyGptOnnx(weights, { modelId, step: c.step });
    progress({ stage: 'models', done: i + 1, total: schedule.checkpoints.length });
    return {
      step: c.step,
      tokens: c.tokens,
      onnx,
      sha256: createHash('sha256').update(onnx).digest('hex'),
      alignment: ROUND(c.alignment),
      detour: ROUND(c.detour),
    };
  });
}

/** The stimulus: generated stories with word timings; the last one is the test run. */
function stories(seed: number, nRuns: number, wordsPerRun: number, tr: number): StudyRun[] {
  return Array.from({ length: nRuns }, (_, k) => {
    const timed = timeWords(generateStoryWords({ seed: seed * 1000 + 100 + k, words: wordsPerRun }), { seed: seed * 1000 + 200 + k, trSeconds: tr });
    return { id: `story-${k + 1}`, split: k === nRuns - 1 ? 'test' : 'train', words: timed.words, nTrs: timed.nTrs };
  });
}

/** Ground-truth features: the brain network's hidden state at `brainLayer`, through the real extractor. */
async function brainFeatures(
  brainOnnx: Uint8Array,
  tokenizer: TextTokenizer,
  runs: readonly StudyRun[],
  o: { brainLayer: number; windowTokens: number; strideTokens: number; threads?: number },
  progress: Progress,
): Promise<Float32Array[]> {
  const brainModel = await HiddenStateModel.open(brainOnnx, { threads: o.threads, label: 'brain network' });
  const out: Float32Array[] = [];
  try {
    for (const run of runs) {
      const wt = wordTokens(tokenizer, run.words.map((w) => w.word));
      const result = await extractWordFeatures(brainModel, wt, { windowTokens: o.windowTokens, strideTokens: o.strideTokens, layers: [o.brainLayer] });
      out.push(result.layers[0].data);
      progress({ stage: 'features', done: out.length, total: runs.length });
    }
  } finally {
    await brainModel.release();
  }
  return out;
}

/** Every subject's responses: planted signal (brain- and low-level-driven voxels) plus correlated noise. */
function simulateSubjects(
  seed: number,
  runs: readonly StudyRun[],
  features: readonly Float32Array[],
  o: { nSubjects: number; nVoxels: number; repeats: number; tr: number; dModel: number; noise?: NoiseOptions },
  progress: Progress,
): GeneratedSubject[] {
  const d = o.dModel;
  const onsets = runs.map((r) => r.words.map((w) => w.onset));
  const brainDriver = runs.map((r, k) => ({ features: eventResponse(onsets[k], features[k], [r.words.length, d], r.nTrs, o.tr), nTrs: r.nTrs }));
  const lowLevelDriver = runs.map((r, k) => {
    const f = new Float32Array(r.words.length * 2);
    r.words.forEach((w, i) => {
      f[i * 2] = 1; // word rate
      f[i * 2 + 1] = w.word.replace(/[^\p{L}\p{N}]/gu, '').length; // word length
    });
    return { features: eventResponse(onsets[k], f, [r.words.length, 2], r.nTrs, o.tr), nTrs: r.nTrs };
  });
  const centers = [...DEFAULT_ROIS.map((r) => r.center), [-30, -10, 50], [-20, 40, 30], [-60, -50, 10]];
  const subjects: GeneratedSubject[] = [];
  for (let s = 0; s < o.nSubjects; s++) {
    const subjectSeed = seed * 1000 + 300 + s * 17;
    const layout = voxelLayout({ seed: subjectSeed, nVoxels: o.nVoxels });
    const signal = subjectSignal(layout, brainDriver, lowLevelDriver, d, subjectSeed + 1);
    const responses = runs.map((run, k) => {
      const presentations: Float32Array[] = [];
      for (let rep = 0; rep < (run.split === 'test' ? o.repeats : 1); rep++) {
        const y = simulateNoise(layout, run.nTrs, subjectSeed + 1000 * (k + 1) + rep, centers, o.noise);
        const sk = signal[k];
        for (let i = 0; i < y.length; i++) y[i] += sk[i];
        presentations.push(y);
      }
      return { runId: run.id, presentations };
    });
    subjects.push({ id: `sub-${String(s + 1).padStart(2, '0')}`, layout, responses });
    progress({ stage: 'fmri', done: s + 1, total: o.nSubjects });
  }
  return subjects;
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

import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFeatureMatrix, runZScore } from '../../compute/encoding/features.js';
import { ridgeCV } from '../../compute/encoding/ridgeCV.js';
import { tokenizerFromFile } from '../../compute/models/gpt2Tokenizer.js';
import { extractWordFeatures, HiddenStateModel } from '../../compute/models/hiddenStates.js';
import type { HiddenStateResult } from '../../compute/models/hiddenStates.js';
import { wordTokens } from '../../compute/models/wordTokens.js';
import { writeSimulatedStudy } from '../../services/simulatedStudy.js';
import type { SimulatedStudy } from '../../services/simulatedStudy.js';
import type { Problem } from '../../errors/CortexError.js';
import { readFmriDataset } from '../../formats/fmriManifest.js';
import type { ParsedFmriDataset } from '../../formats/fmriManifest.js';
import { parseLmEvalResults } from '../../formats/lmEvalResults.js';
import { cachedSimulatedStudy, STUDY_OPTIONS } from '../helpers/fixtures.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'cortexql-study-'));
let study: SimulatedStudy;
let dataset: ParsedFmriDataset;

beforeAll(async () => {
  // Written once per source state (helpers/fixtures.ts): seed 1, scale 0.25, one thread.
  study = await cachedSimulatedStudy();
  const problems: Problem[] = [];
  const parsed = await readFmriDataset(study.fmriManifest, problems);
  expect(problems).toEqual([]);
  dataset = parsed!;
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const LANGUAGE_ROIS = new Set(['STS', 'IFG', 'AG', 'PCC']);

/**
 * The pipeline on the written files: ONNX checkpoint → hidden states per word → per-TR features
 * (mean per TR, z-scored per run, FIR delays 1–4) → ridge with CV-chosen α → test r on the
 * averaged repeats; mean r over every subject's language-ROI voxels, best layer per checkpoint.
 */
async function brainScoreCurve(): Promise<number[][]> {
  const tokenizer = tokenizerFromFile(study.tokenizerFile);
  const tokens = dataset.runs.map((r) => wordTokens(tokenizer, r.words.map((w) => w.word)));
  const train = dataset.runs.filter((r) => r.split === 'train');
  const test = dataset.runs.find((r) => r.split === 'test')!;
  const nTrain = train.reduce((s, r) => s + r.nTrs, 0);
  const nTest = test.nTrs;
  // Responses: language voxels of every subject side by side, z-scored per run.
  const columns = dataset.subjects.flatMap((s) => s.roi.flatMap((roi, v) => (LANGUAGE_ROIS.has(roi) ? [[s, v] as const] : [])));
  const nv = columns.length;
  const gather = (runId: string, nTrs: number) => {
    const y = new Float32Array(nTrs * nv);
    columns.forEach(([s, v], j) => {
      const reps = s.responses.filter((r) => r.runId === runId);
      for (const rep of reps) for (let t = 0; t < nTrs; t++) y[t * nv + j] += rep.matrix[t * s.nVoxels + v] / reps.length;
    });
    return y;
  };
  const yTrain = new Float32Array(nTrain * nv);
  let row = 0;
  for (const r of train) {
    yTrain.set(gather(r.id, r.nTrs), row * nv);
    row += r.nTrs;
  }
  const yTrainZ = runZScore(yTrain, [nTrain, nv], train.map((r) => r.nTrs));
  const yTestZ = runZScore(gather(test.id, nTest), [nTest, nv], [nTest]);

  const curve: number[][] = [];
  for (const c of study.checkpoints) {
    const model = await HiddenStateModel.open(c.file, { threads: 1 });
    const perRun: HiddenStateResult[] = [];
    for (const wt of tokens) perRun.push(await extractWordFeatures(model, wt, { windowTokens: 128, strideTokens: 64 }));
    await model.release();
    const byLayer: number[] = [];
    for (let layer = 0; layer < model.layerCount; layer++) {
      const runs = dataset.runs.map((r, k) => ({ words: perRun[k].layers[layer].data, onsets: r.words.map((w) => w.onset), nTr: r.nTrs }));
      const { matrix, dims } = runFeatureMatrix(runs, perRun[0].layers[layer].dim, { trSeconds: dataset.dataset.trSeconds });
      const p = dims[1];
      // Runs are stacked in manifest order: the train stories, then the test story.
      const fit = await ridgeCV({
        xTrain: matrix.subarray(0, nTrain * p),
        yTrain: yTrainZ,
        xTest: matrix.subarray(nTrain * p),
        yTest: yTestZ,
        nTrain,
        nTest,
        features: p,
        voxels: nv,
      });
      const rs = fit.r.filter((r): r is number => r !== null);
      byLayer.push(rs.reduce((a, b) => a + b, 0) / rs.length);
    }
    curve.push(byLayer);
  }
  return curve;
}

describe('writeSimulatedStudy (scale 0.25)', () => {
  it('writes checkpoints, tokenizer, evals and an fMRI dataset the importers read', () => {
    expect(study.checkpoints.map((c) => c.step)).toEqual([100, 270, 720, 1900, 5200, 14000, 37000, 100000]);
    expect([study.schedule.peakStep, study.schedule.troughStep]).toEqual([720, 14000]);
    for (const c of study.checkpoints) {
      expect(c.sha256).toBe(createHash('sha256').update(readFileSync(c.file)).digest('hex'));
    }
    expect(new Set(study.checkpoints.map((c) => c.sha256)).size).toBe(study.checkpoints.length);

    expect(dataset.dataset).toMatchObject({ id: 'sim-narratives', trSeconds: 2, language: 'en' });
    expect(dataset.runs.map((r) => [r.id, r.split])).toEqual([
      ['story-1', 'train'],
      ['story-2', 'train'],
      ['story-3', 'train'],
      ['story-4', 'train'],
      ['story-5', 'test'],
    ]);
    expect(dataset.subjects.map((s) => [s.id, s.nVoxels, s.responses.length])).toEqual([
      ['sub-01', 300, 6],
      ['sub-02', 300, 6],
    ]);
    expect(new Set(dataset.subjects[0].roi)).toEqual(new Set(['AC', 'STS', 'IFG', 'AG', 'PCC', 'V1']));
    // The repeated test run has the same signal and independent noise.
    const reps = dataset.subjects[0].responses.filter((r) => r.runId === 'story-5');
    expect(reps.map((r) => r.presentation)).toEqual([0, 1]);
    expect(reps[0].matrix).not.toEqual(reps[1].matrix);

    const ground = JSON.parse(readFileSync(study.studyFile, 'utf8'));
    expect(ground.planted).toMatchObject({ brainLayer: 2, peakStep: 720, troughStep: 14000, peakIndex: 2, troughIndex: 5 });
    expect(ground.model.checkpoints[0].file).toBe('models/sim-tinygpt/step-100.onnx');
    for (const file of study.evalFiles) {
      const problems: Problem[] = [];
      const parsed = parseLmEvalResults(JSON.parse(readFileSync(file, 'utf8')), path.basename(file), problems);
      expect(problems).toEqual([]);
      expect(parsed?.model?.name).toBe('sim-tinygpt');
    }
  });

  it('is a deterministic function of the seed, and reports its progress by stage', async () => {
    const stages = new Set<string>();
    const again = await writeSimulatedStudy({ outDir: path.join(tmp, 'b'), ...STUDY_OPTIONS, onProgress: (p) => stages.add(p.stage) });
    expect([...stages].sort()).toEqual(['evals', 'features', 'fmri', 'models']);
    expect(again.checkpoints.map((c) => c.sha256)).toEqual(study.checkpoints.map((c) => c.sha256));
    const file = (s: SimulatedStudy, rel: string) => readFileSync(path.join(path.dirname(s.fmriManifest), rel));
    expect(file(again, 'sub-02/story-5_rep-2.npy').equals(file(study, 'sub-02/story-5_rep-2.npy'))).toBe(true);
    expect(file(again, 'manifest.json').equals(file(study, 'manifest.json'))).toBe(true);
  });

  it('plants brain alignment that the pipeline recovers: peak and trough within ±1 checkpoint', async () => {
    const curve = await brainScoreCurve();
    const best = curve.map((layers) => Math.max(...layers));
    const peak = best.indexOf(Math.max(...best));
    const after = best.slice(peak + 1);
    const trough = peak + 1 + after.indexOf(Math.min(...after));
    expect(Math.abs(peak - study.schedule.peakIndex)).toBeLessThanOrEqual(1);
    expect(Math.abs(trough - study.schedule.troughIndex)).toBeLessThanOrEqual(1);
    // Rise → dip → rise is large against the checkpoint-to-checkpoint noise.
    expect(best[study.schedule.peakIndex] - best[0]).toBeGreaterThan(0.05);
    expect(best[study.schedule.peakIndex] - best[study.schedule.troughIndex]).toBeGreaterThan(0.05);
    expect(best[best.length - 1] - best[study.schedule.troughIndex]).toBeGreaterThan(0.03);
    // At the peak the brain layer itself predicts best.
    const atPeak = curve[study.schedule.peakIndex];
    expect(atPeak.indexOf(Math.max(...atPeak))).toBe(study.brainLayer);
  });
});

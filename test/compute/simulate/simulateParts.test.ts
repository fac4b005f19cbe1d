import { describe, expect, it } from 'vitest';
import { gpt2Tokenizer } from '../../../compute/models/gpt2Tokenizer.js';
import { wordTokens } from '../../../compute/models/wordTokens.js';
import { eventResponse, spmHrf } from '../../../compute/simulate/hrf.js';
import { lmEvalV03Document } from '../../../compute/simulate/lmEvalV03.js';
import { PLANTED_TASKS, plantedSchedule, plantedTaskScores } from '../../../compute/simulate/plantedSchedule.js';
import { simulateNoise, zScoreColumns } from '../../../compute/simulate/simulateResponses.js';
import { generateStoryWords } from '../../../compute/simulate/storyText.js';
import { DEFAULT_ROIS, voxelLayout } from '../../../compute/simulate/voxelLayout.js';
import { timeWords } from '../../../compute/simulate/wordTiming.js';
import { parseLmEvalResults } from '../../../formats/lmEvalResults.js';
import { CortexError } from '../../../errors/CortexError.js';
import type { Problem } from '../../../errors/CortexError.js';

describe('generateStoryWords and timeWords', () => {
  const words = generateStoryWords({ seed: 3, words: 2000 });

  it('writes a deterministic story with a varied vocabulary and multi-token words', () => {
    expect(words).toHaveLength(2000);
    expect(generateStoryWords({ seed: 3, words: 2000 })).toEqual(words);
    expect(generateStoryWords({ seed: 4, words: 50 })).not.toEqual(words.slice(0, 50));
    expect(words.every((w) => w.length > 0 && !/\s/.test(w))).toBe(true);
    expect(new Set(words.map((w) => w.toLowerCase().replace(/[^a-z-]/g, ''))).size).toBeGreaterThan(200);
    expect(words.filter((w) => /[.?]"?$/.test(w)).length).toBeGreaterThan(100); // sentences
    const wt = wordTokens(gpt2Tokenizer({ merges: 8000 }), words);
    const multi = Array.from({ length: wt.nWords }, (_, w) => wt.firstToken[w + 1] - wt.firstToken[w]).filter((n) => n > 1).length;
    expect(multi / wt.nWords).toBeGreaterThan(0.1);
  });

  it('times words at a speech-like rate inside the run', () => {
    const run = timeWords(words, { seed: 1, trSeconds: 2 });
    expect(run.words[0]).toMatchObject({ word: words[0], onset: 10 });
    for (let i = 1; i < run.words.length; i++) {
      expect(run.words[i].onset).toBeGreaterThan(run.words[i - 1].offset);
      expect(run.words[i].offset).toBeGreaterThan(run.words[i].onset);
    }
    const rate = run.words.length / (run.words.at(-1)!.offset - run.words[0].onset);
    expect(rate).toBeGreaterThan(2);
    expect(rate).toBeLessThan(3);
    expect(run.nTrs).toBe(Math.ceil((run.words.at(-1)!.offset + 16) / 2));
  });
});

describe('spmHrf and eventResponse', () => {
  it('is SPM’s canonical double gamma: peak near 5 s, undershoot near 15 s, integral 5/6', () => {
    let peak = 0;
    let trough = 0;
    let integral = 0;
    for (let t = 0.01; t <= 32; t += 0.01) {
      const h = spmHrf(t);
      if (h > spmHrf(peak)) peak = t;
      if (h < spmHrf(trough)) trough = t;
      integral += h * 0.01;
    }
    expect(peak).toBeCloseTo(5, 1);
    expect(trough).toBeGreaterThan(14);
    expect(trough).toBeLessThan(16);
    expect(integral).toBeCloseTo(5 / 6, 2); // the second gamma is cut at 32 s: 5/6 − 3e-4
    expect([spmHrf(0), spmHrf(-1), spmHrf(33)]).toEqual([0, 0, 0]);
  });

  it('convolves word events with the HRF, sampled mid-volume', () => {
    const x = eventResponse([3, 7.5], Float32Array.of(1, 0, 2, 1), [2, 2], 10, 2);
    for (let j = 0; j < 10; j++) {
      const t = (j + 0.5) * 2;
      expect(x[j * 2]).toBeCloseTo(spmHrf(t - 3) + 2 * spmHrf(t - 7.5), 12);
      expect(x[j * 2 + 1]).toBeCloseTo(spmHrf(t - 7.5), 12);
    }
  });
});

describe('voxelLayout and simulateNoise', () => {
  const layout = voxelLayout({ seed: 2, nVoxels: 600 });

  it('splits voxels over the ROIs by share, on distinct 3 mm grid points', () => {
    expect(layout.roi).toHaveLength(600);
    const counts = Object.fromEntries(DEFAULT_ROIS.map((r) => [r.name, layout.roi.filter((x) => x === r.name).length]));
    expect(counts).toEqual({ AC: 96, STS: 145, IFG: 116, AG: 96, PCC: 77, V1: 70 });
    const keys = new Set(Array.from({ length: 600 }, (_, v) => Array.from(layout.coords.subarray(v * 3, v * 3 + 3)).join(',')));
    expect(keys.size).toBe(600);
    expect(Array.from(layout.coords).every((c) => c % 3 === 0)).toBe(true);
    expect(layout.driver[layout.roi.indexOf('V1')]).toBe('none');
    expect(layout.amplitude[layout.roi.indexOf('V1')]).toBe(0);
  });

  it('draws unit-variance AR(1) noise that is shared between nearby voxels', () => {
    const n = 4000;
    const centers = DEFAULT_ROIS.map((r) => r.center);
    const noise = simulateNoise(layout, n, 9, centers, { ar1: 0.4, spatialShare: 0.3 });
    const col = (v: number) => Float64Array.from({ length: n }, (_, t) => noise[t * 600 + v]);
    const corr = (a: Float64Array, b: Float64Array) => {
      const za = zScoreColumns(a, a.length, 1);
      const zb = zScoreColumns(b, b.length, 1);
      return za.reduce((s, x, i) => s + x * zb[i], 0) / a.length;
    };
    const v0 = col(0);
    expect(v0.reduce((s, x) => s + x * x, 0) / n).toBeCloseTo(1, 1);
    expect(corr(v0.subarray(1), v0.subarray(0, n - 1))).toBeCloseTo(0.4, 1);
    const sts = layout.roi.indexOf('STS');
    const v1 = layout.roi.indexOf('V1');
    expect(corr(col(sts), col(sts + 1))).toBeGreaterThan(0.2); // same blob: shares γ = 0.3 of its variance
    expect(Math.abs(corr(col(sts), col(v1)))).toBeLessThan(0.1); // 60 mm apart
    // Same seed, same noise; another seed, independent noise (a repeated presentation).
    expect(simulateNoise(layout, 5, 9, centers)).toEqual(simulateNoise(layout, 5, 9, centers));
    const other = simulateNoise(layout, n, 10, centers);
    expect(Math.abs(corr(col(0), Float64Array.from({ length: n }, (_, t) => other[t * 600])))).toBeLessThan(0.1);
  });
});

describe('plantedSchedule', () => {
  const s = plantedSchedule({ checkpoints: 16 });

  it('plants a rise, a dip and a rise of brain-network weight at known steps', () => {
    expect(s.checkpoints.map((c) => c.step)).toEqual([100, 160, 250, 400, 630, 1000, 1600, 2500, 4000, 6300, 10000, 16000, 25000, 40000, 63000, 100000]);
    expect([s.peakIndex, s.troughIndex, s.peakStep, s.troughStep]).toEqual([5, 10, 1000, 10000]);
    const a = s.checkpoints.map((c) => c.alignment);
    expect(a.indexOf(Math.max(...a))).toBe(5);
    expect(a.slice(6).indexOf(Math.min(...a.slice(6))) + 6).toBe(10);
    for (const c of s.checkpoints) {
      expect(c.init + c.alignment + c.detour).toBeCloseTo(1, 12);
      expect(Math.min(c.init, c.alignment, c.detour)).toBeGreaterThanOrEqual(0);
    }
    expect(s.checkpoints.map((c) => c.phase)).toEqual([...Array(6).fill('ALIGNMENT'), ...Array(5).fill('DETACHMENT'), ...Array(5).fill('REALIGNMENT')]);
    expect(s.checkpoints[5].tokens).toBe(1000 * 1_048_576);
  });

  it('plants tasks that stagnate until realignment and instruction following that appears first', () => {
    const scores = plantedTaskScores(s, 1);
    const series = (task: string) => scores.map((row) => row.find((x) => x.task === task)!.acc);
    const arc = series('sim_arc_easy');
    expect(Math.max(...arc.slice(0, 11)) - Math.min(...arc.slice(0, 11))).toBeLessThan(0.05);
    expect(arc[15] - arc[10]).toBeGreaterThan(0.2);
    const inst = series('sim_instruction_following');
    expect(inst[5] - inst[0]).toBeGreaterThan(0.3);
    expect(plantedTaskScores(s, 1)).toEqual(scores);
    for (const row of scores) for (const x of row) expect(x.accStderr).toBeCloseTo(Math.sqrt((x.acc * (1 - x.acc)) / PLANTED_TASKS.find((t) => t.task === x.task)!.items), 12);
  });

  it('writes lm-eval v0.3 documents that the importer reads with model and step', () => {
    const doc = lmEvalV03Document('sim-tinygpt', 1000, plantedTaskScores(s, 1)[5]);
    const problems: Problem[] = [];
    const parsed = parseLmEvalResults(doc, 'sim-tinygpt_step1000.json', problems);
    expect(problems).toEqual([]);
    expect(parsed).toMatchObject({ model: { name: 'sim-tinygpt' }, step: { value: 1000 }, format: 'v0.3' });
    expect(parsed!.scores.map((x) => x.task)).toEqual(PLANTED_TASKS.map((t) => t.task));
  });

  it('rejects schedules without three phases of at least three checkpoints', () => {
    expect(() => plantedSchedule({ checkpoints: 6 })).toThrow(CortexError);
    expect(() => plantedSchedule({ levels: { start: 0, peak: 0.5, trough: 0.6, end: 0.4, detour: 0.2, detourEnd: 0.1 } })).toThrow(
      new CortexError('BAD_USER_INPUT', 'planted schedule: levels must rise to the peak, dip to the trough and end between trough and peak', {
        problems: ['levels must rise to the peak, dip to the trough and end between trough and peak'],
      }),
    );
  });
});

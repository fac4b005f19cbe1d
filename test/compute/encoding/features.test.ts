import { describe, expect, it } from 'vitest';
import { DEFAULT_DELAYS, runDelays, runFeatureMatrix, runZScore } from '../../../compute/encoding/features.js';
import { lanczosKernel, trLanczosOfWords, trMeanOfWords } from '../../../compute/encoding/wordsToTr.js';
import { contiguousFolds, logAlphaGrid } from '../../../compute/encoding/cvFolds.js';

describe('trMeanOfWords', () => {
  it('averages the words whose onset falls in each TR; empty TRs are zero; out-of-range words are dropped', () => {
    // TR = 2 s, 4 TRs; d = 2
    const words = Float32Array.of(1, 10, 3, 30, 5, 50, 7, 70, 9, 90);
    const onsets = [0.1, 1.9, 2.0, 7.5, 8.0]; // TR0: w0, w1; TR1: w2; TR2: —; TR3: w3; (w4 at 8.0 s is past the run)
    const out = trMeanOfWords(words, [5, 2], onsets, 4, 2);
    expect(Array.from(out)).toEqual([2, 20, 5, 50, 0, 0, 7, 70]);
    expect(Array.from(words)).toEqual([1, 10, 3, 30, 5, 50, 7, 70, 9, 90]); // not mutated
  });

  it('lists every problem with its inputs', () => {
    expect(() => trMeanOfWords(new Float32Array(5), [3, 2], [0, Number.NaN], 4, 0)).toThrow(
      expect.objectContaining({
        code: 'BAD_USER_INPUT',
        details: {
          problems: [
            'word matrix has 5 elements, dims [3, 2] need 6',
            '2 onsets for 3 words',
            'TR must be a positive number of seconds, got 0',
            'onset of word 1 is NaN',
          ],
        },
      }),
    );
  });
});

describe('Lanczos resampling (Huth et al. 2016)', () => {
  it('kernel is 1 at 0, 0 at non-zero integers and beyond the window', () => {
    expect(lanczosKernel(0, 3)).toBe(1);
    for (const t of [1, -1, 2, 3]) expect(Math.abs(lanczosKernel(t, 3))).toBeLessThan(1e-15);
    expect(lanczosKernel(3.5, 3)).toBe(0);
    expect(lanczosKernel(0.5, 3)).toBeCloseTo((3 * Math.sin(Math.PI / 2) * Math.sin(Math.PI / 6)) / (Math.PI * Math.PI * 0.25), 15);
  });

  it('a word exactly at a TR centre with cutoff 1/TR contributes only to that TR', () => {
    const out = trLanczosOfWords(Float32Array.of(2), [1, 1], [3], 4, 2); // centre of TR 1 is 3 s
    expect(Array.from(out).map((v) => Math.abs(v) < 1e-7 ? 0 : v)).toEqual([0, 2, 0, 0]);
  });

  it('a dense, constant word stream gives a constant interior', () => {
    const n = 400;
    const words = new Float32Array(n).fill(1);
    const onsets = Array.from({ length: n }, (_, i) => i * 0.1); // 10 words/s for 40 s
    const out = trLanczosOfWords(words, [n, 1], onsets, 20, 2);
    const interior = Array.from(out.subarray(4, 16));
    const mean = interior.reduce((a, b) => a + b, 0) / interior.length;
    for (const v of interior) expect(Math.abs(v - mean) / mean).toBeLessThan(1e-3);
  });
});

describe('runZScore', () => {
  it('standardises each column within each run; constant columns become 0', () => {
    // two runs of 3 and 2 rows, d = 2; column 1 is constant in run 2
    const x = Float32Array.of(1, 5, 2, 6, 3, 7, 10, 4, 20, 4);
    const z = runZScore(x, [5, 2], [3, 2]);
    const s = Math.sqrt(1.5); // population sd of [1,2,3] is sqrt(2/3) → z = ±1.2247
    expect(Array.from(z)).toEqual(
      Array.from(Float32Array.of(-s, -s, 0, 0, s, s, -1, 0, 1, 0)),
    );
  });

  it('rejects run lengths that do not cover the rows', () => {
    expect(() => runZScore(new Float32Array(10), [5, 2], [3, 3])).toThrow(
      expect.objectContaining({ code: 'BAD_USER_INPUT', details: { problems: ['run lengths sum to 6 but the matrix has 5 rows'] } }),
    );
  });
});

describe('runDelays', () => {
  it('shifts within each run, zero-pads run starts and never crosses a run boundary', () => {
    // runs [a b c] and [d e], d = 1, delays 1 and 2
    const x = Float32Array.of(1, 2, 3, 4, 5);
    const out = runDelays(x, [5, 1], [3, 2], [1, 2]);
    // columns: delay 1, delay 2
    expect(Array.from(out)).toEqual([0, 0, 1, 0, 2, 1, 0, 0, 4, 0]);
  });

  it('supports delay 0 and negative delays (zero-padded at the run end)', () => {
    const out = runDelays(Float32Array.of(1, 2, 3), [3, 1], [3], [0, -1]);
    expect(Array.from(out)).toEqual([1, 2, 2, 3, 3, 0]);
  });

  it('defaults to delays of 1–4 TRs', () => {
    expect(DEFAULT_DELAYS).toEqual([1, 2, 3, 4]);
    expect(runDelays(new Float32Array(12), [6, 2], [6]).length).toBe(6 * 8);
  });
});

describe('runFeatureMatrix', () => {
  it('downsamples, z-scores per run and delays, stacking runs', () => {
    const runs = [
      { words: Float32Array.of(1, 2, 3, 4), onsets: [0.5, 2.5, 4.5, 6.5], nTr: 4 },
      { words: Float32Array.of(5, 1, 5), onsets: [0.1, 2.1, 4.1], nTr: 3 },
    ];
    const fm = runFeatureMatrix(runs, 1, { trSeconds: 2, delays: [1] });
    expect(fm.dims).toEqual([7, 1]);
    expect(fm.runLengths).toEqual([4, 3]);
    const z1 = Array.from(runZScore(Float32Array.of(1, 2, 3, 4), [4, 1], [4]));
    const z2 = Array.from(runZScore(Float32Array.of(5, 1, 5), [3, 1], [3]));
    expect(Array.from(fm.matrix)).toEqual([0, z1[0], z1[1], z1[2], 0, z2[0], z2[1]]);
  });
});

describe('contiguousFolds and logAlphaGrid', () => {
  it('splits like KFold(shuffle=False): the first n mod k folds get one more row', () => {
    expect(contiguousFolds(10, 3)).toEqual([
      { start: 0, end: 4 },
      { start: 4, end: 7 },
      { start: 7, end: 10 },
    ]);
    expect(() => contiguousFolds(3, 5)).toThrow(
      expect.objectContaining({ code: 'BAD_USER_INPUT', message: 'cannot split 3 training TRs into 5 folds', details: { rows: 3, folds: 5 } }),
    );
  });

  it('log-spaces the grid with exact endpoints', () => {
    const g = logAlphaGrid(0.1, 1e4, 11);
    expect(g.length).toBe(11);
    expect(g[0]).toBeCloseTo(0.1, 15);
    expect(g[10]).toBeCloseTo(1e4, 9);
    expect(g[1] / g[0]).toBeCloseTo(Math.sqrt(10), 12);
  });
});

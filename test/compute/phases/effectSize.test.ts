import { describe, expect, it } from 'vitest';
import { detectPhases } from '../../../compute/phases/detectPhases.js';
import { effectFloor } from '../../../compute/phases/effectSize.js';
import { slopeDirection } from '../../../compute/phases/labels.js';
import { readPythiaFiles } from '../../helpers/pythiaFiles.js';

describe('effectFloor', () => {
  it('is the OLS change’s standard error under the stored errors (closed form: equal σ, evenly spaced x)', () => {
    // Evenly spaced x = 0..m−1, equal σ: SE(Δ) = span·σ/sqrt(Sxx) with Sxx = m(m²−1)/12.
    const m = 7;
    const x = Float64Array.from({ length: m }, (_, i) => i);
    const values = new Float64Array(m).fill(1);
    const floor = effectFloor(x, values, { sigma: new Float64Array(m).fill(0.3), minDeltaZ: 0 }, 0, m - 1, 2);
    const se = ((m - 1) * 0.3) / Math.sqrt((m * (m * m - 1)) / 12);
    expect(floor.noise).toBeCloseTo(se, 14);
    expect(floor.minChange).toBeCloseTo(2 * se, 14);
  });

  it('fills a point without σ by the segment’s mean σ², ignores missing values, and takes the larger of the two floors', () => {
    const x = Float64Array.of(0, 1, 2, 3, 4);
    const values = Float64Array.of(1, NaN, 1, 1, 1); // x = 1 is not measured
    const sigma = Float64Array.of(0.1, 5, NaN, 0.3, 0.2); // its σ takes no part; x = 2 gets the mean σ² of 0.1, 0.3, 0.2
    const fill = (0.01 + 0.09 + 0.04) / 3;
    const xs = [0, 2, 3, 4];
    const mean = xs.reduce((a, b) => a + b) / 4;
    const sxx = xs.reduce((a, v) => a + (v - mean) ** 2, 0);
    const vars = [0.01, fill, 0.09, 0.04];
    const se = (4 * Math.sqrt(xs.reduce((a, v, i) => a + (v - mean) ** 2 * vars[i], 0))) / sxx;
    expect(effectFloor(x, values, { sigma, minDeltaZ: 0 }, 0, 4, 1).noise).toBeCloseTo(se, 14);
    expect(effectFloor(x, values, { sigma, minDeltaZ: 10 }, 0, 4, 1).minChange).toBe(10);
    expect(effectFloor(x, values, { sigma: new Float64Array(5).fill(NaN), minDeltaZ: 0.5 }, 0, 4, 2)).toEqual({ noise: null, minChange: 0.5 });
    expect(effectFloor(x, values, undefined, 0, 4, 2)).toEqual({ noise: null, minChange: 1e-6 });
  });

  it('keeps a direction off a change below the floor', () => {
    expect(slopeDirection({ slope: 1, stderr: 0.1, span: 1, minChange: 1.5 })).toBe('FLAT');
    expect(slopeDirection({ slope: -1, stderr: 0.1, span: 2, minChange: 1.5 })).toBe('DOWN');
  });
});

describe('phases with effect sizes on real lm-eval values', () => {
  // pythia-410m piqa, steps 1–32: 0.535 → 0.529 with lm-eval stderr ±0.0116. The six readings lie so close
  // to a line that its slope test alone says DECLINE (z ≈ −2.07), for a change a fifth of the error bars.
  const files = readPythiaFiles().filter((f) => f.modelId === 'pythia-410m' && f.step >= 1 && f.step <= 32).sort((a, b) => a.step - b.step);
  const points = files.map((f) => ({ step: f.step, tokens: f.step * 2_097_152, fraction: f.step / 143_000 }));
  const values = Float64Array.from(files, (f) => f.results.piqa.acc);
  const stderr = Float64Array.from(files, (f) => f.results.piqa.acc_stderr);
  const run = (withErrors: boolean, minEffect?: number) =>
    detectPhases({ points, signals: [{ name: 'piqa', role: 'TASK', values, stderr: withErrors ? stderr : undefined }], options: { k: 0, bootstrap: 0, minEffect } }).segments[0];

  it('is not DECLINE by default, nor with any minEffect ≥ 1; minEffect 0 or no stored errors give the old slope-only label', () => {
    expect(files.map((f) => f.step)).toEqual([1, 2, 4, 8, 16, 32]);
    const seg = run(true);
    expect(seg.label).toBe('STAGNATION');
    expect(seg.slopes[0].direction).toBe('FLAT');
    // the effect size, in accuracy units, against its stderr-implied noise
    expect(seg.slopes[0].change).toBeCloseTo(-0.00715, 4);
    expect(seg.slopes[0].changeStderr).toBeCloseTo(0.0139, 3);
    expect(run(true, 1).label).toBe('STAGNATION');
    expect(run(true, 0).label).toBe('DECLINE');
    expect(run(false).label).toBe('DECLINE');
    expect(run(false).slopes[0].changeStderr).toBeNull();
  });

  it('leaves breakpoints alone: only labels change', () => {
    const all = readPythiaFiles().filter((f) => f.modelId === 'pythia-410m').sort((a, b) => a.step - b.step);
    const input = (withErrors: boolean) => ({
      points: all.map((f) => ({ step: f.step, tokens: f.step * 2_097_152, fraction: f.step / 143_000 })),
      signals: [{ name: 'piqa', role: 'TASK' as const, values: Float64Array.from(all, (f) => f.results.piqa.acc), stderr: withErrors ? Float64Array.from(all, (f) => f.results.piqa.acc_stderr) : undefined }],
      options: { bootstrap: 0 },
    });
    const [a, b] = [detectPhases(input(true)), detectPhases(input(false))];
    expect(a.breakpoints.map((p) => p.step)).toEqual(b.breakpoints.map((p) => p.step));
    expect(a.bicByK).toEqual(b.bicByK);
    for (const seg of a.segments) {
      const s = seg.slopes[0];
      if (s.direction !== 'FLAT') expect(Math.abs(s.change!)).toBeGreaterThanOrEqual(2 * s.changeStderr!);
    }
  });

  it('applies a signal’s minDelta in its own units, and rejects bad values', () => {
    const seg = detectPhases({ points, signals: [{ name: 'piqa', role: 'TASK', values, minDelta: 0.01 }], options: { k: 0, bootstrap: 0 } }).segments[0];
    expect(seg.label).toBe('STAGNATION');
    expect(detectPhases({ points, signals: [{ name: 'piqa', role: 'TASK', values, minDelta: 0.005 }], options: { k: 0, bootstrap: 0 } }).segments[0].label).toBe('DECLINE');
    expect(() => detectPhases({ points, signals: [{ name: 'piqa', role: 'TASK', values, minDelta: -1, stderr: Float64Array.of(1) }], options: { minEffect: -2 } })).toThrow(
      /minEffect must be finite and ≥ 0/,
    );
    expect(() => detectPhases({ points, signals: [{ name: 'piqa', role: 'TASK', values, minDelta: -1, stderr: Float64Array.of(1) }] })).toThrow(
      /1 standard errors for 6 points; .*minDelta must be finite and ≥ 0/,
    );
  });
});

import { describe, it, expect } from 'vitest';
import { createNormal, createRng } from '../../../compute/random.js';
import type { CheckpointPoint, PhaseSignal } from '../../../compute/phases/detectPhases.js';
import { detectPhases } from '../../../compute/phases/detectPhases.js';
import { thrown } from './synthetic.js';

const TOKENS_PER_STEP = 2_097_152; // Pythia: 1024 × 2048

/**
 * A Pythia-like study: step 0 plus n−1 checkpoints log-spaced from step 10 to 10^5, a brain score
 * that rises, dips and rises again on the log-tokens axis (kinks at 35 % and 70 % of the range) and
 * a task accuracy flat until the second kink, then rising.
 */
function study(n: number, seed: number, sigma = 0.03) {
  const normal = createNormal(createRng(seed));
  const steps = [0, ...Array.from({ length: n - 1 }, (_, t) => Math.round(10 ** (1 + (4 * t) / (n - 2))))];
  const points: CheckpointPoint[] = steps.map((step) => ({ step, tokens: step * TOKENS_PER_STEP, fraction: step / 1e5 }));
  const x = steps.map((s) => (s > 0 ? Math.log10(s * TOKENS_PER_STEP) : NaN));
  const [x0, x1] = [x[1], x[n - 1]];
  const k1 = x0 + 0.35 * (x1 - x0);
  const k2 = x0 + 0.7 * (x1 - x0);
  const brain = (u: number): number => (u <= k1 ? u - x0 : u <= k2 ? k1 - x0 - 0.8 * (u - k1) : k1 - x0 - 0.8 * (k2 - k1) + 1.2 * (u - k2));
  const task = (u: number): number => (u <= k2 ? 0 : 1.5 * (u - k2));
  const values = (f: (u: number) => number): Float64Array => Float64Array.from(x, (u) => (Number.isNaN(u) ? f(x0) : f(u)) + sigma * normal());
  // true breakpoints: last index with x ≤ knot
  const truth = [k1, k2].map((k) => x.reduce((last, u, i) => (u <= k ? i : last), -1));
  return { points, x, truth, brain: values(brain), task: values(task) };
}

describe('detectPhases: the seed paper’s three phases', () => {
  const s = study(60, 1);
  const signals: PhaseSignal[] = [
    { name: 'brain', role: 'BRAIN', values: s.brain },
    { name: 'piqa', role: 'TASK', values: s.task },
  ];
  const result = detectPhases({ points: s.points, signals, options: { bootstrap: 100, seed: 3 } });

  it('selects k = 2 by BIC and labels ALIGNMENT → DETACHMENT → REALIGNMENT', () => {
    expect(result.kSelectedBy).toBe('BIC');
    expect(result.k).toBe(2);
    expect(result.bicByK.map((e) => e.k)).toEqual([0, 1, 2, 3, 4]);
    expect(result.segments.map((g) => g.label)).toEqual(['ALIGNMENT', 'DETACHMENT', 'REALIGNMENT']);
    expect(result.triplePattern.present).toBe(true);
    // The confidence is the share of bootstrap replicates whose own labels show the pattern; here it
    // is limited by the task's fitted slope in the middle segment (z ≈ −1.3, near the threshold),
    // which flips to DOWN (CO_DECLINE) in some replicates. Observed 0.59.
    expect(result.triplePattern.confidence).toBeGreaterThanOrEqual(0.5);
    expect(result.segments[2].slopes.map((sl) => sl.direction)).toEqual(['UP', 'UP']);
  });

  it('places breakpoints within ±1 checkpoint of the planted kinks, with intervals covering them', () => {
    result.breakpoints.forEach((b, j) => {
      expect(Math.abs(b.index - s.truth[j])).toBeLessThanOrEqual(1);
      expect(b.step).toBe(s.points[b.index].step);
      expect(b.x).toBeCloseTo(Math.log10(b.tokens!), 12);
      expect(b.ci!.level).toBe(0.9);
      expect(b.ci!.lowIndex).toBeLessThanOrEqual(s.truth[j] + 1);
      expect(b.ci!.highIndex).toBeGreaterThanOrEqual(s.truth[j] - 1);
      expect(b.ci!.lowStep).toBe(s.points[b.ci!.lowIndex].step);
      expect(b.ci!.highX).toBeCloseTo(s.x[b.ci!.highIndex], 12);
    });
  });

  it('excludes and reports step 0 (no log10 of 0 tokens); segments tile the included points', () => {
    expect(result.axis).toBe('LOG_TOKENS');
    expect(result.excluded).toEqual([{ step: 0, reason: 'tokens 0 has no log10 (axis LOG_TOKENS)' }]);
    expect(result.segments[0].startIndex).toBe(1);
    expect(result.segments.reduce((a, g) => a + g.nPoints, 0)).toBe(59);
    result.segments.forEach((g, i) => {
      if (i > 0) expect(g.startIndex).toBe(result.breakpoints[i - 1].index + 1);
      expect(g.endStep).toBe(s.points[g.endIndex].step);
    });
  });

  it('returns frozen data and leaves the input untouched', () => {
    expect(Object.isFrozen(result)).toBe(true);
    expect(Object.isFrozen(result.segments[1].slopes[0])).toBe(true);
    expect(Array.from(signals[0].values)).toEqual(Array.from(s.brain));
  });

  it('is reproducible from the seed', () => {
    const again = detectPhases({ points: s.points, signals, options: { bootstrap: 100, seed: 3 } });
    expect(again).toEqual(result);
  });
});

describe('detectPhases: triple-pattern confidence discriminates', () => {
  it('is near 0 when the brain never dips', () => {
    const s = study(60, 1);
    const monotone = Float64Array.from(s.x, (u, i) => (Number.isNaN(u) ? 0 : u) + 0.03 * Math.sin(7 * i));
    const r = detectPhases({
      points: s.points,
      signals: [
        { name: 'brain', role: 'BRAIN', values: monotone },
        { name: 'task', role: 'TASK', values: s.task },
      ],
      options: { k: 2, bootstrap: 100, seed: 1 },
    });
    expect(r.triplePattern.present).toBe(false);
    expect(r.triplePattern.confidence).toBeLessThanOrEqual(0.05);
  });
});

describe('detectPhases: missing and undefined points', () => {
  it('handles NaN values, null tokens and all-missing checkpoints, reporting every exclusion', () => {
    const s = study(60, 2);
    const brain = Float64Array.from(s.brain);
    const task = Float64Array.from(s.task);
    const points = s.points.map((p, i) => (i === 30 ? { ...p, tokens: null } : p));
    [5, 12, 19, 40, 47].forEach((t) => (brain[t] = NaN));
    [8, 26, 44].forEach((t) => (task[t] = NaN));
    brain[50] = task[50] = NaN;
    const r = detectPhases({
      points,
      signals: [
        { name: 'brain', role: 'BRAIN', values: brain },
        { name: 'task', role: 'TASK', values: task },
      ],
      options: { bootstrap: 50, seed: 1 },
    });
    expect(r.excluded).toEqual([
      { step: 0, reason: 'tokens 0 has no log10 (axis LOG_TOKENS)' },
      { step: points[30].step, reason: 'tokens unknown (axis LOG_TOKENS)' },
      { step: points[50].step, reason: 'no signal has a value at this checkpoint' },
    ]);
    expect(r.k).toBe(2);
    expect(r.segments.map((g) => g.label)).toEqual(['ALIGNMENT', 'DETACHMENT', 'REALIGNMENT']);
    r.breakpoints.forEach((b, j) => expect(Math.abs(b.index - s.truth[j])).toBeLessThanOrEqual(1));
  });

  it('keeps step 0 on the STEP axis', () => {
    const s = study(30, 3);
    const r = detectPhases({ points: s.points, signals: [{ name: 'brain', role: 'BRAIN', values: s.brain }], options: { axis: 'STEP', bootstrap: 0 } });
    expect(r.excluded).toEqual([]);
    expect(r.segments.reduce((a, g) => a + g.nPoints, 0)).toBe(30);
    expect(r.triplePattern.confidence).toBeNull();
    r.breakpoints.forEach((b) => expect(b.ci).toBeNull());
  });
});

describe('detectPhases: other modes', () => {
  it('fixed k reports FIXED and BIC for 0..k', () => {
    const s = study(40, 4);
    const r = detectPhases({ points: s.points, signals: [{ name: 'brain', role: 'BRAIN', values: s.brain }], options: { k: 1, bootstrap: 0 } });
    expect(r.kSelectedBy).toBe('FIXED');
    expect(r.k).toBe(1);
    expect(r.bicByK.map((e) => e.k)).toEqual([0, 1]);
    expect(r.triplePattern).toEqual({ present: false, confidence: null });
  });

  it('continuous fits find the same phases', () => {
    const s = study(50, 5);
    const r = detectPhases({
      points: s.points,
      signals: [
        { name: 'brain', role: 'BRAIN', values: s.brain },
        { name: 'task', role: 'TASK', values: s.task, weight: 2 },
      ],
      options: { continuous: true, bootstrap: 30, seed: 2 },
    });
    expect(r.k).toBe(2);
    expect(r.segments.map((g) => g.label)).toEqual(['ALIGNMENT', 'DETACHMENT', 'REALIGNMENT']);
    r.breakpoints.forEach((b, j) => expect(Math.abs(b.index - s.truth[j])).toBeLessThanOrEqual(1));
  });

  it('labels task-only trajectories STAGNATION → RAPID_GAIN → CONSOLIDATION', () => {
    const n = 60;
    const normal = createNormal(createRng(8));
    const points = Array.from({ length: n }, (_, t) => ({ step: 1000 * (t + 1), tokens: null, fraction: (t + 1) / n }));
    const f = (u: number): number => (u <= 0.33 ? 0 : u <= 0.66 ? 3 * (u - 0.33) : 0.99 + 0.5 * (u - 0.66));
    const values = Float64Array.from(points, (p) => f(p.fraction) + 0.01 * normal());
    const r = detectPhases({ points, signals: [{ name: 'lambada', role: 'TASK', values }], options: { axis: 'FRACTION', bootstrap: 0 } });
    expect(r.segments.map((g) => g.label)).toEqual(['STAGNATION', 'RAPID_GAIN', 'CONSOLIDATION']);
    expect(r.triplePattern.present).toBe(false);
  });
});

describe('detectPhases: errors', () => {
  const s = study(30, 6);
  const points = s.points;
  it('lists every input problem at once', () => {
    expect(
      thrown(() =>
        detectPhases({
          points,
          signals: [
            { name: 'a', role: 'BRAIN', values: new Float64Array(29) },
            { name: 'a', role: 'TASK', values: s.task, weight: -1 },
          ],
        }),
      ),
    ).toEqual({
      code: 'BAD_USER_INPUT',
      message: "invalid phase detection input: signals[0] 'a': 29 values for 30 points; signals[1] 'a': duplicate name; signals[1] 'a': weight must be finite and > 0 (-1)",
      details: {
        problems: ["signals[0] 'a': 29 values for 30 points", "signals[1] 'a': duplicate name", "signals[1] 'a': weight must be finite and > 0 (-1)"],
      },
    });
  });

  it('rejects unsorted steps and bad options', () => {
    const swapped = [points[1], points[0], ...points.slice(2)];
    expect(thrown(() => detectPhases({ points: swapped, signals: [{ name: 'b', role: 'BRAIN', values: s.brain }] }))).toEqual({
      code: 'BAD_USER_INPUT',
      message: `invalid phase detection input: points must be sorted by strictly increasing step; points[1].step = 0 follows ${points[1].step}`,
      details: { problems: [`points must be sorted by strictly increasing step; points[1].step = 0 follows ${points[1].step}`] },
    });
    expect(thrown(() => detectPhases({ points, signals: [{ name: 'b', role: 'BRAIN', values: s.brain }], options: { k: 1.5, ciLevel: 1.2 } }))).toEqual({
      code: 'BAD_USER_INPUT',
      message: 'invalid phase detection options: k must be an integer ≥ 0 (1.5); ciLevel must be in (0, 1) (1.2)',
      details: { problems: ['k must be an integer ≥ 0 (1.5)', 'ciLevel must be in (0, 1) (1.2)'] },
    });
    expect(thrown(() => detectPhases({ points, signals: [{ name: 'b', role: 'BRAIN', values: s.brain }], options: { k: 7 } }))).toEqual({
      code: 'BAD_USER_INPUT',
      message: '7 breakpoints with minSize 4 need at least 32 points, got 29',
      details: { n: 29, kMax: 7, minSize: 4, need: 32 },
    });
  });

  it('rejects constant or too sparse signals as DEGENERATE_INPUT, naming each', () => {
    const constant = new Float64Array(30).fill(0.25);
    const sparse = new Float64Array(30).fill(NaN);
    sparse[3] = 1;
    expect(
      thrown(() =>
        detectPhases({
          points,
          signals: [
            { name: 'brain', role: 'BRAIN', values: s.brain },
            { name: 'flat', role: 'TASK', values: constant },
            { name: 'sparse', role: 'INTERNAL', values: sparse },
          ],
        }),
      ),
    ).toEqual({
      code: 'DEGENERATE_INPUT',
      message:
        "phase detection cannot use these signals: signal 'flat' is constant (0.25) over the included checkpoints and cannot be z-scored; signal 'sparse' has 1 value(s) at the included checkpoints; at least 2 are needed",
      details: {
        problems: [
          "signal 'flat' is constant (0.25) over the included checkpoints and cannot be z-scored",
          "signal 'sparse' has 1 value(s) at the included checkpoints; at least 2 are needed",
        ],
      },
    });
  });

  it('rejects x decreasing with step', () => {
    const bad = points.map((p, i) => (i === 10 ? { ...p, tokens: 5 } : p));
    expect(thrown(() => detectPhases({ points: bad, signals: [{ name: 'b', role: 'BRAIN', values: s.brain }] }))).toEqual({
      code: 'BAD_USER_INPUT',
      message: `x on axis LOG_TOKENS must not decrease with step: ${Math.log10(points[9].tokens!)} at step ${points[9].step} > ${Math.log10(5)} at step ${points[10].step}`,
      details: { axis: 'LOG_TOKENS', steps: [points[9].step, points[10].step] },
    });
  });
});

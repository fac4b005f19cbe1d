import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { testRunCeiling } from '../../../compute/encoding/noiseCeiling.js';
import { createNormal, createRng } from '../../../compute/random.js';
import { simulateNoise } from '../../../compute/simulate/simulateResponses.js';
import { voxelLayout } from '../../../compute/simulate/voxelLayout.js';
import { itWith, pythonRequirement } from '../../helpers/requirements.js';

/**
 * Two test runs of the simulated study's kind (y = a_v·s_v + AR(1), spatially correlated noise of
 * unit variance, compute/simulate), presented 3 and 4 times, with different run means; voxel 0
 * constant. The planted ceiling is sqrt(a²·Var(s) / (a²·Var(s) + 1/R)).
 */
function study(nVoxels: number, nTrs: readonly number[], repeats: readonly number[], seed: number) {
  const layout = voxelLayout({ seed, nVoxels });
  const normal = createNormal(createRng(seed + 1));
  const runs = nTrs.map((n, k) => {
    // a smooth unit-SD signal per voxel (moving average of white noise), a run offset per voxel
    const signal = new Float64Array(n * nVoxels);
    for (let v = 0; v < nVoxels; v++) {
      let prev = normal();
      for (let t = 0; t < n; t++) signal[t * nVoxels + v] = prev = 0.8 * prev + 0.6 * normal();
    }
    const offset = Float64Array.from({ length: nVoxels }, () => 5 * normal());
    const presentations = Array.from({ length: repeats[k] }, (_, rep) => {
      const y = simulateNoise(layout, n, seed + 100 * (k + 1) + rep, [[-50, -22, 8], [-54, -34, 0]]);
      for (let t = 0; t < n; t++) {
        for (let v = 0; v < nVoxels; v++) y[t * nVoxels + v] = v === 0 ? 1 : y[t * nVoxels + v] + layout.amplitude[v] * signal[t * nVoxels + v] + offset[v];
      }
      return y;
    });
    return { runId: `test-${k + 1}`, presentations, signal };
  });
  return { layout, runs };
}

describe('testRunCeiling (Schoppe et al. 2016 CC_max over repeated test runs)', () => {
  const V = 400;
  const { layout, runs } = study(V, [300, 240], [3, 4], 11);

  it('recovers the planted ceilings of the simulated noise model', () => {
    const c = testRunCeiling(runs, V);
    expect(c.available).toBe(true);
    if (!c.available) return;
    expect([c.repeats, c.nTrs, c.runs]).toEqual([3, 540, ['test-1', 'test-2']]);
    expect(c.ccMax[0]).toBeNaN(); // constant voxel: no ceiling
    const est: number[] = [];
    const truth: number[] = [];
    for (let v = 1; v < V; v++) {
      let ss = 0;
      let s1 = 0;
      let n = 0;
      for (const run of runs) for (let t = 0; t < run.signal.length / V; t++, n++) { s1 += run.signal[t * V + v]; ss += run.signal[t * V + v] ** 2; }
      const varS = ss / n - (s1 / n) ** 2;
      const a2 = layout.amplitude[v] ** 2 * varS;
      truth.push(Math.sqrt(a2 / (a2 + 1 / 3)));
      est.push(Number.isNaN(c.ccMax[v]) ? 0 : c.ccMax[v]);
    }
    const mae = est.reduce((s, e, i) => s + Math.abs(e - truth[i]), 0) / est.length;
    const mean = (x: number[]) => x.reduce((a, b) => a + b, 0) / x.length;
    const [me, mt] = [mean(est), mean(truth)];
    const r = est.reduce((s, e, i) => s + (e - me) * (truth[i] - mt), 0) / Math.sqrt(est.reduce((s, e) => s + (e - me) ** 2, 0) * truth.reduce((s, t) => s + (t - mt) ** 2, 0));
    // figures for the report: printed, then bounded
    console.log(`noise ceiling recovery: r = ${r.toFixed(3)}, mean |error| = ${mae.toFixed(3)}, mean ceiling ${me.toFixed(3)} (planted ${mt.toFixed(3)})`);
    expect(r).toBeGreaterThan(0.9);
    expect(mae).toBeLessThan(0.06);
  });

  itWith(pythonRequirement('/usr/bin/python3', 'numpy'), 'equals an independent NumPy computation of the estimator', () => {
    const c = testRunCeiling(runs, V);
    if (!c.available) throw new Error('expected a ceiling');
    // the same data, the first 3 presentations of each run, as JSON; NumPy: centre per run, concatenate, SP/TP
    const data = runs.map((r) => r.presentations.slice(0, 3).map((p) => Array.from(p)));
    const script = `
import json, sys, numpy as np
runs = json.load(sys.stdin); V = ${V}
reps = [np.concatenate([np.asarray(run[p], dtype=np.float64).reshape(-1, V) - np.asarray(run[p], dtype=np.float64).reshape(-1, V).mean(0) for run in runs]) for p in range(3)]
Y = np.stack(reps)                    # R × n × V
R = Y.shape[0]
tp = np.var(Y.mean(0), axis=0)        # Var(mean of repeats)
sp = (np.var(Y.sum(0), axis=0) - np.var(Y, axis=1).sum(0)) / (R * (R - 1))
with np.errstate(divide='ignore', invalid='ignore'):
    cc = np.where((tp > 0) & (sp > 0), np.sqrt(np.minimum(sp / tp, 1)), np.nan)
print(json.dumps([None if np.isnan(x) else float(x) for x in cc]))`;
    const py = spawnSync('/usr/bin/python3', ['-c', script], { input: JSON.stringify(data), encoding: 'utf8', maxBuffer: 1 << 26 });
    expect(py.stderr).toBe('');
    const ref = JSON.parse(py.stdout) as (number | null)[];
    for (let v = 0; v < V; v++) {
      if (ref[v] === null) expect(c.ccMax[v]).toBeNaN();
      else expect(c.ccMax[v]).toBeCloseTo(ref[v]!, 5);
    }
  });

  it('is unavailable, with the reason, without repeated test runs; once-presented runs are left out', () => {
    const once = runs.map((r) => ({ runId: r.runId, presentations: r.presentations.slice(0, 1) }));
    const none = testRunCeiling(once, V);
    expect(none).toEqual({ available: false, reason: expect.stringMatching(/^no test run has repeated presentations/) });
    const mixed = testRunCeiling([once[0], runs[1]], V);
    expect(mixed.available && [mixed.runs, mixed.repeats, mixed.nTrs]).toEqual([['test-2'], 4, 240]);
  });
});

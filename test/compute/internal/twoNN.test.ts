import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GemmEngine } from '../../../compute/linalg/gemm.js';
import { rowTwoNearest } from '../../../compute/internal/rowNeighbours.js';
import { rowsTwoNN } from '../../../compute/internal/twoNN.js';
import { writeNpy } from '../../../formats/npy.js';
import { itWith, pythonRequirement } from '../../helpers/requirements.js';
import { tempDir } from '../../helpers/tmp.js';
import { randomOrthogonal, seededNormal } from '../testMatrices.js';

/**
 * TwoNN checked against an independent computation: scikit-learn's exact neighbours (k-d tree,
 * direct distances) and the line fit of DADApy's `compute_id_2NN`, written out in NumPy below.
 * Debian's python3 with python3-numpy and python3-sklearn.
 */
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const sklearn = pythonRequirement(PYTHON, 'numpy, sklearn');
const tmp = tempDir();

let engine: GemmEngine;
beforeAll(async () => {
  engine = await GemmEngine.create({ threads: 2 });
});
afterAll(async () => {
  await engine.release();
  tmp.cleanup();
});

/** n Gaussian points in a random d-dimensional linear subspace of R^D, plus `offset` on every coordinate. */
function subspacePoints(n: number, d: number, big: number, seed: number, offset = 0): Float64Array {
  const q = randomOrthogonal(big, seed);
  const g = seededNormal(seed + 1);
  const x = new Float64Array(n * big);
  for (let i = 0; i < n; i++) {
    const z = Array.from({ length: d }, () => g());
    for (let j = 0; j < big; j++) {
      let s = offset;
      for (let k = 0; k < d; k++) s += q[j * big + k] * z[k];
      x[i * big + j] = s;
    }
  }
  return x;
}

/** Appends, for the first `count` rows, a copy with N(0, σ²) noise on every coordinate (a near-twin). */
function withNearTwins(x: Float64Array, n: number, big: number, count: number, sigma: number, seed: number): Float64Array {
  const g = seededNormal(seed);
  const out = new Float64Array((n + count) * big);
  out.set(x);
  for (let i = 0; i < count; i++) for (let j = 0; j < big; j++) out[(n + i) * big + j] = x[i * big + j] + sigma * g();
  return out;
}

interface Reference {
  r1: number[];
  r2: number[];
  nn1: number[];
  nn2: number[];
  dimension: number;
}

/** Exact neighbours (sklearn, k-d tree) and the TwoNN line fit (DADApy's formula) of the rows of x. */
function pythonReference(x: Float64Array, n: number, d: number): Reference {
  const file = join(tmp.dir, `x${n}x${d}.npy`);
  writeFileSync(file, writeNpy(x, [n, d]));
  const script = `
import json, sys, numpy as np
from sklearn.neighbors import NearestNeighbors
x = np.load(sys.argv[1])
dist, ind = NearestNeighbors(n_neighbors=3, algorithm='kd_tree').fit(x).kneighbors(x)
mu = dist[:, 2] / dist[:, 1]
N = len(mu)
n_eff = int(N * 0.9)
xs = np.sort(np.log(mu))[:n_eff]
ys = -np.log(1 - np.arange(1, n_eff + 1) / N)
d = float(np.dot(xs, ys) / np.dot(xs, xs))   # least squares through the origin
print(json.dumps({'r1': dist[:, 1].tolist(), 'r2': dist[:, 2].tolist(), 'nn1': ind[:, 1].tolist(), 'nn2': ind[:, 2].tolist(), 'dimension': d}))
`;
  const py = spawnSync(PYTHON, ['-c', script, file], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (py.status !== 0) throw new Error(py.stderr);
  return JSON.parse(py.stdout) as Reference;
}

function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.abs(b[i]));
  return worst;
}

describe('exact nearest neighbours', () => {
  itWith(sklearn, 'match scikit-learn on two clusters 10⁴ apart (where a float32 ranking loses every digit)', async () => {
    const n = 1000;
    const d = 12;
    const a = subspacePoints(n, 5, d, 3);
    const b = subspacePoints(n, 5, d, 5, 1e4);
    const x = new Float64Array(2 * n * d);
    x.set(a);
    x.set(b, n * d);
    const ref = pythonReference(x, 2 * n, d);
    const got = await rowTwoNearest(engine, x, [2 * n, d]);
    expect(Array.from(got.nn1)).toEqual(ref.nn1);
    expect(Array.from(got.nn2)).toEqual(ref.nn2);
    expect(relativeError(got.r1, ref.r1)).toBeLessThan(1e-9);
    expect(relativeError(got.r2, ref.r2)).toBeLessThan(1e-9);
    // The bound admits few rows beyond the two: the exact pass stays linear per row.
    expect(got.rechecked / (2 * n)).toBeLessThan(4);
    const twoNN = await rowsTwoNN(engine, x, [2 * n, d], { twinTolerance: 0, scaleSubsets: [] });
    expect(twoNN.dimension).toBeCloseTo(ref.dimension, 9);
  });
});

describe('TwoNN (Facco et al. 2017) against an independent computation', () => {
  itWith(sklearn, 'the line fit equals DADApy’s on scikit-learn’s neighbours, and ≈ d on d-dimensional data', async () => {
    for (const [d, seed] of [[2, 11], [5, 12], [10, 13]]) {
      const x = subspacePoints(2000, d, 30, seed);
      const ref = pythonReference(x, 2000, 30);
      const got = await rowsTwoNN(engine, x, [2000, 30], { twinTolerance: 0, scaleSubsets: [] });
      expect(got).toMatchObject({ method: 'regression', rows: 2000, points: 2000, kept: 1800, duplicates: 0, nearTwins: 0 });
      expect(got.dimension).toBeCloseTo(ref.dimension, 9);
      // Sampling error ≈ d/√N·(a few); TwoNN's known small-sample bias at d = 10 is ~5% low.
      expect(Math.abs(got.dimension - d) / d).toBeLessThan(0.1);
    }
  });
});

describe('near-twins', () => {
  it.each([
    [5, 21],
    [10, 22],
  ])('near-duplicates of a quarter of the points (σ = 10⁻³) are collapsed and the estimate holds for d = %i', async (d, seed) => {
    const n = 1600;
    const big = 30;
    const clean = subspacePoints(n, d, big, seed);
    const x = withNearTwins(clean, n, big, n / 4, 1e-3, seed + 100);
    const rows = n + n / 4;
    const naive = await rowsTwoNN(engine, x, [rows, big], { twinTolerance: 0, scaleSubsets: [] });
    const got = await rowsTwoNN(engine, x, [rows, big]);
    const truth = await rowsTwoNN(engine, clean, [n, big], { twinTolerance: 0, scaleSubsets: [] });
    expect(naive.dimension).toBeLessThan(d / 3); // the artefact: the twins' μ dominate
    expect(got).toMatchObject({ rows, points: n, nearTwins: n / 4, duplicates: 0 });
    expect(got.dimension).toBeCloseTo(truth.dimension, 9);
    expect(got.twinDistance).toBeCloseTo(0.2 * got.medianNeighbourDistance, 12);
    // Scale check: the estimate at N/2 and N/4 (mean of 2 and 4 disjoint subsets) stays near d.
    expect(got.scale.map((s) => [s.points, s.subsets])).toEqual([[n, 1], [n / 2, 2], [n / 4, 4]]);
    for (const s of got.scale) expect(Math.abs((s.mean as number) - d) / d).toBeLessThan(0.15);
    expect(got.scale[2].sd).toBeGreaterThan(0);
  });

  it('keeps the estimate of data without near-twins (almost) unchanged', async () => {
    const x = subspacePoints(1500, 4, 20, 31);
    const plain = await rowsTwoNN(engine, x, [1500, 20], { twinTolerance: 0, scaleSubsets: [] });
    const got = await rowsTwoNN(engine, x, [1500, 20], { scaleSubsets: [] });
    expect(got.nearTwins / 1500).toBeLessThan(0.01);
    expect(Math.abs(got.dimension - plain.dimension) / plain.dimension).toBeLessThan(0.03);
  });

  it('collapses exact duplicate rows first, and says so', async () => {
    const x = subspacePoints(400, 3, 8, 41);
    const doubled = new Float64Array(800 * 8);
    doubled.set(x, 0);
    doubled.set(x, 400 * 8);
    const once = await rowsTwoNN(engine, x, [400, 8]);
    const twice = await rowsTwoNN(engine, doubled, [800, 8]);
    expect(twice).toEqual({ ...once, rows: 800, duplicates: 400 });
  });

  it('needs 3 distinct points', async () => {
    const err = await rowsTwoNN(engine, Float32Array.of(1, 2, 1, 2, 3, 4), [3, 2]).catch((e: unknown) => e);
    expect(JSON.parse(JSON.stringify(err))).toEqual({
      code: 'DEGENERATE_INPUT',
      message: 'TwoNN needs at least 3 distinct points, got 2 (of 3 rows)',
      details: { distinct: 2, rows: 3 },
    });
  });

  it('rejects a tolerance outside [0, 1)', async () => {
    const err = await rowsTwoNN(engine, subspacePoints(10, 2, 3, 1), [10, 3], { twinTolerance: 1 }).catch((e: unknown) => e);
    expect(JSON.parse(JSON.stringify(err))).toEqual({ code: 'BAD_USER_INPUT', message: 'TwoNN twinTolerance must be in [0, 1), got 1', details: { twinTolerance: 1 } });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableGemmProviders, GemmEngine, gemmShape } from '../../../compute/linalg/gemm.js';
import { maxAbs, maxAbsDiff, naiveMatmul, normalMatrixF32, normalMatrixF64 } from '../testMatrices.js';

let engine: GemmEngine;
beforeAll(async () => {
  engine = await GemmEngine.create({ threads: 2 });
});
afterAll(async () => {
  await engine.release();
});

const shapes: [number, number, number][] = [
  [1, 1, 1],
  [3, 5, 7],
  [17, 33, 9],
  [64, 48, 80],
];

describe('GemmEngine.matmul (float32)', () => {
  for (const [m, k, n] of shapes) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        it(`matches a float64 reference for ${m}×${k}·${k}×${n}, transA=${transA}, transB=${transB}`, async () => {
          const aDims: [number, number] = transA ? [k, m] : [m, k];
          const bDims: [number, number] = transB ? [n, k] : [k, n];
          const a = normalMatrixF32(aDims[0], aDims[1], 11 + m);
          const b = normalMatrixF32(bDims[0], bDims[1], 29 + n);
          const got = await engine.matmul(a, aDims, b, bDims, { transA, transB });
          const want = naiveMatmul(a, aDims, b, bDims, transA, transB);
          expect(got).toBeInstanceOf(Float32Array);
          expect(got.length).toBe(m * n);
          // float32 accumulation: |error| ≲ k·2⁻²⁴·Σ|a||b|; Gaussian entries make Σ|a||b| ≈ 0.64k.
          expect(maxAbsDiff(got, want)).toBeLessThan(1e-6 * k * k + 1e-6);
        });
      }
    }
  }

  it('writes into an output buffer, also when inputs and output are views into larger arrays', async () => {
    const big = normalMatrixF32(1, 200, 3);
    const a = big.subarray(7, 7 + 12); // 3×4
    const b = big.subarray(50, 50 + 20); // 4×5
    const outer = new Float32Array(40).fill(99);
    const out = outer.subarray(10, 25);
    const got = await engine.matmul(a, [3, 4], b, [4, 5], { out });
    expect(got).toBe(out);
    expect(maxAbsDiff(out, naiveMatmul(a, [3, 4], b, [4, 5]))).toBeLessThan(1e-5);
    expect(Array.from(outer.subarray(0, 10))).toEqual(new Array(10).fill(99));
    expect(Array.from(outer.subarray(25))).toEqual(new Array(15).fill(99));
  });

  it('does not modify its inputs', async () => {
    const a = normalMatrixF32(5, 6, 1);
    const b = normalMatrixF32(6, 4, 2);
    const a0 = Float32Array.from(a);
    const b0 = Float32Array.from(b);
    await engine.matmul(a, [5, 6], b, [6, 4]);
    expect(a).toEqual(a0);
    expect(b).toEqual(b0);
  });

  it('handles empty products without calling onnxruntime', async () => {
    expect(await engine.matmul(new Float32Array(0), [0, 3], new Float32Array(6), [3, 2])).toEqual(new Float32Array(0));
    expect(await engine.matmul(new Float32Array(0), [4, 0], new Float32Array(0), [0, 2])).toEqual(new Float32Array(8));
  });

  it('rejects mismatched dims with a BAD_USER_INPUT error naming both shapes', async () => {
    const err = await engine.matmul(new Float32Array(6), [2, 3], new Float32Array(8), [4, 2]).catch((e: unknown) => e);
    expect(JSON.parse(JSON.stringify(err))).toEqual({
      code: 'BAD_USER_INPUT',
      message: 'gemm: inner dims differ: op(A) is 2×3, op(B) is 4×2',
      details: { aDims: [2, 3], bDims: [4, 2], transA: false, transB: false },
    });
    expect(() => gemmShape(5, [2, 3], 6, [3, 2])).toThrow(
      expect.objectContaining({
        code: 'BAD_USER_INPUT',
        message: 'gemm: A has 5 elements but dims [2, 3] need 6',
        details: { matrix: 'A', dims: [2, 3], length: 5 },
      }),
    );
  });
});

describe('GemmEngine.matmulF64', () => {
  it('matches a float64 reference to 1e-12 relative, with transposes', async () => {
    const a = normalMatrixF64(40, 30, 5); // used as Aᵀ: 30×40
    const b = normalMatrixF64(25, 40, 6); // used as Bᵀ: 40×25
    const got = await engine.matmulF64(a, [40, 30], b, [25, 40], { transA: true, transB: true });
    const want = naiveMatmul(a, [40, 30], b, [25, 40], true, true);
    expect(got).toBeInstanceOf(Float64Array);
    expect(maxAbsDiff(got, want) / maxAbs(want)).toBeLessThan(1e-12);
  });
});

describe('providers and statistics', () => {
  it('reports cpu as an available, bundled provider and runs on it by default', () => {
    expect(availableGemmProviders()).toContainEqual({ name: 'cpu', bundled: true });
    expect(engine.provider).toBe('cpu');
    expect(engine.threads).toBe(2);
  });

  it('falls back to the next provider when one cannot be created', async () => {
    const e = await GemmEngine.create({ threads: 1, providers: ['no-such-provider', 'cpu'] });
    expect(e.provider).toBe('cpu');
    await e.release();
  });

  it('fails with every provider it tried when none works', async () => {
    const err = await GemmEngine.create({ providers: ['no-such-provider'] }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INTERNAL', message: 'no execution provider could run the GEMM graph (tried no-such-provider)' });
  });

  it('counts 2·m·n·k FLOPs per product', async () => {
    const e = await GemmEngine.create({ threads: 1 });
    await e.matmul(new Float32Array(6), [2, 3], new Float32Array(12), [3, 4]);
    await e.matmulF64(new Float64Array(6), [3, 2], new Float64Array(15), [3, 5], { transA: true });
    expect(e.stats()).toMatchObject({ calls: 2, flops: 2 * 2 * 4 * 3 + 2 * 2 * 5 * 3 });
    await e.release();
  });
});

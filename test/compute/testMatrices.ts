/**
 * Test helpers for the compute/ tests: a seeded generator (mulberry32 + Box–Muller, so every
 * run sees the same matrices), naive reference products, and a reader for the .npy fixtures
 * written by test/fixtures/encoding/make_sklearn_fixture.py.
 */
import { readFileSync } from 'node:fs';

/** mulberry32 (Tommy Ettinger's 32-bit generator): uniform in [0, 1). */
export function seededUniform(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws (Box–Muller) from a seeded uniform generator. */
export function seededNormal(seed: number): () => number {
  const u = seededUniform(seed);
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    const a = 1 - u();
    const b = u();
    const rad = Math.sqrt(-2 * Math.log(a));
    spare = rad * Math.sin(2 * Math.PI * b);
    return rad * Math.cos(2 * Math.PI * b);
  };
}

export function normalMatrixF32(rows: number, cols: number, seed: number): Float32Array {
  const g = seededNormal(seed);
  return Float32Array.from({ length: rows * cols }, () => g());
}

export function normalMatrixF64(rows: number, cols: number, seed: number): Float64Array {
  const g = seededNormal(seed);
  return Float64Array.from({ length: rows * cols }, () => g());
}

/** Naive float64 op(A)·op(B) of row-major matrices given with their stored dims. */
export function naiveMatmul(
  a: ArrayLike<number>,
  aDims: readonly [number, number],
  b: ArrayLike<number>,
  bDims: readonly [number, number],
  transA = false,
  transB = false,
): Float64Array {
  const [m, k] = transA ? [aDims[1], aDims[0]] : aDims;
  const n = transB ? bDims[0] : bDims[1];
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let l = 0; l < k; l++) {
        const av = transA ? a[l * aDims[1] + i] : a[i * aDims[1] + l];
        const bv = transB ? b[j * bDims[1] + l] : b[l * bDims[1] + j];
        s += av * bv;
      }
      out[i * n + j] = s;
    }
  }
  return out;
}

/** A random orthogonal d×d matrix (Gram–Schmidt on Gaussian columns), row-major float64. */
export function randomOrthogonal(d: number, seed: number): Float64Array {
  const g = seededNormal(seed);
  const q = new Float64Array(d * d);
  for (let j = 0; j < d; j++) {
    const v = Float64Array.from({ length: d }, () => g());
    for (let pass = 0; pass < 2; pass++) {
      for (let c = 0; c < j; c++) {
        let dot = 0;
        for (let i = 0; i < d; i++) dot += q[i * d + c] * v[i];
        for (let i = 0; i < d; i++) v[i] -= dot * q[i * d + c];
      }
    }
    const norm = Math.hypot(...v);
    for (let i = 0; i < d; i++) q[i * d + j] = v[i] / norm;
  }
  return q;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** Reads a little-endian float32/float64, C-order .npy file (format versions 1–3). */
export function readNpy(path: string): { data: Float32Array | Float64Array; shape: number[] } {
  const buf = readFileSync(path);
  if (buf.toString('latin1', 0, 6) !== '\x93NUMPY') throw new Error(`${path}: not an .npy file`);
  const major = buf[6];
  const headerLength = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = (major === 1 ? 10 : 12) + headerLength;
  const header = buf.toString('latin1', major === 1 ? 10 : 12, start);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shape = (/'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  if (fortran) throw new Error(`${path}: Fortran order is not supported by this test reader`);
  const count = shape.reduce((a, b) => a * b, 1);
  const bytes = buf.subarray(start);
  const copy = new Uint8Array(bytes).buffer; // aligned copy
  if (descr === '<f4') return { data: new Float32Array(copy, 0, count), shape };
  if (descr === '<f8') return { data: new Float64Array(copy, 0, count), shape };
  throw new Error(`${path}: unsupported dtype ${descr}`);
}

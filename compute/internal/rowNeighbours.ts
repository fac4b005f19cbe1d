/**
 * First and second nearest-neighbour distances of every row of a (tokens × hidden) matrix, the
 * input of the TwoNN intrinsic-dimension estimator.
 *
 *   const { r1, r2, unique, duplicates } = rowTwoNearest(engine, x, [n, d]);
 *
 * Squared distances come from one GEMM per block of rows, ‖xᵢ − xⱼ‖² = ‖xᵢ‖² + ‖xⱼ‖² − 2·xᵢ·xⱼ
 * (in float32, after centring, which shrinks the norms and so the cancellation). That ranking
 * is only used to pick a few candidates per row; r1 and r2 are then recomputed exactly in
 * float64 from the coordinates, so float32 cancellation cannot produce a zero or negative
 * distance.
 *
 * Exact duplicate rows (common for layer-0 states of a repeated token) would give r1 = 0 and an
 * undefined μ = r2/r1; they are collapsed to one point first, as Facco et al. (2017) advise.
 */
import { degenerate } from '../../errors/CortexError.js';
import type { GemmEngine } from '../linalg/gemm.js';

export interface TwoNearest {
  /** Distance of each unique row to its nearest other unique row. */
  readonly r1: Float64Array;
  /** Distance to the second nearest. */
  readonly r2: Float64Array;
  /** Index (in the input) of each unique row. */
  readonly unique: Int32Array;
  /** Rows dropped as exact duplicates of an earlier row. */
  readonly duplicates: number;
}

/** Candidates per row taken from the float32 ranking before the exact float64 check. */
const CANDIDATES = 8;
/** Elements of one block of the float32 distance matrix (2²⁴ = 64 MiB). */
const BLOCK_ELEMENTS = 2 ** 24;

export async function rowTwoNearest(engine: GemmEngine, x: Float32Array | Float64Array, dims: readonly [number, number]): Promise<TwoNearest> {
  const [nAll, d] = dims;
  const unique = uniqueRows(x, nAll, d);
  const n = unique.length;
  if (n < 3) {
    throw degenerate(`TwoNN needs at least 3 distinct points, got ${n} (of ${nAll} rows)`, { distinct: n, rows: nAll });
  }
  // Centred float64 copy of the unique rows (exact coordinates) and its float32 twin for GEMM.
  const mean = new Float64Array(d);
  for (const i of unique) for (let j = 0; j < d; j++) mean[j] += x[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  const c64 = new Float64Array(n * d);
  unique.forEach((i, a) => {
    for (let j = 0; j < d; j++) c64[a * d + j] = x[i * d + j] - mean[j];
  });
  const c32 = Float32Array.from(c64);
  const sq = new Float64Array(n);
  for (let a = 0; a < n; a++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += c64[a * d + j] ** 2;
    sq[a] = s;
  }

  const r1 = new Float64Array(n);
  const r2 = new Float64Array(n);
  const keep = Math.min(CANDIDATES, n - 1);
  const candIdx = new Int32Array(keep);
  const candD2 = new Float64Array(keep);
  const blockRows = Math.max(1, Math.floor(BLOCK_ELEMENTS / n));
  for (let b0 = 0; b0 < n; b0 += blockRows) {
    const b1 = Math.min(n, b0 + blockRows);
    const dots = await engine.matmul(c32.subarray(b0 * d, b1 * d), [b1 - b0, d], c32, [n, d], { transB: true });
    for (let a = b0; a < b1; a++) {
      const row = (a - b0) * n;
      let filled = 0;
      for (let o = 0; o < n; o++) {
        if (o === a) continue;
        const d2 = sq[a] + sq[o] - 2 * dots[row + o];
        // Insertion into the `keep` smallest (kept sorted ascending).
        if (filled < keep) {
          insertSorted(candIdx, candD2, filled, o, d2);
          filled++;
        } else if (d2 < candD2[keep - 1]) {
          insertSorted(candIdx, candD2, keep - 1, o, d2);
        }
      }
      exactTwoSmallest(c64, d, a, candIdx, keep, r1, r2);
    }
  }
  return { r1, r2, unique: Int32Array.from(unique), duplicates: nAll - n };
}

function insertSorted(idx: Int32Array, val: Float64Array, count: number, o: number, d2: number): void {
  let p = count;
  while (p > 0 && val[p - 1] > d2) {
    idx[p] = idx[p - 1];
    val[p] = val[p - 1];
    p--;
  }
  idx[p] = o;
  val[p] = d2;
}

function exactTwoSmallest(c: Float64Array, d: number, a: number, cand: Int32Array, keep: number, r1: Float64Array, r2: Float64Array): void {
  let best = Infinity;
  let second = Infinity;
  for (let q = 0; q < keep; q++) {
    const o = cand[q];
    let s = 0;
    for (let j = 0; j < d; j++) {
      const t = c[a * d + j] - c[o * d + j];
      s += t * t;
    }
    if (s < best) {
      second = best;
      best = s;
    } else if (s < second) {
      second = s;
    }
  }
  r1[a] = Math.sqrt(best);
  r2[a] = Math.sqrt(second);
}

/** Indices of the first occurrence of each distinct row (value equality), in input order. */
function uniqueRows(x: Float32Array | Float64Array, n: number, d: number): number[] {
  const scratch = new Float64Array(1);
  const words = new Uint32Array(scratch.buffer);
  const buckets = new Map<number, number[]>();
  const kept: number[] = [];
  for (let i = 0; i < n; i++) {
    // FNV-1a over the float64 bit patterns of the row; `+ 0` maps −0 to +0 so equal values hash equally.
    let h = 0x811c9dc5;
    for (let j = 0; j < d; j++) {
      scratch[0] = x[i * d + j] + 0;
      h = Math.imul(h ^ words[0], 0x01000193);
      h = Math.imul(h ^ words[1], 0x01000193);
    }
    const bucket = buckets.get(h);
    if (bucket === undefined) {
      buckets.set(h, [i]);
      kept.push(i);
    } else if (!bucket.some((o) => rowsEqual(x, d, i, o))) {
      bucket.push(i);
      kept.push(i);
    }
  }
  return kept;
}

function rowsEqual(x: Float32Array | Float64Array, d: number, i: number, o: number): boolean {
  for (let j = 0; j < d; j++) if (x[i * d + j] !== x[o * d + j]) return false;
  return true;
}

/**
 * Exact first and second nearest neighbours of every row of a (points × width) matrix, the
 * input of the TwoNN intrinsic-dimension estimator.
 *
 *   const { r1, r2, nn1, nn2 } = await rowTwoNearest(engine, centred, [n, d]);
 *
 * Squared distances are ranked from one float64 GEMM per block of rows,
 * ‖xᵢ − xⱼ‖² ≈ ‖xᵢ‖² + ‖xⱼ‖² − 2·xᵢ·xⱼ. That expansion cancels when points lie far from the
 * origin compared with their spacing (two clusters 10⁴ apart with unit spacing lose every digit
 * in float32), so the ranking is only trusted up to a rigorous bound on its rounding error: a
 * dot product of length d computed in any order is off by at most γ_d·‖xᵢ‖‖xⱼ‖, γ_d = d·u/(1 − d·u)
 * (Higham, "Accuracy and Stability of Numerical Algorithms", 2nd ed., §3.1). Every row whose
 * ranked distance could, within that bound, be among the two smallest is rechecked exactly from
 * the coordinates, Σ(xᵢₖ − xⱼₖ)², which has no cancellation. The result is the exact pair of
 * neighbours, not a candidate-limited approximation.
 */
import { degenerate } from '../../errors/CortexError.js';
import type { GemmEngine } from '../linalg/gemm.js';

export interface TwoNearest {
  /** Distance of each row to its nearest other row. */
  readonly r1: Float64Array;
  /** Distance to the second nearest. */
  readonly r2: Float64Array;
  /** Row index of the nearest and second-nearest neighbour. */
  readonly nn1: Int32Array;
  readonly nn2: Int32Array;
  /** Rows rechecked exactly per row, summed (≥ 2n): how much the error bound admitted. */
  readonly rechecked: number;
}

/** Elements of one block of the float64 distance matrix (2²² = 32 MiB). */
const BLOCK_ELEMENTS = 2 ** 22;
const UNIT_ROUNDOFF = 2 ** -53;

/**
 * Exact two nearest neighbours of each of the n rows of `c` (float64, best centred: the error
 * bound scales with the squared norms). Rows must be distinct; n ≥ 3.
 */
export async function rowTwoNearest(engine: GemmEngine, c: Float64Array, dims: readonly [number, number]): Promise<TwoNearest> {
  const [n, d] = dims;
  if (n < 3) throw degenerate(`TwoNN needs at least 3 distinct points, got ${n}`, { distinct: n });
  const sq = new Float64Array(n);
  for (let a = 0; a < n; a++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += c[a * d + j] ** 2;
    sq[a] = s;
  }
  // |error of the expanded d²| ≤ 2γ_d‖xᵢ‖‖xⱼ‖ + rounding of ‖xᵢ‖², ‖xⱼ‖² and the sums
  // ≤ (d + 4)·u·(‖xᵢ‖² + ‖xⱼ‖²)·2 with room to spare (γ_d ≤ 1.01·d·u for d·u < 0.01).
  const bound = 2 * (d + 4) * UNIT_ROUNDOFF * 1.01;
  const r1 = new Float64Array(n);
  const r2 = new Float64Array(n);
  const nn1 = new Int32Array(n);
  const nn2 = new Int32Array(n);
  let rechecked = 0;
  const blockRows = Math.max(1, Math.floor(BLOCK_ELEMENTS / n));
  for (let b0 = 0; b0 < n; b0 += blockRows) {
    const b1 = Math.min(n, b0 + blockRows);
    const dots = await engine.matmulF64(c.subarray(b0 * d, b1 * d), [b1 - b0, d], c, [n, d], { transB: true });
    for (let a = b0; a < b1; a++) {
      const row = (a - b0) * n;
      // The second smallest upper bound is an upper bound of the true second-smallest distance.
      let u1 = Infinity;
      let u2 = Infinity;
      for (let o = 0; o < n; o++) {
        if (o === a) continue;
        const upper = sq[a] + sq[o] - 2 * dots[row + o] + bound * (sq[a] + sq[o]);
        if (upper < u1) {
          u2 = u1;
          u1 = upper;
        } else if (upper < u2) u2 = upper;
      }
      // Every row whose lower bound does not exceed it may be one of the two: recheck exactly.
      let best = Infinity;
      let second = Infinity;
      let i1 = -1;
      let i2 = -1;
      for (let o = 0; o < n; o++) {
        if (o === a || sq[a] + sq[o] - 2 * dots[row + o] - bound * (sq[a] + sq[o]) > u2) continue;
        rechecked++;
        let s = 0;
        for (let j = 0; j < d; j++) {
          const t = c[a * d + j] - c[o * d + j];
          s += t * t;
        }
        if (s < best) {
          second = best;
          i2 = i1;
          best = s;
          i1 = o;
        } else if (s < second) {
          second = s;
          i2 = o;
        }
      }
      r1[a] = Math.sqrt(best);
      r2[a] = Math.sqrt(second);
      nn1[a] = i1;
      nn2[a] = i2;
    }
  }
  return { r1, r2, nn1, nn2, rechecked };
}

/** Indices of the first occurrence of each distinct row (value equality), in input order. */
export function uniqueRows(x: Float32Array | Float64Array, n: number, d: number): number[] {
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

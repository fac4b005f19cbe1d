/**
 * Pure-TypeScript symmetric eigendecomposition: Householder reduction to tridiagonal form
 * followed by the implicit QL algorithm with Wilkinson-type shifts. This is EISPACK's tred2 + tql2
 * (Smith et al., "Matrix Eigensystem Routines – EISPACK Guide", 1976; Bowdler, Martin, Reinsch &
 * Wilkinson, Numer. Math. 11 (1968) 293–306), in the arrangement of JAMA's
 * EigenvalueDecomposition (public domain), which is also Numerical Recipes §11.2–11.3.
 *
 * The fallback of eigh.ts for machines without a system LAPACK. Both steps are backward stable:
 * the computed V, Λ reconstruct A to O(n·ε·‖A‖), far inside the 1e-10 relative the encoding
 * engine needs.
 *
 * Layout trick: JAMA walks V column-wise (V[k][j] with k innermost). We keep W = Vᵀ in a
 * row-major Float64Array instead, so every inner loop (Householder updates, accumulation, and the
 * Givens rotations of tql2, which dominate) runs over contiguous memory. At the end row j of W is
 * the eigenvector of eigenvalue j, which is also LAPACK's column-major output layout.
 */
import { CortexError } from '../../errors/CortexError.js';

export interface TridiagonalEigen {
  /** Ascending eigenvalues. */
  readonly values: Float64Array;
  /** n×n row-major; row j is the unit eigenvector of values[j]. */
  readonly vectorRows: Float64Array;
}

/**
 * Eigen-decomposes the symmetric n×n row-major matrix `a`; only its upper triangle
 * (a[i·n + j], j ≥ i) is read. `a` is not modified.
 */
export function symEighTridiagonal(a: Float64Array, n: number): TridiagonalEigen {
  // W starts as A = Aᵀ: JAMA's V[k][j] (k ≥ j, its lower triangle) is W[j·n + k].
  const w = Float64Array.from(a);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  if (n === 0) return { values: d, vectorRows: w };
  householderTridiagonalize(w, d, e, n, true);
  implicitQL(w, d, e, n);
  return { values: d, vectorRows: w };
}

/**
 * Eigenvalues only (ascending): the same reduction without accumulating Q, and QL without
 * rotating vectors (EISPACK tred1 + tql1) — about a quarter of the full decomposition's work.
 */
export function symEigvalsTridiagonal(a: Float64Array, n: number): Float64Array {
  const w = Float64Array.from(a);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  if (n === 0) return d;
  householderTridiagonalize(w, d, e, n, false);
  implicitQL(null, d, e, n);
  return d;
}

/**
 * tred2: on exit d is the diagonal, e[1..n-1] the sub-diagonal and, when `accumulate`, W the
 * accumulated Qᵀ. Without accumulation the diagonal of T is read off W's diagonal (where the
 * reduction leaves it, as tred1 does).
 */
function householderTridiagonalize(w: Float64Array, d: Float64Array, e: Float64Array, n: number, accumulate: boolean): void {
  for (let j = 0; j < n; j++) d[j] = w[j * n + n - 1];
  for (let i = n - 1; i > 0; i--) {
    // Householder reflection that annihilates row i left of the sub-diagonal; scaling by the
    // 1-norm first avoids under/overflow in h = ‖u‖² (EISPACK's `scale`).
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = w[j * n + i - 1];
        w[j * n + i] = 0;
        w[i * n + j] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      let f = d[i - 1];
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      // p = A·u / h, accumulated in e, reading the lower triangle once.
      for (let j = 0; j < i; j++) {
        const row = j * n;
        f = d[j];
        w[i * n + j] = f;
        g = e[j] + w[row + j] * f;
        for (let k = j + 1; k <= i - 1; k++) {
          const v = w[row + k];
          g += v * d[k];
          e[k] += v * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      // q = p − (uᵀp / 2h)·u; A ← A − u·qᵀ − q·uᵀ on the lower triangle.
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      for (let j = 0; j < i; j++) {
        const row = j * n;
        f = d[j];
        g = e[j];
        for (let k = j; k <= i - 1; k++) w[row + k] -= f * e[k] + g * d[k];
        d[j] = w[row + i - 1];
        w[row + i] = 0;
      }
    }
    d[i] = h;
  }
  if (!accumulate) {
    for (let j = 0; j < n; j++) d[j] = w[j * n + j];
    e[0] = 0;
    return;
  }
  // Accumulate the reflections into Qᵀ (rows of W).
  for (let i = 0; i < n - 1; i++) {
    const next = (i + 1) * n;
    w[i * n + n - 1] = w[i * n + i];
    w[i * n + i] = 1;
    const h = d[i + 1];
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = w[next + k] / h;
      for (let j = 0; j <= i; j++) {
        const row = j * n;
        let g = 0;
        for (let k = 0; k <= i; k++) g += w[next + k] * w[row + k];
        for (let k = 0; k <= i; k++) w[row + k] -= g * d[k];
      }
    }
    for (let k = 0; k <= i; k++) w[next + k] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = w[j * n + n - 1];
    w[j * n + n - 1] = 0;
  }
  w[(n - 1) * n + n - 1] = 1;
  e[0] = 0;
}

/** sqrt(a² + b²) without destructive overflow or underflow (Math.hypot is slower in V8). */
function hypot(a: number, b: number): number {
  const x = Math.abs(a);
  const y = Math.abs(b);
  if (x > y) {
    const t = y / x;
    return x * Math.sqrt(1 + t * t);
  }
  if (y === 0) return 0;
  const t = x / y;
  return y * Math.sqrt(1 + t * t);
}

/** EISPACK allows 30 QL sweeps per eigenvalue before declaring failure. */
const MAX_SWEEPS_PER_EIGENVALUE = 30;

/** tql2: implicit QL on the tridiagonal (d, e), rotating the rows of W (tql1: W null); sorts ascending. */
function implicitQL(w: Float64Array | null, d: Float64Array, e: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    // Find a negligible sub-diagonal element, relative to the norm seen so far.
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n && Math.abs(e[m]) > eps * tst1) m++;
    if (m > l) {
      let sweeps = 0;
      do {
        if (++sweeps > MAX_SWEEPS_PER_EIGENVALUE) {
          throw new CortexError('INTERNAL', `symmetric eigensolver (tql2) did not converge for eigenvalue ${l} of ${n}`, { n, index: l });
        }
        // Wilkinson-type shift from the leading 2×2 block.
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        // Implicit QL sweep: a chain of Givens rotations from m−1 down to l.
        p = d[m];
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1];
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          if (w === null) continue;
          const lo = i * n;
          const hi = lo + n;
          for (let k = 0; k < n; k++) {
            const t = w[hi + k];
            const u = w[lo + k];
            w[hi + k] = s * u + c * t;
            w[lo + k] = c * u - s * t;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > eps * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
  if (w === null) d.sort();
  else sortAscending(w, d, n);
}

function sortAscending(w: Float64Array, d: Float64Array, n: number): void {
  for (let i = 0; i < n - 1; i++) {
    let k = i;
    let p = d[i];
    for (let j = i + 1; j < n; j++) {
      if (d[j] < p) {
        k = j;
        p = d[j];
      }
    }
    if (k !== i) {
      d[k] = d[i];
      d[i] = p;
      const rowI = w.slice(i * n, i * n + n);
      w.copyWithin(i * n, k * n, k * n + n);
      w.set(rowI, k * n);
    }
  }
}

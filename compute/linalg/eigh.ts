/**
 * Symmetric eigendecomposition A = V·Λ·Vᵀ in float64: the one dense decomposition of the
 * encoding engine (one per CV fold, on XᵀX or the kernel XXᵀ) and of the spectral metrics.
 *
 *   const { values, vectorRows, backend } = symEigh(a, n);
 *   // values ascending; row j of vectorRows (n×n, row-major) is the eigenvector of values[j]
 *
 * Two backends, same contract: the system LAPACK (`dsyevd`, eighLapack.ts) when a library is
 * found, else a pure-TypeScript tred2 + tql2 (eighTridiagonal.ts). `backend` says which ran so a
 * computation can record it in its provenance. CORTEXQL_EIGH=typescript forces the fallback.
 */
import { badInput, degenerate } from '../../errors/CortexError.js';
import { symEighTridiagonal, symEigvalsTridiagonal } from './eighTridiagonal.js';
import { lapackStatus, symEighLapack, symEigvalsLapack } from './eighLapack.js';

export type EighBackend = 'lapack' | 'typescript';

export interface SymmetricEigen {
  readonly n: number;
  /** Ascending eigenvalues. */
  readonly values: Float64Array;
  /** n×n row-major; row j is the unit eigenvector of values[j] (so Vᵀ, in matrix terms). */
  readonly vectorRows: Float64Array;
  readonly backend: EighBackend;
}

export interface EighOptions {
  /** 'auto' (default): LAPACK when available, else TypeScript. */
  readonly backend?: EighBackend | 'auto';
}

/**
 * Inputs more asymmetric than this (relative to max |a_ij|) are rejected: they are not a rounding
 * artefact of a Gram product but a wrong matrix.
 */
const SYMMETRY_TOLERANCE = 1e-8;

/** The backend `symEigh` uses under 'auto' on this machine and environment. */
export function defaultEighBackend(): EighBackend {
  if (process.env.CORTEXQL_EIGH === 'typescript') return 'typescript';
  return lapackStatus().available ? 'lapack' : 'typescript';
}

/**
 * Eigen-decomposes the symmetric n×n row-major float64 matrix `a` (not modified). The input is
 * symmetrised, (A + Aᵀ)/2, so both backends see exactly the same matrix whichever triangle they read.
 */
export function symEigh(a: Float64Array, n: number, options: EighOptions = {}): SymmetricEigen {
  const { sym, backend } = prepare(a, n, options);
  const result = backend === 'lapack' ? symEighLapack(sym, n) : symEighTridiagonal(sym, n);
  return { n, values: result.values, vectorRows: result.vectorRows, backend };
}

/**
 * Eigenvalues only, ascending: what spectral summaries need, at roughly a quarter of the cost
 * of `symEigh` (no eigenvector accumulation). Same input rules as `symEigh`.
 */
export function symEigvals(a: Float64Array, n: number, options: EighOptions = {}): { readonly values: Float64Array; readonly backend: EighBackend } {
  const { sym, backend } = prepare(a, n, options);
  return { values: backend === 'lapack' ? symEigvalsLapack(sym, n) : symEigvalsTridiagonal(sym, n), backend };
}

function prepare(a: Float64Array, n: number, options: EighOptions): { sym: Float64Array; backend: EighBackend } {
  if (!Number.isInteger(n) || n < 0) throw badInput(`symEigh: n must be a non-negative integer, got ${n}`, { n });
  if (a.length !== n * n) {
    throw badInput(`symEigh: matrix has ${a.length} elements, expected ${n}×${n} = ${n * n}`, { n, length: a.length });
  }
  const sym = symmetrized(a, n);
  const requested = options.backend ?? 'auto';
  const backend = requested === 'auto' ? defaultEighBackend() : requested;
  if (backend === 'lapack' && !lapackStatus().available) {
    throw badInput('symEigh: the LAPACK backend was requested but no LAPACK library could be loaded', {
      tried: lapackStatus().tried.map((t) => t.name),
    });
  }
  return { sym, backend };
}

function symmetrized(a: Float64Array, n: number): Float64Array {
  let maxAbs = 0;
  let maxAsym = 0;
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (!Number.isFinite(v)) {
      throw degenerate(`symEigh: matrix entry (${Math.floor(i / n)}, ${i % n}) is ${v}; eigenvalues need finite entries`, {
        row: Math.floor(i / n),
        col: i % n,
      });
    }
    maxAbs = Math.max(maxAbs, Math.abs(v));
  }
  const out = new Float64Array(a.length);
  for (let i = 0; i < n; i++) {
    out[i * n + i] = a[i * n + i];
    for (let j = i + 1; j < n; j++) {
      const x = a[i * n + j];
      const y = a[j * n + i];
      maxAsym = Math.max(maxAsym, Math.abs(x - y));
      const m = 0.5 * (x + y);
      out[i * n + j] = m;
      out[j * n + i] = m;
    }
  }
  if (maxAsym > SYMMETRY_TOLERANCE * maxAbs) {
    throw badInput(`symEigh: matrix is not symmetric (max |a_ij − a_ji| = ${maxAsym} against max |a_ij| = ${maxAbs})`, {
      maxAsymmetry: maxAsym,
      maxAbs,
    });
  }
  return out;
}

/**
 * Symmetric eigendecomposition by the system LAPACK's `dsyevd` (divide and conquer; Gu &
 * Eisenstat, SIAM J. Matrix Anal. Appl. 16 (1995) 172–191), called through koffi's C FFI.
 *
 * Why: a 1024×1024 decomposition takes ~0.15 s in OpenBLAS's LAPACK against ~2 s for the best
 * pure-TypeScript QL (issue 3), and the encoding engine needs one per CV fold. The library is
 * optional: `apt-get install libopenblas0` (or liblapack3) provides liblapack.so.3.
 *
 * Fortran ABI (LP64, gfortran): every argument by pointer, matrices column-major, and one hidden
 * `size_t` length per CHARACTER argument appended after the visible ones. A symmetric row-major
 * matrix is its own column-major transpose, so no copy-transpose is needed on input; on output the
 * column-major eigenvector matrix, read row-major, holds eigenvector j in row j.
 */
import koffi from 'koffi';
import { CortexError } from '../../errors/CortexError.js';

/**
 * Library names tried in order; CORTEXQL_LAPACK, when set, is tried first, and
 * CORTEXQL_LAPACK=off disables LAPACK (to exercise the TypeScript fallback).
 */
export const LAPACK_LIBRARY_NAMES: readonly string[] = ['liblapack.so.3', 'libopenblas.so.0', 'liblapack.so', 'libopenblas.so'];

export interface LapackStatus {
  readonly available: boolean;
  /** The library that was loaded, or every name tried with its error. */
  readonly library?: string;
  readonly tried: readonly { readonly name: string; readonly error: string }[];
}

type Dsyevd = (
  jobz: string,
  uplo: string,
  n: Int32Array,
  a: Float64Array,
  lda: Int32Array,
  w: Float64Array,
  work: Float64Array,
  lwork: Int32Array,
  iwork: Int32Array,
  liwork: Int32Array,
  info: Int32Array,
  jobzLength: number,
  uploLength: number,
) => void;

let loaded: { status: LapackStatus; dsyevd?: Dsyevd } | undefined;

function load(): { status: LapackStatus; dsyevd?: Dsyevd } {
  if (loaded !== undefined) return loaded;
  const override = process.env.CORTEXQL_LAPACK;
  if (override === 'off') {
    loaded = { status: { available: false, tried: [{ name: 'off', error: 'disabled by CORTEXQL_LAPACK=off' }] } };
    return loaded;
  }
  const names = override !== undefined && override !== '' ? [override, ...LAPACK_LIBRARY_NAMES] : LAPACK_LIBRARY_NAMES;
  const tried: { name: string; error: string }[] = [];
  for (const name of names) {
    try {
      const lib = koffi.load(name);
      const dsyevd = lib.func(
        'void dsyevd_(const char *jobz, const char *uplo, int *n, double *a, int *lda, double *w, ' +
          'double *work, int *lwork, int *iwork, int *liwork, int *info, size_t jobz_len, size_t uplo_len)',
      ) as unknown as Dsyevd;
      loaded = { status: { available: true, library: name, tried }, dsyevd };
      return loaded;
    } catch (e) {
      tried.push({ name, error: e instanceof Error ? e.message : String(e) });
    }
  }
  loaded = { status: { available: false, tried } };
  return loaded;
}

/** Whether a LAPACK with dsyevd_ could be loaded, and from where (cached after the first call). */
export function lapackStatus(): LapackStatus {
  return load().status;
}

/**
 * Eigen-decomposes the symmetric n×n row-major `a` (upper triangle of the row-major matrix is
 * LAPACK's lower triangle; we pass uplo='L' of the column-major view, i.e. our upper triangle).
 * Returns ascending values and eigenvector rows. `a` is not modified.
 */
export function symEighLapack(a: Float64Array, n: number): { values: Float64Array; vectorRows: Float64Array } {
  return dsyevdCall(a, n, 'V');
}

/** Eigenvalues only (jobz = 'N'), ascending; `a` is not modified. */
export function symEigvalsLapack(a: Float64Array, n: number): Float64Array {
  return dsyevdCall(a, n, 'N').values;
}

function dsyevdCall(a: Float64Array, n: number, jobz: 'V' | 'N'): { values: Float64Array; vectorRows: Float64Array } {
  const { dsyevd, status } = load();
  if (dsyevd === undefined) {
    throw new CortexError('INTERNAL', 'LAPACK is not available on this machine', { tried: status.tried });
  }
  const vectors = Float64Array.from(a);
  const values = new Float64Array(n);
  if (n === 0) return { values, vectorRows: vectors };
  const nArg = Int32Array.of(n);
  const info = new Int32Array(1);
  // Workspace query (lwork = liwork = −1), then the real call.
  const workSize = new Float64Array(1);
  const iworkSize = new Int32Array(1);
  dsyevd(jobz, 'L', nArg, vectors, nArg, values, workSize, Int32Array.of(-1), iworkSize, Int32Array.of(-1), info, 1, 1);
  checkInfo(info[0], n, 'workspace query');
  const lwork = Math.ceil(workSize[0]);
  const liwork = iworkSize[0];
  const work = new Float64Array(lwork);
  const iwork = new Int32Array(liwork);
  dsyevd(jobz, 'L', nArg, vectors, nArg, values, work, Int32Array.of(lwork), iwork, Int32Array.of(liwork), info, 1, 1);
  checkInfo(info[0], n, 'decomposition');
  return { values, vectorRows: vectors };
}

function checkInfo(info: number, n: number, step: string): void {
  if (info === 0) return;
  // info < 0: argument −info was illegal (a bug here); info > 0: the algorithm failed to converge.
  const why = info < 0 ? `argument ${-info} had an illegal value` : `failed to converge (info=${info})`;
  throw new CortexError('INTERNAL', `LAPACK dsyevd ${step}: ${why}`, { n, info });
}

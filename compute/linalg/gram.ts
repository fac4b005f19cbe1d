/**
 * Gram matrices in float64 through the GEMM module: XᵀX (p×p, "feature" Gram) and XXᵀ (n×n,
 * "kernel" Gram), the inputs of the float64 eigendecompositions in ridge and the spectra of the
 * internal-state metrics.
 *
 *   const g = await colGramF64(engine, x, [n, p]);                      // XᵀX, p×p
 *   const gb = await colGramF64(engine, x, [n, p], { rows: [0, 600] }); // X[0:600]ᵀ X[0:600]
 *   const k = await rowGramF64(engine, x, [n, p]);                      // XXᵀ, n×n
 *
 * float64 because these matrices are decomposed: a float32 Gram carries an absolute error of
 * ~1e-7·λmax into every eigenvalue, which dominates the small eigenvalues a weakly regularised
 * ridge inverts. Rows are converted to float64 in panels of bounded size, so a float32 X is never
 * duplicated whole.
 */
import { badInput } from '../../errors/CortexError.js';
import type { GemmEngine } from './gemm.js';

/** Largest float64 panel converted at once (elements; 2²⁴ = 128 MiB). */
const PANEL_ELEMENTS = 2 ** 24;

export interface GramOptions {
  /** Row range [start, end) of X to use (default all rows). */
  readonly rows?: readonly [number, number];
}

function toF64(x: Float32Array | Float64Array, start: number, end: number): Float64Array {
  return x instanceof Float64Array ? x.subarray(start, end) : Float64Array.from(x.subarray(start, end));
}

function checkDims(x: Float32Array | Float64Array, dims: readonly [number, number], where: string): void {
  const [n, p] = dims;
  if (!Number.isInteger(n) || !Number.isInteger(p) || n < 0 || p < 0 || x.length !== n * p) {
    throw badInput(`${where}: matrix has ${x.length} elements, dims [${n}, ${p}] need ${n * p}`, { dims: [n, p], length: x.length });
  }
}

/** XᵀX (p×p float64) over rows [start, end) of the n×p row-major X; X is not modified. */
export async function colGramF64(
  engine: GemmEngine,
  x: Float32Array | Float64Array,
  dims: readonly [number, number],
  options: GramOptions = {},
): Promise<Float64Array> {
  checkDims(x, dims, 'colGramF64');
  const [n, p] = dims;
  const [start, end] = options.rows ?? [0, n];
  if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= n)) {
    throw badInput(`colGramF64: row range [${start}, ${end}) is not inside [0, ${n})`, { rows: [start, end], n });
  }
  const gram = new Float64Array(p * p);
  const panelRows = Math.max(1, Math.floor(PANEL_ELEMENTS / Math.max(p, 1)));
  const part = new Float64Array(p * p);
  for (let r0 = start; r0 < end; r0 += panelRows) {
    const r1 = Math.min(end, r0 + panelRows);
    const panel = toF64(x, r0 * p, r1 * p);
    const rows = r1 - r0;
    if (r0 === start) {
      await engine.matmulF64(panel, [rows, p], panel, [rows, p], { transA: true, out: gram });
    } else {
      await engine.matmulF64(panel, [rows, p], panel, [rows, p], { transA: true, out: part });
      for (let i = 0; i < gram.length; i++) gram[i] += part[i];
    }
  }
  return gram;
}

/** XXᵀ (n×n float64) of the n×p row-major X; X is not modified. */
export async function rowGramF64(engine: GemmEngine, x: Float32Array | Float64Array, dims: readonly [number, number]): Promise<Float64Array> {
  checkDims(x, dims, 'rowGramF64');
  const [n, p] = dims;
  if (n * p <= PANEL_ELEMENTS) {
    const all = toF64(x, 0, n * p);
    return engine.matmulF64(all, [n, p], all, [n, p], { transB: true });
  }
  // Panel pairs (I, J ≥ I): K[I, J] = X_I X_Jᵀ, mirrored into K[J, I].
  const panelRows = Math.max(1, Math.floor(PANEL_ELEMENTS / 2 / Math.max(p, 1)));
  const gram = new Float64Array(n * n);
  for (let i0 = 0; i0 < n; i0 += panelRows) {
    const i1 = Math.min(n, i0 + panelRows);
    const xi = toF64(x, i0 * p, i1 * p);
    for (let j0 = i0; j0 < n; j0 += panelRows) {
      const j1 = Math.min(n, j0 + panelRows);
      const xj = j0 === i0 ? xi : toF64(x, j0 * p, j1 * p);
      const block = await engine.matmulF64(xi, [i1 - i0, p], xj, [j1 - j0, p], { transB: true });
      const w = j1 - j0;
      for (let a = 0; a < i1 - i0; a++) {
        for (let b = 0; b < w; b++) {
          const v = block[a * w + b];
          gram[(i0 + a) * n + j0 + b] = v;
          gram[(j0 + b) * n + i0 + a] = v;
        }
      }
    }
  }
  return gram;
}

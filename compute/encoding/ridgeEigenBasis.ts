/**
 * The eigendecomposition trick behind ridgeCV.ts: one float64 eigendecomposition per training
 * set, after which ridge predictions for every penalty α and every voxel are matrix products.
 *
 * Primal form (n_S ≥ p). With XᵀX = Q Λ Qᵀ, the ridge weights are
 *     W_α = (XᵀX + αI)⁻¹ XᵀY = Q (Λ + αI)⁻¹ Qᵀ XᵀY,
 * so predictions on evaluation rows X_E are  P_α = B · D_α · Z  with
 *     B = X_E Q (n_E × p),  Z = Qᵀ XᵀY (p × V),  D_α = diag(1 / (λ_i + α)).
 * Dual (kernel) form (n_S < p). With K = XXᵀ = U Λ Uᵀ (n_S × n_S), the same weights are
 *     W_α = Xᵀ (XXᵀ + αI)⁻¹ Y = Xᵀ U (Λ + αI)⁻¹ Uᵀ Y          (push-through identity),
 * and P_α = B · D_α · Z with B = X_E Xᵀ U = K_ES U,  Z = Uᵀ Y (n_S × V).
 * Either way Z is one GEMM per voxel batch and each α costs one more (Hastie, Tibshirani &
 * Friedman, ESL 2nd ed., §3.4.1 eq. 3.47; the kernel form is §18.3.5).
 *
 * Cross-validation reuses per-fold pieces: XᵀX and XᵀY over "all folds but f" are sums of
 * per-fold blocks, so the training data are multiplied once per voxel batch, not once per fold.
 *
 * Intercept (scikit-learn's fit_intercept=True): an unpenalised intercept is ridge on X and Y
 * centred by the training set's own means (ESL §3.4.1, eq. 3.41–3.44), predicting
 * (X_E − 1x̄ᵀ)W + 1ȳᵀ. Each CV training set has its own means, so the centring is applied to
 * each decomposition from per-fold column sums: XᵀX − n_S x̄x̄ᵀ (primal), H K H over S (dual),
 * and the evaluation rows are shifted by the same x̄. The Y side (XᵀY − n_S x̄ȳᵀ, Y − ȳ, + ȳ)
 * is ridgeCV.ts's.
 */
import { symEigh } from '../linalg/eigh.js';
import type { EighBackend } from '../linalg/eigh.js';
import type { GemmEngine } from '../linalg/gemm.js';
import { colGramF64, rowGramF64 } from '../linalg/gram.js';
import type { RowBlock } from './cvFolds.js';

export type RidgeForm = 'primal' | 'dual';

/** Voxel-independent precomputations over the training design X (n×p, row-major float32). */
export interface RidgeDesign {
  readonly engine: GemmEngine;
  readonly x: Float32Array;
  readonly n: number;
  readonly p: number;
  readonly folds: readonly RowBlock[];
  readonly form: RidgeForm;
  /** Primal: X_bᵀX_b per fold b (p×p float64). */
  readonly foldGrams: readonly Float64Array[];
  /** Dual: XXᵀ over all training rows (n×n float64). */
  readonly kernel?: Float64Array;
  /** With an intercept: column sums of X per fold (p float64 each); absent: no centring. */
  readonly foldXSums?: readonly Float64Array[];
}

/** One training set S with its evaluation rows E, decomposed. */
export interface RidgeEigenBasis {
  readonly form: RidgeForm;
  /** Size of the eigenbasis: p (primal) or n_S (dual). */
  readonly rank: number;
  /** Eigenvalues of XᵀX or XXᵀ over S, clamped at 0 (rounding can make them slightly negative). */
  readonly lambda: Float64Array;
  /** rank×rank float32: row i is eigenvector i (Qᵀ or Uᵀ). */
  readonly vectorRows: Float32Array;
  /** B (n_E × rank float32): the evaluation rows in the eigenbasis. */
  readonly evalBasis: Float32Array;
  readonly nEval: number;
  /** The training rows S, as ascending blocks of X. */
  readonly trainBlocks: readonly RowBlock[];
  /** With an intercept: the training set's column means x̄ (p), which the basis is centred by. */
  readonly xMean?: Float64Array;
  readonly eighBackend: EighBackend;
}

/**
 * Chooses the form and precomputes the Grams. Primal when every CV training set has at least
 * p rows (eigendecompose p×p), else dual (eigendecompose n_S×n_S, smaller then).
 */
export async function ridgeDesignPrepare(
  engine: GemmEngine,
  x: Float32Array,
  n: number,
  p: number,
  folds: readonly RowBlock[],
  options: { readonly intercept?: boolean } = {},
): Promise<RidgeDesign> {
  const largestFold = Math.max(...folds.map((f) => f.end - f.start));
  const form: RidgeForm = p <= n - largestFold ? 'primal' : 'dual';
  const centring = options.intercept === true ? { foldXSums: folds.map((f) => colSums(x, p, f)) } : {};
  if (form === 'primal') {
    const foldGrams: Float64Array[] = [];
    for (const f of folds) foldGrams.push(await colGramF64(engine, x, [n, p], { rows: [f.start, f.end] }));
    return { engine, x, n, p, folds, form, foldGrams, ...centring };
  }
  return { engine, x, n, p, folds, form, foldGrams: [], kernel: await rowGramF64(engine, x, [n, p]), ...centring };
}

/** Column sums over one block of rows of an n×width row-major matrix (float64). */
export function colSums(m: Float32Array, width: number, rows: RowBlock): Float64Array {
  const out = new Float64Array(width);
  for (let t = rows.start; t < rows.end; t++) {
    const row = t * width;
    for (let j = 0; j < width; j++) out[j] += m[row + j];
  }
  return out;
}

/** Mean over the blocks other than `heldOut` from per-block sums (the training set's x̄ or ȳ). */
export function heldOutMean(sums: readonly Float64Array[], folds: readonly RowBlock[], heldOut: number | undefined): Float64Array {
  const out = new Float64Array(sums[0].length);
  let rows = 0;
  sums.forEach((s, f) => {
    if (f === heldOut) return;
    rows += folds[f].end - folds[f].start;
    for (let j = 0; j < out.length; j++) out[j] += s[j];
  });
  for (let j = 0; j < out.length; j++) out[j] /= rows;
  return out;
}

/** Evaluation rows: a fold of the training design, or separate rows (the test set). */
export type EvalRows = { readonly kind: 'fold'; readonly fold: number } | { readonly kind: 'rows'; readonly x: Float32Array; readonly n: number };

/**
 * Decomposes the training set "all folds except `heldOut`" (or all folds when heldOut is
 * undefined) and projects the evaluation rows onto the eigenbasis.
 */
export async function ridgeEigenBasisBuild(
  design: RidgeDesign,
  heldOut: number | undefined,
  evalRows: EvalRows,
  eighBackend: EighBackend | 'auto' = 'auto',
): Promise<RidgeEigenBasis> {
  const { engine, x, p, folds } = design;
  const trainBlocks = mergeBlocks(folds.filter((_, i) => i !== heldOut));
  const nS = trainBlocks.reduce((a, b) => a + b.end - b.start, 0);
  const xEval = evalRows.kind === 'fold' ? x.subarray(folds[evalRows.fold].start * p, folds[evalRows.fold].end * p) : evalRows.x;
  const nEval = evalRows.kind === 'fold' ? folds[evalRows.fold].end - folds[evalRows.fold].start : evalRows.n;
  const xMean = design.foldXSums === undefined ? undefined : heldOutMean(design.foldXSums, folds, heldOut);
  const centring = xMean === undefined ? {} : { xMean };

  if (design.form === 'primal') {
    const gram = new Float64Array(p * p);
    design.foldGrams.forEach((g, i) => {
      if (i === heldOut) return;
      for (let j = 0; j < gram.length; j++) gram[j] += g[j];
    });
    if (xMean !== undefined) for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) gram[i * p + j] -= nS * xMean[i] * xMean[j];
    const eig = symEigh(gram, p, { backend: eighBackend });
    const vectorRows = Float32Array.from(eig.vectorRows);
    // B = X_E Q = X_E (Qᵀ)ᵀ; centred: (X_E − 1x̄ᵀ)Q = B − 1(Qᵀx̄)ᵀ.
    const evalBasis = await engine.matmul(xEval, [nEval, p], vectorRows, [p, p], { transB: true });
    if (xMean !== undefined) rowsSubtract(evalBasis, nEval, p, matVec(eig.vectorRows, p, p, xMean));
    return { form: 'primal', rank: p, lambda: clampNonNegative(eig.values), vectorRows, evalBasis, nEval, trainBlocks, ...centring, eighBackend: eig.backend };
  }

  const kernel = design.kernel as Float64Array;
  const n = design.n;
  const trainRows = blockRows(trainBlocks);
  const kss = new Float64Array(nS * nS);
  for (let a = 0; a < nS; a++) {
    const src = trainRows[a] * n;
    for (let b = 0; b < nS; b++) kss[a * nS + b] = kernel[src + trainRows[b]];
  }
  const trainRowMeans = xMean === undefined ? undefined : kernelCentre(kss, nS, nS, undefined);
  const eig = symEigh(kss, nS, { backend: eighBackend });
  const vectorRows = Float32Array.from(eig.vectorRows);
  // K_ES: kernel rows of the held-out fold, or X_test X_Sᵀ for separate rows.
  let kes: Float32Array;
  if (evalRows.kind === 'fold') {
    const { start } = folds[evalRows.fold];
    kes = new Float32Array(nEval * nS);
    for (let a = 0; a < nEval; a++) for (let b = 0; b < nS; b++) kes[a * nS + b] = kernel[(start + a) * n + trainRows[b]];
  } else {
    kes = await engine.matmul(xEval, [nEval, p], blockRowsGather(x, p, trainBlocks), [nS, p], { transB: true });
  }
  if (trainRowMeans !== undefined) kernelCentre(kes, nEval, nS, trainRowMeans);
  const evalBasis = await engine.matmul(kes, [nEval, nS], vectorRows, [nS, nS], { transB: true });
  return { form: 'dual', rank: nS, lambda: clampNonNegative(eig.values), vectorRows, evalBasis, nEval, trainBlocks, ...centring, eighBackend: eig.backend };
}

/**
 * Centres a kernel block K[a, b] = x_a·x_b (rows a, training columns b) in place to
 * (x_a − x̄)·(x_b − x̄) = K[a, b] − m_a − m_b + c, with m_a = mean_b K[a, b] (= x_a·x̄) and
 * c = x̄·x̄. For the training block itself (`trainRowMeans` undefined) m_b = m_a's and c is their
 * mean; it returns those m (what the evaluation blocks need). Schölkopf, Smola & Müller 1998, eq. 49.
 */
function kernelCentre(k: Float64Array | Float32Array, rows: number, cols: number, trainRowMeans: Float64Array | undefined): Float64Array {
  const rowMeans = new Float64Array(rows);
  for (let a = 0; a < rows; a++) {
    let s = 0;
    for (let b = 0; b < cols; b++) s += k[a * cols + b];
    rowMeans[a] = s / cols;
  }
  const colMeans = trainRowMeans ?? rowMeans;
  let c = 0;
  for (let b = 0; b < cols; b++) c += colMeans[b];
  c /= cols;
  for (let a = 0; a < rows; a++) for (let b = 0; b < cols; b++) k[a * cols + b] += c - rowMeans[a] - colMeans[b];
  return rowMeans;
}

/** m (rows×cols, row-major) · v. */
function matVec(m: Float64Array, rows: number, cols: number, v: Float64Array): Float64Array {
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0; j < cols; j++) s += m[i * cols + j] * v[j];
    out[i] = s;
  }
  return out;
}

/** m[t, j] −= v[j] for every row t (in place). */
export function rowsSubtract(m: Float32Array, rows: number, cols: number, v: Float64Array): void {
  for (let t = 0; t < rows; t++) for (let j = 0; j < cols; j++) m[t * cols + j] -= v[j];
}

/** Rows of `m` (row-major, `width` columns) that lie in `blocks`, stacked; a view when one block. */
export function blockRowsGather(m: Float32Array, width: number, blocks: readonly RowBlock[], out?: Float32Array): Float32Array {
  if (blocks.length === 1 && out === undefined) return m.subarray(blocks[0].start * width, blocks[0].end * width);
  const rows = blocks.reduce((a, b) => a + b.end - b.start, 0);
  const dst = out ?? new Float32Array(rows * width);
  let at = 0;
  for (const b of blocks) {
    dst.set(m.subarray(b.start * width, b.end * width), at);
    at += (b.end - b.start) * width;
  }
  return dst;
}

/** Adjacent blocks merged, so "all but fold f" is at most two contiguous ranges. */
function mergeBlocks(blocks: readonly RowBlock[]): RowBlock[] {
  const merged: RowBlock[] = [];
  for (const b of blocks) {
    const last = merged[merged.length - 1];
    if (last !== undefined && last.end === b.start) merged[merged.length - 1] = { start: last.start, end: b.end };
    else merged.push(b);
  }
  return merged;
}

function blockRows(blocks: readonly RowBlock[]): Int32Array {
  const rows: number[] = [];
  for (const b of blocks) for (let r = b.start; r < b.end; r++) rows.push(r);
  return Int32Array.from(rows);
}

function clampNonNegative(values: Float64Array): Float64Array {
  return values.map((v) => (v > 0 ? v : 0));
}

/**
 * Linear centred kernel alignment between two representations of the same tokens
 * (Kornblith, Norouzi, Lee & Hinton 2019, "Similarity of Neural Network Representations
 * Revisited", ICML, eq. 6 with linear kernels):
 *
 *     CKA(X, Y) = ‖YᵀX‖²_F / (‖XᵀX‖_F · ‖YᵀY‖_F),   X, Y column-centred, same rows.
 *
 *   const cka = await rowsLinearCKA(engine, layerAtStepT, [tokens, w1], layerAtStepT1, [tokens, w2]);
 *
 * Invariant to orthogonal transforms and isotropic scaling of either side (not to arbitrary
 * invertible maps), which is why it compares checkpoints whose bases drift.
 *
 * Two equal ways to evaluate it, chosen by cost: in feature space (XᵀX, YᵀY, YᵀX; ~n(w1+w2)²
 * FLOPs) or in sample space, ‖YᵀX‖²_F = ⟨XXᵀ, YYᵀ⟩_F etc. (~n²(w1+w2) FLOPs). Products are float64
 * on the GEMM module: CKA is a ratio of fourth-order sums, where float32 would cost digits.
 */
import { badInput, degenerate } from '../../errors/CortexError.js';
import type { GemmEngine } from '../linalg/gemm.js';
import { colGramF64, rowGramF64 } from '../linalg/gram.js';
import { checkStates, colCentered } from './spectrum.js';

export async function rowsLinearCKA(
  engine: GemmEngine,
  x: Float32Array | Float64Array,
  xDims: readonly [number, number],
  y: Float32Array | Float64Array,
  yDims: readonly [number, number],
): Promise<number> {
  checkStates(x, xDims, 'rowsLinearCKA (first matrix)');
  checkStates(y, yDims, 'rowsLinearCKA (second matrix)');
  const [n, w1] = xDims;
  const [ny, w2] = yDims;
  if (n !== ny) throw badInput(`linear CKA compares the same tokens: the matrices have ${n} and ${ny} rows`, { rows: [n, ny] });
  const xc = colCentered(x, n, w1);
  const yc = colCentered(y, n, w2);
  let cross2: number;
  let xx: number;
  let yy: number;
  if (w1 + w2 <= n) {
    const yx = await engine.matmulF64(yc, [n, w2], xc, [n, w1], { transA: true });
    cross2 = sumSquares(yx);
    xx = Math.sqrt(sumSquares(await colGramF64(engine, xc, [n, w1])));
    yy = Math.sqrt(sumSquares(await colGramF64(engine, yc, [n, w2])));
  } else {
    const k = await rowGramF64(engine, xc, [n, w1]);
    const l = await rowGramF64(engine, yc, [n, w2]);
    cross2 = 0;
    for (let i = 0; i < k.length; i++) cross2 += k[i] * l[i];
    xx = Math.sqrt(sumSquares(k));
    yy = Math.sqrt(sumSquares(l));
  }
  if (!(xx > 0) || !(yy > 0)) {
    throw degenerate('linear CKA is undefined when a representation is constant across tokens', { constantFirst: !(xx > 0), constantSecond: !(yy > 0) });
  }
  return cross2 / (xx * yy);
}

function sumSquares(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return s;
}

/**
 * Block-permutation significance of voxel-wise test correlations, and Benjamini–Hochberg FDR.
 *
 *   const perms = blockPermutations(Math.floor(nTest / 10), 1000, 7);
 *   const p = colBlockPermutationPValues(predicted, measured, [nTest, V], perms, 10);
 *   const q = bhAdjust(p);                 // q-values; significant where q ≤ 0.05
 *
 * Why blocks: BOLD is autocorrelated over ~10 s, so permuting single TRs destroys that structure
 * in the null and makes every smooth prediction look significant. Huth et al. (2016, methods)
 * permute blocks of 10 TRs of the prediction against the response; each voxel's p-value is the
 * share of permuted r at least as large as the observed one, (1 + #{r_π ≥ r}) / (1 + P)
 * (Phipson & Smyth 2010, so p is never 0). The same permutations serve every voxel.
 *
 * Cost: permuting whole blocks leaves every column's mean and variance unchanged, so only the
 * centred cross-product varies: with C[b′, b, v] = Σᵢ p̃[b′L+i, v]·ỹ[bL+i, v] precomputed
 * (nBlocks·n multiply-adds per voxel), each permutation costs nBlocks additions per voxel:
 *     r_π(v) = (Σ_b C[π(b), b, v] + tail(v)) / √(Σp̃²·Σỹ²).
 * Rows after the last whole block stay in place (their products form `tail`).
 */
import { badInput } from '../../errors/CortexError.js';
import { createRng, randInt } from '../random.js';
import { colPearsonSums, pearsonFromSums } from './pearson.js';

/** `count` permutations of [0, nBlocks), Fisher–Yates from a seeded generator; nBlocks·count Int32. */
export function blockPermutations(nBlocks: number, count: number, seed: number): Int32Array {
  if (!Number.isInteger(nBlocks) || nBlocks < 2) throw badInput(`a block permutation test needs at least 2 blocks, got ${nBlocks}`, { blocks: nBlocks });
  if (!Number.isInteger(count) || count < 1) throw badInput(`permutation count must be a positive integer, got ${count}`, { permutations: count });
  const rng = createRng(seed);
  const out = new Int32Array(nBlocks * count);
  for (let k = 0; k < count; k++) {
    const perm = out.subarray(k * nBlocks, (k + 1) * nBlocks);
    for (let i = 0; i < nBlocks; i++) perm[i] = i;
    for (let i = nBlocks - 1; i > 0; i--) {
      const j = randInt(rng, i + 1);
      const t = perm[i];
      perm[i] = perm[j];
      perm[j] = t;
    }
  }
  return out;
}

/** Voxels whose permutation sums run side by side (independent chains share each index load). */
const GROUP = 4;

/**
 * One-sided (r > 0) block-permutation p-value per column; null where r itself is undefined
 * (constant or non-finite column, see pearson.ts).
 *
 * Layout (why it is fast): per voxel, its nBlocks² cross-products are contiguous (a few KB, in L1),
 * the permutations are turned once into offsets π(b)·nBlocks + b into them, and four voxels are
 * summed together, so each offset is loaded once for four independent additions. Every sum runs
 * in the same order as the definition (products over i, then tail + Σ_b in b order), so the
 * p-values are those of the plain loop, bit for bit (test/compute/encoding/significance.test.ts
 * checks them against permuting the predictions and recomputing r).
 */
export function colBlockPermutationPValues(
  predicted: Float32Array,
  measured: Float32Array,
  dims: readonly [number, number],
  permutations: Int32Array,
  blockLength: number,
): (number | null)[] {
  const [n, cols] = dims;
  if (predicted.length !== n * cols || measured.length !== n * cols) {
    throw badInput(`block permutation test: expected two ${n}×${cols} matrices, got ${predicted.length} and ${measured.length} elements`, { dims: [n, cols] });
  }
  const nBlocks = Math.floor(n / blockLength);
  if (!Number.isInteger(blockLength) || blockLength < 1 || nBlocks < 2 || permutations.length % nBlocks !== 0) {
    throw badInput(`block permutation test: ${n} rows in blocks of ${blockLength} give ${nBlocks} blocks, which the permutations (length ${permutations.length}) must match`, {
      rows: n,
      blockLength,
      permutationsLength: permutations.length,
    });
  }
  const nPerm = permutations.length / nBlocks;
  const area = nBlocks * nBlocks;
  const offsets = new Int32Array(permutations.length);
  for (let k = 0; k < nPerm; k++) for (let b = 0; b < nBlocks; b++) offsets[k * nBlocks + b] = permutations[k * nBlocks + b] * nBlocks + b;
  const sums = colPearsonSums(predicted, measured, n, cols);
  const out: (number | null)[] = new Array<number | null>(cols).fill(null);
  const pc = new Float64Array(n);
  const yc = new Float64Array(n);
  // GROUP voxels' cross-products C[b′·nBlocks + b], their tails, 1/√(Σp̃²·Σỹ²) and thresholds.
  const cross = new Float64Array(GROUP * area);
  const tail = new Float64Array(GROUP);
  const scale = new Float64Array(GROUP);
  const threshold = new Float64Array(GROUP);
  for (let c0 = 0; c0 < cols; c0 += GROUP) {
    for (let g = 0; g < GROUP; g++) {
      const c = c0 + g;
      const r = c < cols ? pearsonFromSums(sums, c, n) : null;
      if (typeof r !== 'number') {
        // No voxel here, or r undefined: a group slot that is summed and never counted.
        cross.fill(0, g * area, (g + 1) * area);
        tail[g] = 0;
        scale[g] = 0;
        threshold[g] = Infinity;
        continue;
      }
      let meanP = 0;
      let meanY = 0;
      for (let t = 0; t < n; t++) {
        meanP += predicted[t * cols + c];
        meanY += measured[t * cols + c];
      }
      meanP /= n;
      meanY /= n;
      for (let t = 0; t < n; t++) {
        pc[t] = predicted[t * cols + c] - meanP;
        yc[t] = measured[t * cols + c] - meanY;
      }
      for (let bp = 0; bp < nBlocks; bp++) {
        for (let b = 0; b < nBlocks; b++) {
          let sum = 0;
          for (let i = 0; i < blockLength; i++) sum += pc[bp * blockLength + i] * yc[b * blockLength + i];
          cross[g * area + bp * nBlocks + b] = sum;
        }
      }
      let rest = 0;
      for (let t = nBlocks * blockLength; t < n; t++) rest += pc[t] * yc[t];
      tail[g] = rest;
      scale[g] = 1 / Math.sqrt(sums.spp[c] * sums.smm[c]);
      // A relative 1e-12 slack so that the identity permutation counts as "at least as large".
      threshold[g] = r - 1e-12 * Math.abs(r);
    }
    let e0 = 0;
    let e1 = 0;
    let e2 = 0;
    let e3 = 0;
    for (let k = 0, o = 0; k < nPerm; k++) {
      let a0 = tail[0];
      let a1 = tail[1];
      let a2 = tail[2];
      let a3 = tail[3];
      for (let b = 0; b < nBlocks; b++, o++) {
        const x = offsets[o];
        a0 += cross[x];
        a1 += cross[area + x];
        a2 += cross[2 * area + x];
        a3 += cross[3 * area + x];
      }
      if (a0 * scale[0] >= threshold[0]) e0++;
      if (a1 * scale[1] >= threshold[1]) e1++;
      if (a2 * scale[2] >= threshold[2]) e2++;
      if (a3 * scale[3] >= threshold[3]) e3++;
    }
    const exceed = [e0, e1, e2, e3];
    for (let g = 0; g < GROUP && c0 + g < cols; g++) if (threshold[g] !== Infinity) out[c0 + g] = (1 + exceed[g]) / (1 + nPerm);
  }
  return out;
}

/**
 * Benjamini–Hochberg adjusted p-values (q-values; Benjamini & Hochberg 1995, step-up):
 * q₍ᵢ₎ = min_{j ≥ i} p₍ⱼ₎·m/j over the m non-null p-values; nulls stay null. A voxel is
 * significant at FDR level α when q ≤ α.
 */
export function bhAdjust(pValues: readonly (number | null)[]): (number | null)[] {
  const order = pValues
    .map((p, i) => ({ p, i }))
    .filter((e): e is { p: number; i: number } => e.p !== null)
    .sort((a, b) => a.p - b.p);
  const m = order.length;
  const q: (number | null)[] = new Array<number | null>(pValues.length).fill(null);
  let running = 1;
  for (let k = m - 1; k >= 0; k--) {
    running = Math.min(running, (order[k].p * m) / (k + 1));
    q[order[k].i] = running;
  }
  return q;
}

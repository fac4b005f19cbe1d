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
 * (nBlocks·n·V multiply-adds), each permutation costs nBlocks additions per voxel:
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

/** Voxels per chunk of the block cross-product tensor (bounds it to nBlocks²·VOXEL_CHUNK doubles). */
const VOXEL_CHUNK = 512;

/**
 * One-sided (r > 0) block-permutation p-value per column; null where r itself is undefined
 * (constant or non-finite column, see pearson.ts).
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
  const sums = colPearsonSums(predicted, measured, n, cols);
  const out: (number | null)[] = new Array<number | null>(cols).fill(null);
  for (let c0 = 0; c0 < cols; c0 += VOXEL_CHUNK) {
    const w = Math.min(VOXEL_CHUNK, cols - c0);
    // Centred chunk columns (float64).
    const pc = new Float64Array(n * w);
    const yc = new Float64Array(n * w);
    const meanP = new Float64Array(w);
    const meanY = new Float64Array(w);
    for (let t = 0; t < n; t++) {
      for (let j = 0; j < w; j++) {
        meanP[j] += predicted[t * cols + c0 + j];
        meanY[j] += measured[t * cols + c0 + j];
      }
    }
    for (let j = 0; j < w; j++) {
      meanP[j] /= n;
      meanY[j] /= n;
    }
    for (let t = 0; t < n; t++) {
      for (let j = 0; j < w; j++) {
        pc[t * w + j] = predicted[t * cols + c0 + j] - meanP[j];
        yc[t * w + j] = measured[t * cols + c0 + j] - meanY[j];
      }
    }
    // C[(b′·nBlocks + b)·w + j] and the in-place tail.
    const cross = new Float64Array(nBlocks * nBlocks * w);
    for (let bp = 0; bp < nBlocks; bp++) {
      for (let b = 0; b < nBlocks; b++) {
        const base = (bp * nBlocks + b) * w;
        for (let i = 0; i < blockLength; i++) {
          const rp = (bp * blockLength + i) * w;
          const ry = (b * blockLength + i) * w;
          for (let j = 0; j < w; j++) cross[base + j] += pc[rp + j] * yc[ry + j];
        }
      }
    }
    const tail = new Float64Array(w);
    for (let t = nBlocks * blockLength; t < n; t++) for (let j = 0; j < w; j++) tail[j] += pc[t * w + j] * yc[t * w + j];

    const observed = new Float64Array(w);
    const scale = new Float64Array(w);
    const defined = new Uint8Array(w);
    for (let j = 0; j < w; j++) {
      const r = pearsonFromSums(sums, c0 + j, n);
      if (typeof r !== 'number') continue;
      defined[j] = 1;
      observed[j] = r;
      scale[j] = 1 / Math.sqrt(sums.spp[c0 + j] * sums.smm[c0 + j]);
    }
    const exceed = new Int32Array(w);
    const acc = new Float64Array(w);
    for (let k = 0; k < nPerm; k++) {
      acc.set(tail);
      for (let b = 0; b < nBlocks; b++) {
        const base = (permutations[k * nBlocks + b] * nBlocks + b) * w;
        for (let j = 0; j < w; j++) acc[j] += cross[base + j];
      }
      // A relative 1e-12 slack so that the identity permutation counts as "at least as large".
      for (let j = 0; j < w; j++) if (acc[j] * scale[j] >= observed[j] - 1e-12 * Math.abs(observed[j])) exceed[j]++;
    }
    for (let j = 0; j < w; j++) if (defined[j] === 1) out[c0 + j] = (1 + exceed[j]) / (1 + nPerm);
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

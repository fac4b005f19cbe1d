/**
 * Small seeded pseudo-random generators, so every stochastic result in cortexql (bootstrap
 * intervals, permutation tests, the synthetic study, tests) is reproducible from a seed.
 *
 * `createRng` is mulberry32 (Tommy Ettinger, 2017, public domain): 32-bit state, period 2^32,
 * passes gjrand/PractRand up to a few GB. That is ample for bootstraps of a few thousand
 * replicates; it is NOT cryptographic and its period is too short for >10^9 draws per stream.
 * The seed is first passed through the murmur3 32-bit finaliser so that nearby seeds (1, 2, 3…)
 * start decorrelated streams.
 */
import { badInput } from '../errors/CortexError.js';

/** A uniform generator on [0, 1). */
export type Rng = () => number;

/** murmur3 `fmix32` (Appleby, MurmurHash3): an invertible avalanche of 32-bit integers. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * A seeded uniform generator on [0, 1) with 32 bits of resolution.
 * Any finite number is accepted as a seed; it is truncated to an integer and reduced modulo 2^32.
 *
 * @example
 * const rng = createRng(42);
 * rng(); // same value on every run and platform
 */
export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed)) throw badInput(`seed must be a finite number, got ${seed}`, { seed });
  // Reduce modulo 2^32 without losing the high bits of seeds above 2^32.
  const lo = Math.trunc(seed) % 4294967296;
  let a = fmix32((lo >>> 0) ^ fmix32(Math.floor(Math.abs(seed) / 4294967296) >>> 0));
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A uniform integer in [0, n) drawn from `rng` (n ≤ 2^32; the modulo bias is below 2^-32·n). */
export function randInt(rng: Rng, n: number): number {
  return Math.floor(rng() * n);
}

/**
 * A standard normal sampler driven by `rng`: Marsaglia's polar method (Marsaglia & Bray 1964),
 * which draws pairs and caches the second value. Deterministic given the rng's state.
 */
export function createNormal(rng: Rng): () => number {
  let spare = 0;
  let hasSpare = false;
  return () => {
    if (hasSpare) {
      hasSpare = false;
      return spare;
    }
    let u = 0;
    let v = 0;
    let s = 0;
    do {
      u = 2 * rng() - 1;
      v = 2 * rng() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    spare = v * f;
    hasSpare = true;
    return u * f;
  };
}

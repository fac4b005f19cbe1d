import { describe, it, expect } from 'vitest';
import { createNormal, createRng, randInt } from '../../compute/random.js';
import { thrown } from './phases/synthetic.js';

describe('createRng (mulberry32)', () => {
  it('is deterministic per seed, in [0, 1), and differs between nearby seeds', () => {
    const a = createRng(1);
    const b = createRng(1);
    const c = createRng(2);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(xs.slice(0, 5)).not.toEqual(Array.from({ length: 5 }, () => c()));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.03); // SD of the mean ≈ 0.009
  });

  it('draws integers in range and standard normals with mean 0, variance 1', () => {
    const rng = createRng(3);
    const ints = Array.from({ length: 1000 }, () => randInt(rng, 7));
    expect(new Set(ints)).toEqual(new Set([0, 1, 2, 3, 4, 5, 6]));
    const normal = createNormal(createRng(4));
    const zs = Array.from({ length: 20000 }, normal);
    const mean = zs.reduce((s, v) => s + v, 0) / zs.length;
    const variance = zs.reduce((s, v) => s + (v - mean) ** 2, 0) / (zs.length - 1);
    expect(Math.abs(mean)).toBeLessThan(0.03); // SD of the mean ≈ 0.007
    expect(Math.abs(variance - 1)).toBeLessThan(0.05); // SD of the variance ≈ 0.01
  });

  it('rejects a non-finite seed', () => {
    expect(thrown(() => createRng(NaN))).toEqual({ code: 'BAD_USER_INPUT', message: 'seed must be a finite number, got NaN', details: { seed: NaN } });
  });
});

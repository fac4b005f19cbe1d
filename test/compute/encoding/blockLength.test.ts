import { describe, expect, it } from 'vitest';
import { blockLengthFromAutocorrelation } from '../../../compute/encoding/blockLength.js';
import { createNormal, createRng } from '../../../compute/random.js';

/** Runs of AR(1) noise y_t = φ·y_{t−1} + e_t per column, each run started afresh. */
function ar1(phi: number, runLengths: readonly number[], cols: number, seed: number): Float32Array {
  const normal = createNormal(createRng(seed));
  const n = runLengths.reduce((a, b) => a + b, 0);
  const y = new Float32Array(n * cols);
  let start = 0;
  for (const len of runLengths) {
    for (let j = 0; j < cols; j++) {
      let prev = normal() / Math.sqrt(1 - phi * phi);
      for (let t = 0; t < len; t++) {
        prev = t === 0 ? prev : phi * prev + normal();
        y[(start + t) * cols + j] = prev;
      }
    }
    start += len;
  }
  return y;
}

describe('blockLengthFromAutocorrelation', () => {
  it('finds the 1/e lag of AR(1) responses (⌈−1/ln φ⌉) and takes 3 times it', () => {
    // φ = 0.8: 0.8⁴ = 0.41, 0.8⁵ = 0.33 < 1/e → L = 5, block 15; φ = 0.5: 0.5 > 1/e, 0.25 < 1/e → L = 2, block 6.
    for (const [phi, lag] of [[0.8, 5], [0.5, 2]] as const) {
      const choice = blockLengthFromAutocorrelation(ar1(phi, [400, 400], 200, 7), [800, 200], [400, 400]);
      expect(choice.decorrelationLag).toBe(lag);
      expect(choice.blockTrs).toBe(3 * lag);
      expect(choice.autocorrelation[0]).toBeCloseTo(phi, 1);
    }
  });

  it('keeps at least 2 TRs for white noise and at least 10 blocks for strongly autocorrelated responses', () => {
    expect(blockLengthFromAutocorrelation(ar1(0, [300], 100, 3), [300, 100], [300]).blockTrs).toBe(3);
    expect(blockLengthFromAutocorrelation(ar1(0.95, [120], 100, 4), [120, 100], [120]).blockTrs).toBe(12);
    expect(blockLengthFromAutocorrelation(ar1(0.95, [12], 3, 4), [12, 3], [12]).blockTrs).toBe(1);
  });

  it('never pairs TRs across a run boundary', () => {
    // Two runs, each a constant step (+1 then −1 around its own mean: zero within-run autocorrelation
    // beyond what alternation gives); stacked they would look like one slow square wave.
    const runs = [100, 100];
    const y = new Float32Array(200);
    for (let t = 0; t < 200; t++) y[t] = (t % 2 === 0 ? 1 : -1) + (t < 100 ? 10 : -10);
    const choice = blockLengthFromAutocorrelation(y, [200, 1], runs);
    expect(choice.autocorrelation[0]).toBeCloseTo(-0.99, 2);
    expect(choice.blockTrs).toBe(3);
  });
});

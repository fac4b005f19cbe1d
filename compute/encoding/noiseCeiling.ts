/**
 * Noise ceiling of each voxel from repeated presentations of the test stimulus: the largest
 * correlation any model could reach with the repeat-averaged response, given its trial-to-trial
 * noise (Sahani & Linden 2003, "How linear are auditory cortical responses?", NIPS 15;
 * Schoppe, Harper, Willmore, King & Schnupp 2016, Front. Comput. Neurosci. 10:10, eq. 4–9).
 *
 *   const { ccMax } = colNoiseCeiling([rep1, rep2, rep3], [nTest, V]);
 *   const normalised = ccNormalize(r, ccMax);   // r / CC_max, Schoppe et al.'s CC_norm
 *
 * With R repeats y₁…y_R of one voxel (n TRs each) and ȳ their mean:
 *   signal power  SP = (Var(Σᵣ yᵣ) − Σᵣ Var(yᵣ)) / (R(R − 1))
 *   total power   TP = Var(ȳ)
 *   CC_max = √(SP / TP)   (≤ 1 always, since Var(Σ yᵣ) ≤ R·Σ Var(yᵣ)).
 * SP ≤ 0 means the repeats share no measurable signal: the ceiling is then null, not 0 — a
 * normalised score would divide by it.
 */
import { badInput } from '../../errors/CortexError.js';
import { colMeanAndCentredSS } from './features.js';

export type CeilingNullReason = 'NO_REPEATABLE_SIGNAL' | 'CONSTANT_MEASURED';

export interface ColNoiseCeiling {
  readonly ccMax: (number | null)[];
  readonly nullReasons: { readonly column: number; readonly reason: CeilingNullReason; readonly message: string }[];
}

const MESSAGES: Readonly<Record<CeilingNullReason, string>> = {
  NO_REPEATABLE_SIGNAL: 'the repeated presentations share no signal (signal power ≤ 0)',
  CONSTANT_MEASURED: 'the repeat-averaged response has zero variance',
};

export function colNoiseCeiling(repeats: readonly (Float32Array | Float64Array)[], dims: readonly [number, number]): ColNoiseCeiling {
  const [n, cols] = dims;
  const r = repeats.length;
  const problems: string[] = [];
  if (r < 2) problems.push(`a noise ceiling needs at least 2 repeated presentations, got ${r}`);
  repeats.forEach((y, i) => {
    if (y.length !== n * cols) problems.push(`repeat ${i} has ${y.length} elements, expected ${n}×${cols} = ${n * cols}`);
  });
  if (n < 2) problems.push(`a variance needs at least 2 TRs, got ${n}`);
  if (problems.length > 0) throw badInput(`colNoiseCeiling: ${problems.join('; ')}`, { problems });

  // Per column: Σᵣ Var(yᵣ) and Var(Σᵣ yᵣ), population variances, two-pass in float64.
  const sumOfVars = new Float64Array(cols);
  const total = new Float64Array(n * cols);
  for (const y of repeats) {
    const { ss } = colMeanAndCentredSS(y, cols, 0, n);
    for (let c = 0; c < cols; c++) sumOfVars[c] += ss[c] / n;
    for (let i = 0; i < total.length; i++) total[i] += y[i];
  }
  const varOfSum = colMeanAndCentredSS(total, cols, 0, n).ss.map((v) => v / n);

  return ceilingFromPowers(sumOfVars, varOfSum, r);
}

/** CC_max per column from Σᵣ Var(yᵣ) and Var(Σᵣ yᵣ) (population variances) of R repeats. */
function ceilingFromPowers(sumOfVars: Float64Array, varOfSum: Float64Array, r: number): ColNoiseCeiling {
  const cols = sumOfVars.length;
  const ccMax: (number | null)[] = new Array<number | null>(cols);
  const nullReasons: ColNoiseCeiling['nullReasons'] = [];
  for (let c = 0; c < cols; c++) {
    const tp = varOfSum[c] / (r * r);
    const sp = (varOfSum[c] - sumOfVars[c]) / (r * (r - 1));
    const reason: CeilingNullReason | null = !(tp > 0) ? 'CONSTANT_MEASURED' : !(sp > 0) ? 'NO_REPEATABLE_SIGNAL' : null;
    if (reason !== null) {
      ccMax[c] = null;
      nullReasons.push({ column: c, reason, message: MESSAGES[reason] });
    } else {
      ccMax[c] = Math.min(1, Math.sqrt(sp / tp));
    }
  }
  return { ccMax, nullReasons };
}

/** CC_norm = r / CC_max per voxel; null where either is null. */
export function ccNormalize(r: readonly (number | null)[], ccMax: readonly (number | null)[]): (number | null)[] {
  if (r.length !== ccMax.length) throw badInput(`ccNormalize: ${r.length} correlations for ${ccMax.length} ceilings`, { r: r.length, ceilings: ccMax.length });
  return r.map((x, i) => {
    const c = ccMax[i];
    return x === null || c === null ? null : x / c;
  });
}

/** The repeated presentations of one test run: each nTrs × nVoxels, row-major. */
export interface RepeatedRun {
  readonly runId: string;
  readonly presentations: readonly Float32Array[];
}

export type TestRunCeiling =
  | {
      readonly available: true;
      /** CC_max per voxel; NaN where the repeats share no signal (stored as NULL). */
      readonly ccMax: Float32Array;
      /** Presentations used per run (the smallest count among the repeated test runs). */
      readonly repeats: number;
      readonly runs: readonly string[];
      readonly nTrs: number;
    }
  | { readonly available: false; readonly reason: string };

/**
 * Per-voxel CC_max of a subject from its test runs' repeated presentations (the estimator above, streamed).
 * Test runs presented only once are left out; of the repeated ones the first R presentations are
 * used, R the smallest count among them (the estimator needs the same R for every TR). Each
 * presentation is centred per run before the runs are concatenated, as the encoding model's test
 * responses are z-scored per run: a ceiling must not credit differences between run means.
 */
export function testRunCeiling(runs: readonly RepeatedRun[], nVoxels: number): TestRunCeiling {
  const repeated = runs.filter((r) => r.presentations.length >= 2);
  if (repeated.length === 0) {
    return { available: false, reason: 'no test run has repeated presentations (one response per test run), so the noise ceiling cannot be estimated' };
  }
  const repeats = Math.min(...repeated.map((r) => r.presentations.length));
  // One streaming pass per run over row-major rows (no copies): with every presentation centred
  // per run, the concatenation has mean 0, so its variances are sums of squares / N.
  const sumOfSquares = new Float64Array(nVoxels); // Σᵣ Σₜ (yᵣ − mᵣ)²
  const squaresOfSum = new Float64Array(nVoxels); // Σₜ (Σᵣ (yᵣ − mᵣ))²
  const rowSum = new Float64Array(nVoxels);
  let nTrs = 0;
  for (const run of repeated) {
    const n = run.presentations[0].length / nVoxels;
    const used = run.presentations.slice(0, repeats);
    const means = used.map((y) => {
      const m = new Float64Array(nVoxels);
      for (let t = 0; t < n; t++) for (let v = 0, o = t * nVoxels; v < nVoxels; v++) m[v] += y[o + v];
      for (let v = 0; v < nVoxels; v++) m[v] /= n;
      return m;
    });
    for (let t = 0; t < n; t++) {
      rowSum.fill(0);
      const o = t * nVoxels;
      for (let p = 0; p < repeats; p++) {
        const y = used[p];
        const m = means[p];
        for (let v = 0; v < nVoxels; v++) {
          const d = y[o + v] - m[v];
          sumOfSquares[v] += d * d;
          rowSum[v] += d;
        }
      }
      for (let v = 0; v < nVoxels; v++) squaresOfSum[v] += rowSum[v] * rowSum[v];
    }
    nTrs += n;
  }
  for (let v = 0; v < nVoxels; v++) {
    sumOfSquares[v] /= nTrs;
    squaresOfSum[v] /= nTrs;
  }
  const { ccMax } = ceilingFromPowers(sumOfSquares, squaresOfSum, repeats);
  return { available: true, ccMax: Float32Array.from(ccMax, (c) => c ?? NaN), repeats, runs: repeated.map((r) => r.runId), nTrs };
}

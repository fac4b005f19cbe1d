/**
 * Per-ROI and whole-brain summaries of voxel-wise test correlations: mean, median, mean of the
 * top 10% of voxels, number of voxels, and number significant.
 *
 * Which voxels are significant: by default the caller passes the block-permutation verdicts
 * (BH q ≤ fdrQ, blockPermutation.ts; the encoding default). Without them (encoding parameter
 * `permutations: 0`) the test is parametric: t = r·√((n−2)/(1−r²)) with n − 2 degrees of
 * freedom, one-sided (r > 0), then Benjamini–Hochberg FDR at q over all voxels of the subject.
 * It assumes independent test TRs, which fMRI autocorrelation violates, so it is optimistic.
 */
import { studentTSurvival } from './studentT.js';

export const WHOLE_BRAIN = 'all';

export interface RoiSummary {
  readonly roi: string;
  /** null when no voxel of the ROI has a defined r. */
  readonly meanR: number | null;
  readonly medianR: number | null;
  readonly topMeanR: number | null;
  /** Voxels in the ROI, including those whose r is undefined. */
  readonly nVoxels: number;
  readonly nSignificant: number;
}

export interface RoiSummaryOptions {
  /** Test TRs behind each r (for the t statistic). */
  readonly nTest: number;
  /** FDR level (default 0.05). */
  readonly q?: number;
  /** Share of best voxels averaged in topMeanR (default 0.1). */
  readonly topFraction?: number;
  /** Significant voxels decided elsewhere (block-permutation BH q ≤ fdrQ, the encoding default); absent: the t test below. */
  readonly significant?: Uint8Array;
}

/** Summaries for every ROI label and for the whole brain ('all'). */
export function roiSummaries(r: readonly (number | null)[], roi: readonly string[], options: RoiSummaryOptions): RoiSummary[] {
  if (r.length !== roi.length) throw new Error(`roiSummaries: ${r.length} scores for ${roi.length} ROI labels`);
  const significant = options.significant ?? fdrSignificant(r, options.nTest, options.q ?? 0.05);
  const groups = new Map<string, number[]>([[WHOLE_BRAIN, []]]);
  roi.forEach((label, v) => {
    groups.get(WHOLE_BRAIN)!.push(v);
    if (label !== WHOLE_BRAIN) (groups.get(label) ?? groups.set(label, []).get(label)!).push(v);
  });
  const top = options.topFraction ?? 0.1;
  return [...groups].map(([label, voxels]) => {
    const values = voxels.map((v) => r[v]).filter((x): x is number => x !== null && Number.isFinite(x)).sort((a, b) => a - b);
    const n = values.length;
    const nTop = Math.max(1, Math.ceil(n * top));
    return {
      roi: label,
      meanR: n ? values.reduce((s, x) => s + x, 0) / n : null,
      medianR: n ? (n % 2 ? values[(n - 1) / 2] : (values[n / 2 - 1] + values[n / 2]) / 2) : null,
      topMeanR: n ? values.slice(n - nTop).reduce((s, x) => s + x, 0) / nTop : null,
      nVoxels: voxels.length,
      nSignificant: voxels.reduce((s, v) => s + (significant[v] ? 1 : 0), 0),
    };
  });
}

/** Benjamini–Hochberg over one-sided Pearson-r p-values; undefined r is never significant. */
export function fdrSignificant(r: readonly (number | null)[], nTest: number, q: number): Uint8Array {
  const out = new Uint8Array(r.length);
  if (nTest < 3) return out;
  const p = r.map((x, v) => ({ v, p: x === null || !Number.isFinite(x) ? 1 : pearsonPValue(x, nTest) }));
  p.sort((a, b) => a.p - b.p);
  let cutoff = -1;
  p.forEach((e, i) => {
    if (e.p <= (q * (i + 1)) / p.length) cutoff = i;
  });
  for (let i = 0; i <= cutoff; i++) out[p[i].v] = 1;
  return out;
}

/** One-sided p-value of H0: ρ = 0 against ρ > 0 for a sample r over n pairs. */
export function pearsonPValue(r: number, n: number): number {
  if (r >= 1) return 0;
  const df = n - 2;
  const t = r * Math.sqrt(df / Math.max(1e-300, 1 - r * r));
  return studentTSurvival(t, df);
}

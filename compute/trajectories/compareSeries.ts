import { badInput } from '../../errors/CortexError.js';

/** One model's trajectory: x on the alignment axis (ascending), values, optional stderr. */
export interface Series {
  readonly key: string;
  readonly x: Float64Array;
  readonly value: Float64Array;
  readonly stderr?: Float64Array;
}

/** Spacing of a shared interpolation grid. */
export const GridScale = {
  LINEAR: 'LINEAR',
  LOG: 'LOG',
} as const;
export type GridScale = (typeof GridScale)[keyof typeof GridScale];

export interface GridSpec {
  readonly points: number;
  readonly scale: GridScale;
}

export interface Extremum {
  readonly x: number;
  readonly value: number;
  readonly index: number;
}

export interface SeriesSummary {
  readonly key: string;
  /** The points compared: the series itself, or its interpolation on the shared grid (NaN outside its range). */
  readonly x: Float64Array;
  readonly value: Float64Array;
  /** Best and final value among the series' own points (never the grid's interpolations); `index` is into the input series. */
  readonly best: Extremum | null;
  readonly final: Extremum | null;
}

export interface PairCorrelation {
  readonly a: string;
  readonly b: string;
  /** Pearson r over the x values both series have; null when undefined (see `reason`). */
  readonly r: number | null;
  readonly n: number;
  readonly reason: string | null;
}

export interface Comparison {
  readonly grid: Float64Array | null;
  readonly series: readonly SeriesSummary[];
  readonly correlations: readonly PairCorrelation[];
}

/**
 * Puts several trajectories on a common axis and compares them. Without a grid, a pair is
 * correlated over the x values both series contain exactly (Pythia models share steps);
 * with a grid, each series is linearly interpolated (in log10 x for a LOG grid) at `points`
 * positions spanning the range all series cover, and pairs are correlated over the grid.
 * Each series' best and final value always come from its own points, grid or not.
 */
export function compareSeries(series: readonly Series[], options: { grid?: GridSpec; higherIsBetter?: boolean } = {}): Comparison {
  const higher = options.higherIsBetter ?? true;
  const grid = options.grid ? sharedGrid(series, options.grid) : null;
  const aligned = series.map((s) => {
    const value = grid ? interpolate(s, grid, options.grid!.scale) : s.value;
    const x = grid ?? s.x;
    // best/final are read at real checkpoints: a grid's interpolation can miss the peak (issue 15).
    return { key: s.key, x, value, best: extremum(s.x, s.value, higher), final: lastFinite(s.x, s.value) };
  });
  const correlations: PairCorrelation[] = [];
  for (let i = 0; i < aligned.length; i++) {
    for (let j = i + 1; j < aligned.length; j++) {
      correlations.push(correlatePair(aligned[i], aligned[j]));
    }
  }
  return { grid, series: aligned, correlations };
}

function sharedGrid(series: readonly Series[], spec: GridSpec): Float64Array {
  if (!Number.isInteger(spec.points) || spec.points < 2 || spec.points > 10_000) {
    throw badInput(`grid.points must be a whole number from 2 to 10000 (got ${spec.points})`);
  }
  let lo = -Infinity;
  let hi = Infinity;
  for (const s of series) {
    const xs = [...s.x].filter((x, i) => Number.isFinite(s.value[i]) && (spec.scale === 'LINEAR' || x > 0));
    if (xs.length === 0) throw badInput(`series '${s.key}' has no points usable on a ${spec.scale} grid`);
    lo = Math.max(lo, Math.min(...xs));
    hi = Math.min(hi, Math.max(...xs));
  }
  if (!(hi > lo)) throw badInput('the series do not overlap on the alignment axis, so no shared grid exists');
  const [a, b] = spec.scale === 'LOG' ? [Math.log10(lo), Math.log10(hi)] : [lo, hi];
  const grid = new Float64Array(spec.points);
  for (let i = 0; i < spec.points; i++) {
    const t = a + ((b - a) * i) / (spec.points - 1);
    grid[i] = spec.scale === 'LOG' ? 10 ** t : t;
  }
  grid[0] = lo; // exact ends, so the end points interpolate to the data exactly
  grid[spec.points - 1] = hi;
  return grid;
}

function interpolate(s: Series, grid: Float64Array, scale: GridScale): Float64Array {
  const t = scale === 'LOG' ? (x: number) => Math.log10(x) : (x: number) => x;
  const idx = [...s.x.keys()].filter((i) => Number.isFinite(s.value[i]) && (scale === 'LINEAR' || s.x[i] > 0));
  const out = new Float64Array(grid.length).fill(NaN);
  let k = 0;
  for (let g = 0; g < grid.length; g++) {
    const x = grid[g];
    while (k + 1 < idx.length && s.x[idx[k + 1]] < x) k++;
    const i0 = idx[k];
    const i1 = idx[Math.min(k + 1, idx.length - 1)];
    const x0 = s.x[i0];
    const x1 = s.x[i1];
    if (x === x0) out[g] = s.value[i0];
    else if (x === x1) out[g] = s.value[i1];
    else if (x > x0 && x < x1) {
      const w = (t(x) - t(x0)) / (t(x1) - t(x0));
      out[g] = s.value[i0] * (1 - w) + s.value[i1] * w;
    }
  }
  return out;
}

function extremum(x: Float64Array, value: Float64Array, higher: boolean): Extremum | null {
  let best = -1;
  for (let i = 0; i < value.length; i++) {
    const v = value[i];
    if (!Number.isFinite(v)) continue;
    if (best < 0 || (higher ? v > value[best] : v < value[best])) best = i;
  }
  return best < 0 ? null : { x: x[best], value: value[best], index: best };
}

function lastFinite(x: Float64Array, value: Float64Array): Extremum | null {
  for (let i = value.length - 1; i >= 0; i--) if (Number.isFinite(value[i])) return { x: x[i], value: value[i], index: i };
  return null;
}

function correlatePair(a: SeriesSummary, b: SeriesSummary): PairCorrelation {
  const bIndex = new Map<number, number>();
  b.x.forEach((x, i) => bIndex.set(x, i));
  const va: number[] = [];
  const vb: number[] = [];
  a.x.forEach((x, i) => {
    const j = bIndex.get(x);
    if (j !== undefined && Number.isFinite(a.value[i]) && Number.isFinite(b.value[j])) {
      va.push(a.value[i]);
      vb.push(b.value[j]);
    }
  });
  const n = va.length;
  if (n < 3) return { a: a.key, b: b.key, r: null, n, reason: `only ${n} common points (need 3)` };
  const r = pearson(va, vb);
  return r === null
    ? { a: a.key, b: b.key, r: null, n, reason: 'a trajectory is constant over the common points' }
    : { a: a.key, b: b.key, r, n, reason: null };
}

/** Pearson r of two equal-length samples, or null when either has zero variance. */
export function pearson(a: readonly number[], b: readonly number[]): number | null {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) { ma += a[i]; mb += b[i]; }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - ma;
    const db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  if (saa === 0 || sbb === 0) return null;
  return Math.max(-1, Math.min(1, sab / Math.sqrt(saa * sbb)));
}

/** Metrics where lower is better; `best` picks the minimum for these unless told otherwise. */
const LOWER_IS_BETTER = new Set(['ppl', 'perplexity', 'word_perplexity', 'byte_perplexity', 'bits_per_byte', 'likelihood_difference']);

export function higherIsBetter(metric: string): boolean {
  return !LOWER_IS_BETTER.has(metric.split(',')[0]);
}

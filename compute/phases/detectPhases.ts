/**
 * Phase detection over training checkpoints: the entry point used by the API.
 *
 * Pipeline (docs/phases.md has the precise definitions):
 *  1. preparePhaseInput: validate, put checkpoints on the x axis (default log10 tokens), exclude and
 *     report checkpoints without an x or without any value, z-score every signal.
 *  2. segmentExact: exact least-squares piecewise-linear segmentation shared by all signals, for
 *     k = 0..kMax breakpoints, every breakpoint position allowed, segments ≥ minSize points.
 *  3. selectK: BIC over k (or the caller's fixed k).
 *  4. bootstrap: moving-block residual bootstrap CIs for each breakpoint (K fixed).
 *  5. labels: ALIGNMENT / DETACHMENT / REALIGNMENT / … from slope z tests and effect floors
 *     (effectSize.ts: no direction on a change within the stored error bars), and the triple pattern
 *     with its bootstrap confidence.
 *
 * @example
 * const result = detectPhases({
 *   points, // [{ step, tokens, fraction }, …]
 *   signals: [{ name: 'brain', role: 'BRAIN', values: brain }, { name: 'piqa', role: 'TASK', values: piqa }],
 *   options: { bootstrap: 200, seed: 1 },
 * });
 * // on the synthetic study(60, 1) of test/compute/phases/detectPhases.test.ts (full output in docs/phases.md):
 * result.k;                            // 2 (kSelectedBy 'BIC')
 * result.segments.map((s) => s.label); // ['ALIGNMENT', 'DETACHMENT', 'REALIGNMENT']
 * result.breakpoints[0];               // { index: 21, step: 240, tokens: 503316480, x: 8.702,
 *                                      //   ci: { level: 0.9, lowIndex: 20, highIndex: 22, lowStep: 204, highStep: 281, … } }
 * result.triplePattern;                // { present: true, confidence: 0.62 }
 */
import { badInput } from '../../errors/CortexError.js';
import type { BicEntry } from './selectK.js';
import { bicByK, selectK } from './selectK.js';
import type { SegmentStats } from './segmentCosts.js';
import { buildSegmentStats, segmentFit } from './segmentCosts.js';
import { DEFAULT_MIN_SIZE, segmentExact } from './segmentExact.js';
import { checkContinuousLimits } from './segmentContinuous.js';
import { checkSegmentation } from './partitionOptimal.js';
import { bootstrapBreakpoints } from './bootstrap.js';
import { DEFAULT_MIN_EFFECT, effectFloor, type EffectFloor, type EffectNoise } from './effectSize.js';
import type { Direction, PhaseLabel, SignalRole, SignalSlope } from './labels.js';
import { DEFAULT_Z_THRESHOLD, hasTriplePattern, labelSegments, slopeDirection } from './labels.js';
import type { CheckpointPoint, ExcludedPoint, PhaseAxis, PhaseSignal } from './phaseInput.js';
import { PHASE_AXES, preparePhaseInput } from './phaseInput.js';

export type { CheckpointPoint, ExcludedPoint, PhaseAxis, PhaseSignal } from './phaseInput.js';
export type { BicEntry } from './selectK.js';
export type { Direction } from './labels.js';
export { PHASE_LABELS, PhaseLabel, SignalRole } from './labels.js';

export interface DetectPhasesOptions {
  /** x axis (default LOG_TOKENS = log10(tokens)). */
  readonly axis?: PhaseAxis;
  /** Fixed number of breakpoints; when absent k is chosen by BIC over 0..kMax. */
  readonly k?: number;
  /** Largest k tried by BIC (default 4; lowered to what the included points allow). */
  readonly kMax?: number;
  /** Minimum points per segment (default 4). */
  readonly minSize?: number;
  /** Continuous piecewise-linear fit (default false). */
  readonly continuous?: boolean;
  /** Bootstrap replicates (default 200; 0 = no intervals and no triple-pattern confidence). */
  readonly bootstrap?: number;
  /** Central coverage of the breakpoint intervals (default 0.9). */
  readonly ciLevel?: number;
  /** Seed of the bootstrap (default 0). */
  readonly seed?: number;
  /** z threshold of the slope direction tests (default 2). */
  readonly zThreshold?: number;
  /**
   * A direction also needs the fitted change to exceed minEffect × its standard error implied by
   * the signals' stored standard errors (effectSize.ts; default 2, 0 = off). Signals without
   * standard errors are unaffected (use their `minDelta`).
   */
  readonly minEffect?: number;
}

export interface DetectPhasesInput {
  readonly points: readonly CheckpointPoint[];
  readonly signals: readonly PhaseSignal[];
  readonly options?: DetectPhasesOptions;
}

export interface BreakpointInterval {
  readonly level: number;
  /** Input-point indices of the interval limits. */
  readonly lowIndex: number;
  readonly highIndex: number;
  readonly lowStep: number;
  readonly highStep: number;
  readonly lowX: number;
  readonly highX: number;
}

/** A breakpoint: the LAST checkpoint of the left segment. */
export interface PhaseBreakpoint {
  /** Index into the input points. */
  readonly index: number;
  readonly step: number;
  readonly tokens: number | null;
  readonly x: number;
  readonly ci: BreakpointInterval | null;
}

export interface SegmentSlope {
  readonly signal: string;
  readonly role: SignalRole;
  /** OLS slope in z-scored signal units per x unit; null with < 2 values in the segment. */
  readonly slope: number | null;
  /** OLS standard error of the slope; null with < 3 values in the segment. */
  readonly stderr: number | null;
  /** Fitted change over the segment (slope × span) in the signal's own units; null without a slope. */
  readonly change: number | null;
  /** Standard error of `change` implied by the stored standard errors (own units); null without them. */
  readonly changeStderr: number | null;
  readonly direction: Direction;
}

export interface PhaseSegment {
  readonly index: number;
  /** Input-point indices of the first and last checkpoint of the segment. */
  readonly startIndex: number;
  readonly endIndex: number;
  readonly startStep: number;
  readonly endStep: number;
  readonly startX: number;
  readonly endX: number;
  /** Included checkpoints in the segment. */
  readonly nPoints: number;
  readonly label: PhaseLabel;
  readonly slopes: readonly SegmentSlope[];
}

export interface PhaseDetection {
  readonly axis: PhaseAxis;
  readonly k: number;
  readonly kSelectedBy: 'BIC' | 'FIXED';
  readonly bicByK: readonly BicEntry[];
  readonly breakpoints: readonly PhaseBreakpoint[];
  readonly segments: readonly PhaseSegment[];
  readonly excluded: readonly ExcludedPoint[];
  /** confidence = fraction of bootstrap replicates whose own labels show the pattern; null without bootstrap. */
  readonly triplePattern: { readonly present: boolean; readonly confidence: number | null };
}

const MAX_BOOTSTRAP = 10_000;

function optionProblems(o: DetectPhasesOptions): string[] {
  const p: string[] = [];
  const isInt = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v);
  if (o.axis !== undefined && !PHASE_AXES.includes(o.axis)) p.push(`axis must be one of ${PHASE_AXES.join(', ')} (${o.axis})`);
  if (o.k !== undefined && !(isInt(o.k) && o.k >= 0)) p.push(`k must be an integer ≥ 0 (${o.k})`);
  if (o.kMax !== undefined && !(isInt(o.kMax) && o.kMax >= 0)) p.push(`kMax must be an integer ≥ 0 (${o.kMax})`);
  if (o.minSize !== undefined && !(isInt(o.minSize) && o.minSize >= 2)) p.push(`minSize must be an integer ≥ 2 (${o.minSize})`);
  if (o.bootstrap !== undefined && !(isInt(o.bootstrap) && o.bootstrap >= 0 && o.bootstrap <= MAX_BOOTSTRAP)) p.push(`bootstrap must be an integer in 0..${MAX_BOOTSTRAP} (${o.bootstrap})`);
  if (o.ciLevel !== undefined && !(o.ciLevel > 0 && o.ciLevel < 1)) p.push(`ciLevel must be in (0, 1) (${o.ciLevel})`);
  if (o.seed !== undefined && !Number.isFinite(o.seed)) p.push(`seed must be finite (${o.seed})`);
  if (o.zThreshold !== undefined && !(Number.isFinite(o.zThreshold) && o.zThreshold > 0)) p.push(`zThreshold must be finite and > 0 (${o.zThreshold})`);
  if (o.minEffect !== undefined && !(Number.isFinite(o.minEffect) && o.minEffect >= 0)) p.push(`minEffect must be finite and ≥ 0 (${o.minEffect})`);
  return p;
}

/** What the effect floors need: the z-scored rows (which points are finite), each signal's noise, and k. */
interface EffectContext {
  readonly z: readonly Float64Array[];
  readonly noise: readonly (EffectNoise | undefined)[];
  readonly minEffect: number;
}

type FlooredSlope = SignalSlope & { readonly floor: EffectFloor };

/** Slopes of every signal on every segment (ends = last index of each segment), with their effect floors. */
function segmentSlopes(stats: SegmentStats, x: Float64Array, roles: readonly SignalRole[], ends: readonly number[], effect: EffectContext): FlooredSlope[][] {
  let start = 0;
  return ends.map((end) => {
    const span = x[end] - x[start];
    const slopes = roles.map((role, s) => {
      const f = segmentFit(stats, s, start, end);
      const floor = effectFloor(x, effect.z[s], effect.noise[s], start, end, effect.minEffect);
      return { role, slope: f.slope, stderr: f.stderr, span, minChange: floor.minChange, floor };
    });
    start = end + 1;
    return slopes;
  });
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Detect training phases; see the file header and docs/phases.md. Never mutates its input. */
export function detectPhases(input: DetectPhasesInput): PhaseDetection {
  const o = input.options ?? {};
  const problems = optionProblems(o);
  if (problems.length > 0) throw badInput(`invalid phase detection options: ${problems.join('; ')}`, { problems });
  const axis = o.axis ?? 'LOG_TOKENS';
  const minSize = o.minSize ?? DEFAULT_MIN_SIZE;
  const continuous = o.continuous ?? false;
  const zThreshold = o.zThreshold ?? DEFAULT_Z_THRESHOLD;
  const minEffect = o.minEffect ?? DEFAULT_MIN_EFFECT;

  // 1. Prepare; the largest k the included points allow.
  const prep = preparePhaseInput(input.points, input.signals, axis);
  const { x, z, weights } = prep;
  const n = x.length;
  const roles = input.signals.map((s) => s.role);
  const kTop = largestK(o, n, minSize);
  if (continuous) checkContinuousLimits(n, kTop, minSize);

  // 2–3. Exact segmentation for every k, and k by BIC (or the caller's).
  const stats = buildSegmentStats(x, z, weights);
  const seg = segmentExact(stats, { kMax: kTop, minSize, continuous });
  const bic = bicByK(seg.costs, stats.nObs, z.length, continuous);
  const K = o.k ?? selectK(bic);
  const bps = seg.breakpoints[K];
  const ends = [...bps, n - 1];

  // 5. Labels, and 4. bootstrap intervals with the triple pattern's confidence.
  const effect: EffectContext = { z, noise: prep.noise, minEffect };
  const slopes = segmentSlopes(stats, x, roles, ends, effect);
  const labels = labelSegments(slopes, { zThreshold });
  const boot = bootstrapPhases(o, { x, z, weights, roles, bps, minSize, continuous, zThreshold, effect });

  const placed = { points: input.points, included: prep.included, x };
  return deepFreeze({
    axis,
    k: K,
    kSelectedBy: o.k !== undefined ? 'FIXED' : 'BIC',
    bicByK: bic,
    breakpoints: phaseBreakpoints(placed, bps, boot.intervals, o.ciLevel ?? 0.9),
    segments: phaseSegments(placed, ends, labels, slopes, input.signals, zThreshold, prep.sd),
    excluded: prep.excluded,
    triplePattern: { present: hasTriplePattern(labels), confidence: boot.confidence },
  });
}

/** The caller's k (checked against the points), or the largest k BIC may try. */
function largestK(o: DetectPhasesOptions, n: number, minSize: number): number {
  if (o.k !== undefined) {
    checkSegmentation(n, o.k, minSize);
    return o.k;
  }
  if (n < minSize) throw badInput(`phase detection needs at least minSize = ${minSize} included checkpoints, got ${n}`, { n, minSize });
  return Math.min(o.kMax ?? 4, Math.floor(n / minSize) - 1);
}

interface Segmentation {
  readonly x: Float64Array;
  readonly z: Float64Array[];
  readonly weights: Float64Array;
  readonly roles: readonly SignalRole[];
  /** Breakpoints (last index of each segment but the last) of the chosen fit. */
  readonly bps: readonly number[];
  readonly minSize: number;
  readonly continuous: boolean;
  readonly zThreshold: number;
  readonly effect: EffectContext;
}

/**
 * Moving-block residual bootstrap with k fixed: an interval per breakpoint, and the fraction of
 * replicates whose own labels show the triple pattern. Null intervals and confidence without
 * replicates; with one segment no replicate can show three phases.
 */
function bootstrapPhases(
  o: DetectPhasesOptions,
  s: Segmentation,
): { intervals: readonly { lowIndex: number; highIndex: number }[] | null; confidence: number | null } {
  const replicates = o.bootstrap ?? 200;
  if (replicates === 0) return { intervals: null, confidence: null };
  if (s.bps.length === 0) return { intervals: null, confidence: 0 };
  const n = s.x.length;
  const labelOf = (st: SegmentStats, e: readonly number[]): PhaseLabel[] => labelSegments(segmentSlopes(st, s.x, s.roles, e, s.effect), { zThreshold: s.zThreshold });
  const options = { replicates, level: o.ciLevel ?? 0.9, seed: o.seed ?? 0, minSize: s.minSize, continuous: s.continuous, weights: s.weights };
  const boot = bootstrapBreakpoints(s.x, s.z, s.bps, options, (st, _rep, rb) => hasTriplePattern(labelOf(st, [...rb, n - 1])));
  return { intervals: boot.intervals, confidence: boot.statistics.filter(Boolean).length / replicates };
}

/** Where the included checkpoints are: input points, their indices, and their x. */
interface Placed {
  readonly points: readonly CheckpointPoint[];
  readonly included: Int32Array;
  readonly x: Float64Array;
}

function phaseBreakpoints(p: Placed, bps: readonly number[], intervals: readonly { lowIndex: number; highIndex: number }[] | null, level: number): PhaseBreakpoint[] {
  const pointAt = (i: number): CheckpointPoint => p.points[p.included[i]];
  return bps.map((b, j) => {
    const iv = intervals?.[j];
    return {
      index: p.included[b],
      step: pointAt(b).step,
      tokens: pointAt(b).tokens,
      x: p.x[b],
      ci: iv
        ? {
            level,
            lowIndex: p.included[iv.lowIndex],
            highIndex: p.included[iv.highIndex],
            lowStep: pointAt(iv.lowIndex).step,
            highStep: pointAt(iv.highIndex).step,
            lowX: p.x[iv.lowIndex],
            highX: p.x[iv.highIndex],
          }
        : null,
    };
  });
}

function phaseSegments(
  p: Placed,
  ends: readonly number[],
  labels: readonly PhaseLabel[],
  slopes: readonly FlooredSlope[][],
  signals: readonly PhaseSignal[],
  zThreshold: number,
  sd: Float64Array,
): PhaseSegment[] {
  const pointAt = (i: number): CheckpointPoint => p.points[p.included[i]];
  let start = 0;
  return ends.map((end, i) => {
    const segment: PhaseSegment = {
      index: i,
      startIndex: p.included[start],
      endIndex: p.included[end],
      startStep: pointAt(start).step,
      endStep: pointAt(end).step,
      startX: p.x[start],
      endX: p.x[end],
      nPoints: end - start + 1,
      label: labels[i],
      slopes: slopes[i].map((s, j) => ({
        signal: signals[j].name,
        role: s.role,
        slope: s.slope,
        stderr: s.stderr,
        change: s.slope === null ? null : s.slope * s.span * sd[j],
        changeStderr: s.floor.noise === null ? null : s.floor.noise * sd[j],
        direction: slopeDirection(s, zThreshold),
      })),
    };
    start = end + 1;
    return segment;
  });
}

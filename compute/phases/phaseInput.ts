/**
 * Boundary checks and preparation for phase detection: validate everything at once (STYLE §5),
 * place checkpoints on the chosen x axis, exclude and report checkpoints whose x is undefined, and
 * z-score every signal over the included checkpoints.
 *
 * z-scoring (mean 0, sample SD 1 over the finite included values) puts brain scores (Pearson r
 * ≈ 0.01–0.3), accuracies (0–1) and internal metrics (any scale) on one footing, so the pooled
 * least-squares cost and the pooled BIC weigh them by their per-signal `weight` only. A signal with
 * fewer than two values, or constant up to 1e-12 of its magnitude, cannot be z-scored: that is a
 * DEGENERATE_INPUT error naming the signal (dropping it silently would change what is segmented).
 */
import { badInput, degenerate } from '../../errors/CortexError.js';
import type { EffectNoise } from './effectSize.js';
import { SignalRole } from './labels.js';
import { axisPosition, type CheckpointPoint, type PhaseAxis } from '../trajectories/trainingAxis.js';

export { PHASE_AXES, type CheckpointPoint, type PhaseAxis } from '../trajectories/trainingAxis.js';

const ROLES: readonly SignalRole[] = Object.values(SignalRole);

/** One trajectory over the checkpoints; `values[t]` belongs to `points[t]`, NaN = not measured. */
export interface PhaseSignal {
  readonly name: string;
  readonly role: SignalRole;
  readonly values: Float64Array;
  /** Relative weight in the pooled cost (default 1). */
  readonly weight?: number;
  /** Stored standard error per point, in the values' units (NaN = none); sets the effect floor (effectSize.ts). */
  readonly stderr?: Float64Array;
  /** Smallest fitted change over a segment, in the values' units, that may get a direction (default 0). */
  readonly minDelta?: number;
}

export interface ExcludedPoint {
  readonly step: number;
  readonly reason: string;
}

export interface PreparedPhaseInput {
  /** Indices into the input points of the included checkpoints, ascending. */
  readonly included: Int32Array;
  /** x of the included checkpoints. */
  readonly x: Float64Array;
  /** z-scored signal rows over the included checkpoints (NaN = missing). */
  readonly z: Float64Array[];
  readonly weights: Float64Array;
  /** Each signal's SD over the included checkpoints (z = (value − mean) / sd). */
  readonly sd: Float64Array;
  /** Per signal, its standard errors and minimum change in z units; undefined when it has neither. */
  readonly noise: (EffectNoise | undefined)[];
  readonly excluded: ExcludedPoint[];
}

/** Every problem with the points and signals, as messages (empty when valid). */
function inputProblems(points: readonly CheckpointPoint[], signals: readonly PhaseSignal[]): string[] {
  const problems: string[] = [];
  if (points.length === 0) problems.push('points is empty');
  points.forEach((p, t) => {
    if (!Number.isFinite(p.step)) problems.push(`points[${t}].step is not finite (${p.step})`);
    else if (t > 0 && !(p.step > points[t - 1].step)) problems.push(`points must be sorted by strictly increasing step; points[${t}].step = ${p.step} follows ${points[t - 1].step}`);
    if (p.tokens !== null && !(Number.isFinite(p.tokens) && p.tokens >= 0)) problems.push(`points[${t}].tokens must be null or finite and ≥ 0 (${p.tokens})`);
    if (p.fraction !== null && !Number.isFinite(p.fraction)) problems.push(`points[${t}].fraction must be null or finite (${p.fraction})`);
  });
  if (signals.length === 0) problems.push('signals is empty');
  const names = new Set<string>();
  signals.forEach((s, i) => {
    const who = `signals[${i}] '${s.name}'`;
    if (s.name === '') problems.push(`signals[${i}].name is empty`);
    if (names.has(s.name)) problems.push(`${who}: duplicate name`);
    names.add(s.name);
    if (!ROLES.includes(s.role)) problems.push(`${who}: role must be one of ${ROLES.join(', ')} (${s.role})`);
    if (s.weight !== undefined && !(Number.isFinite(s.weight) && s.weight > 0)) problems.push(`${who}: weight must be finite and > 0 (${s.weight})`);
    if (s.values.length !== points.length) problems.push(`${who}: ${s.values.length} values for ${points.length} points`);
    else if (s.values.some((v) => !Number.isNaN(v) && !Number.isFinite(v))) problems.push(`${who}: values must be finite or NaN (missing)`);
    if (s.stderr !== undefined) {
      if (s.stderr.length !== points.length) problems.push(`${who}: ${s.stderr.length} standard errors for ${points.length} points`);
      else if (s.stderr.some((v) => !Number.isNaN(v) && !(Number.isFinite(v) && v >= 0))) problems.push(`${who}: standard errors must be finite and ≥ 0, or NaN (none)`);
    }
    if (s.minDelta !== undefined && !(Number.isFinite(s.minDelta) && s.minDelta >= 0)) problems.push(`${who}: minDelta must be finite and ≥ 0 (${s.minDelta})`);
  });
  return problems;
}

/**
 * Validate, place on the axis, exclude, z-score. Throws BAD_USER_INPUT listing every input problem,
 * or DEGENERATE_INPUT listing every signal that cannot be z-scored.
 */
export function preparePhaseInput(points: readonly CheckpointPoint[], signals: readonly PhaseSignal[], axis: PhaseAxis): PreparedPhaseInput {
  const problems = inputProblems(points, signals);
  if (problems.length > 0) throw badInput(`invalid phase detection input: ${problems.join('; ')}`, { problems });

  const included: number[] = [];
  const xs: number[] = [];
  const excluded: ExcludedPoint[] = [];
  points.forEach((p, t) => {
    const x = axisPosition(p, axis);
    if (typeof x === 'string') excluded.push({ step: p.step, reason: `${x} (axis ${axis})` });
    else if (signals.every((s) => Number.isNaN(s.values[t]))) excluded.push({ step: p.step, reason: 'no signal has a value at this checkpoint' });
    else {
      included.push(t);
      xs.push(x);
    }
  });
  for (let i = 1; i < xs.length; i++) {
    if (xs[i] < xs[i - 1]) {
      const [a, b] = [points[included[i - 1]], points[included[i]]];
      throw badInput(`x on axis ${axis} must not decrease with step: ${xs[i - 1]} at step ${a.step} > ${xs[i]} at step ${b.step}`, {
        axis,
        steps: [a.step, b.step],
      });
    }
  }

  const degenerateProblems: string[] = [];
  const sds: number[] = [];
  const z = signals.map((s) => {
    const row = new Float64Array(included.length);
    let m = 0;
    let mean = 0;
    let maxAbs = 0;
    included.forEach((t, i) => {
      const v = s.values[t];
      row[i] = v;
      if (Number.isNaN(v)) return;
      m++;
      mean += v;
      maxAbs = Math.max(maxAbs, Math.abs(v));
    });
    mean /= Math.max(m, 1);
    let ss = 0;
    for (const v of row) if (!Number.isNaN(v)) ss += (v - mean) ** 2;
    const sd = m > 1 ? Math.sqrt(ss / (m - 1)) : 0;
    if (m < 2) degenerateProblems.push(`signal '${s.name}' has ${m} value(s) at the included checkpoints; at least 2 are needed`);
    else if (sd <= 1e-12 * maxAbs) degenerateProblems.push(`signal '${s.name}' is constant (${mean}) over the included checkpoints and cannot be z-scored`);
    for (let i = 0; i < row.length; i++) row[i] = (row[i] - mean) / sd;
    sds.push(sd);
    return row;
  });
  if (degenerateProblems.length > 0) {
    throw degenerate(`phase detection cannot use these signals: ${degenerateProblems.join('; ')}`, { problems: degenerateProblems });
  }
  return {
    included: Int32Array.from(included),
    x: Float64Array.from(xs),
    z,
    weights: Float64Array.from(signals, (s) => s.weight ?? 1),
    sd: Float64Array.from(sds),
    noise: signals.map((s, j) => effectNoise(s, included, sds[j])),
    excluded,
  };
}

/** A signal's standard errors and minimum change in z units (undefined when it has neither). */
function effectNoise(s: PhaseSignal, included: readonly number[], sd: number): EffectNoise | undefined {
  if (s.stderr === undefined && !s.minDelta) return undefined;
  const stderr = s.stderr;
  const sigma = Float64Array.from(included, (t) => (stderr ? stderr[t] / sd : NaN));
  return { sigma, minDeltaZ: (s.minDelta ?? 0) / sd };
}

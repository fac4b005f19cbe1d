/**
 * Phase labels from per-segment slopes, and the seed paper's ALIGNMENT → DETACHMENT → REALIGNMENT
 * triple pattern.
 *
 * Direction of one signal on one segment (a two-sided z test of the OLS slope):
 *   UP    if slope / stderr ≥  z   (default z = 2, ≈ 95 % two-sided under normal errors)
 *   DOWN  if slope / stderr ≤ −z
 *   FLAT  otherwise, and also when the slope or its standard error is undefined (fewer than three
 *         finite points), or when the fitted change over the segment |slope|·span is below 1e-6
 *         (signals are z-scored: a millionth of an SD is rounding, and a noise-free plateau would
 *         otherwise get a random sign from 0/0), or below the segment's effect floor `minChange`
 *         (effectSize.ts: k × the change's standard error implied by the stored measurement errors,
 *         or a minimum change), so a direction is never put on a change within the error bars.
 * Direction of a ROLE (BRAIN or TASK) with several signals: UP if at least one is UP and none is
 * DOWN, DOWN symmetrically, FLAT otherwise (no evidence or conflicting evidence).
 * INTERNAL signals shape the breakpoints but not the labels.
 *
 * Labels with a BRAIN signal (a missing TASK role counts as FLAT), segments in order:
 *   brain UP,   after an earlier brain-DOWN segment     → REALIGNMENT
 *   brain UP,   task not UP (no earlier brain DOWN)     → ALIGNMENT
 *   brain UP,   task UP     (no earlier brain DOWN)     → CO_GAIN
 *   brain DOWN, task FLAT                               → DETACHMENT
 *   brain DOWN, task UP                                 → DIVERGENCE   (brain lost while tasks gain)
 *   brain DOWN, task DOWN                               → CO_DECLINE
 *   brain FLAT, task UP                                 → TASK_GAIN_ONLY
 *   brain FLAT, task DOWN                               → TASK_DECLINE_ONLY
 *   brain FLAT, task FLAT                               → PLATEAU
 * Realignment is defined by an earlier brain decline (DETACHMENT, DIVERGENCE or CO_DECLINE), not by
 * the task slope, because the word names a RETURN of brain alignment; its task slope is reported
 * beside it (the paper's phase 3 has it UP). Deciding it by the task slope alone would call a
 * first joint rise "re"-alignment, hence CO_GAIN for that case.
 *
 * Task-only inputs (TASK signals, no BRAIN signal), from the TASK role's direction and mean slope:
 *   UP with mean slope ≥ rapidRatio (default 0.5) × the steepest UP segment's → RAPID_GAIN
 *   UP otherwise                                                            → CONSOLIDATION
 *   FLAT → STAGNATION;   DOWN → DECLINE
 * Only INTERNAL signals: UP → INCREASE, DOWN → DECREASE, FLAT → STEADY (role direction of INTERNAL).
 */
import { badInput } from '../../errors/CortexError.js';

export type Direction = 'UP' | 'DOWN' | 'FLAT';
/** What a phase signal measures (GraphQL `SignalKind`); labels are decided by the BRAIN and TASK roles. */
export const SignalRole = {
  BRAIN: 'BRAIN',
  TASK: 'TASK',
  INTERNAL: 'INTERNAL',
} as const;
export type SignalRole = (typeof SignalRole)[keyof typeof SignalRole];

/** Every label `labelSegments` can return (GraphQL `PhaseLabel`). */
export const PhaseLabel = {
  ALIGNMENT: 'ALIGNMENT',
  DETACHMENT: 'DETACHMENT',
  REALIGNMENT: 'REALIGNMENT',
  CO_GAIN: 'CO_GAIN',
  DIVERGENCE: 'DIVERGENCE',
  CO_DECLINE: 'CO_DECLINE',
  TASK_GAIN_ONLY: 'TASK_GAIN_ONLY',
  TASK_DECLINE_ONLY: 'TASK_DECLINE_ONLY',
  PLATEAU: 'PLATEAU',
  RAPID_GAIN: 'RAPID_GAIN',
  CONSOLIDATION: 'CONSOLIDATION',
  STAGNATION: 'STAGNATION',
  DECLINE: 'DECLINE',
  INCREASE: 'INCREASE',
  DECREASE: 'DECREASE',
  STEADY: 'STEADY',
} as const;
export type PhaseLabel = (typeof PhaseLabel)[keyof typeof PhaseLabel];
export const PHASE_LABELS: readonly PhaseLabel[] = Object.values(PhaseLabel);

/** The ordered pattern of the seed paper's three phases. */
export const TRIPLE_PATTERN: readonly PhaseLabel[] = ['ALIGNMENT', 'DETACHMENT', 'REALIGNMENT'];

/** One signal's slope on one segment, in z units per x unit. */
export interface SignalSlope {
  readonly role: SignalRole;
  readonly slope: number | null;
  readonly stderr: number | null;
  /** Width of the segment on the x axis (x of its last point − x of its first point). */
  readonly span: number;
  /** Smallest fitted change |slope · span| (z units) that may get a direction (effectSize.ts; default 1e-6). */
  readonly minChange?: number;
}

export interface LabelOptions {
  /** z threshold of the slope test (default 2). */
  readonly zThreshold?: number;
  /** Task-only: fraction of the steepest gain that still counts as RAPID_GAIN (default 0.5). */
  readonly rapidRatio?: number;
}

export const DEFAULT_Z_THRESHOLD = 2;
const MIN_CHANGE = 1e-6;

/** UP / DOWN / FLAT of one slope, as defined in the header. */
export function slopeDirection(s: Pick<SignalSlope, 'slope' | 'stderr' | 'span' | 'minChange'>, zThreshold = DEFAULT_Z_THRESHOLD): Direction {
  if (s.slope === null || s.stderr === null) return 'FLAT';
  if (Math.abs(s.slope * s.span) < Math.max(MIN_CHANGE, s.minChange ?? 0)) return 'FLAT';
  // stderr = 0 with a real change: an exact fit, infinitely significant.
  const z = s.stderr > 0 ? s.slope / s.stderr : Math.sign(s.slope) * Infinity;
  if (z >= zThreshold) return 'UP';
  if (z <= -zThreshold) return 'DOWN';
  return 'FLAT';
}

/** Combined direction of all signals of `role` on a segment; null when there is none. */
export function roleDirection(slopes: readonly SignalSlope[], role: SignalRole, zThreshold = DEFAULT_Z_THRESHOLD): Direction | null {
  let any = false;
  let up = false;
  let down = false;
  for (const s of slopes) {
    if (s.role !== role) continue;
    any = true;
    const d = slopeDirection(s, zThreshold);
    if (d === 'UP') up = true;
    else if (d === 'DOWN') down = true;
  }
  if (!any) return null;
  if (up && !down) return 'UP';
  if (down && !up) return 'DOWN';
  return 'FLAT';
}

/**
 * Label every segment (slopes of all signals per segment, segments in x order).
 *
 * @example
 * labelSegments([brainUpTaskFlat, brainDownTaskFlat, brainUpTaskUp]);
 * // ['ALIGNMENT', 'DETACHMENT', 'REALIGNMENT']
 */
export function labelSegments(segments: readonly (readonly SignalSlope[])[], options: LabelOptions = {}): PhaseLabel[] {
  const z = options.zThreshold ?? DEFAULT_Z_THRESHOLD;
  const rapidRatio = options.rapidRatio ?? 0.5;
  if (!(Number.isFinite(z) && z > 0)) throw badInput(`zThreshold must be finite and > 0, got ${z}`, { zThreshold: z });
  if (!(rapidRatio > 0 && rapidRatio <= 1)) throw badInput(`rapidRatio must be in (0, 1], got ${rapidRatio}`, { rapidRatio });
  if (segments.length === 0) return [];
  const roles = new Set(segments[0].map((s) => s.role));
  if (roles.has('BRAIN')) return labelBrain(segments, z);
  if (roles.has('TASK')) return labelTaskOnly(segments, z, rapidRatio);
  return segments.map((seg) => {
    const d = roleDirection(seg, 'INTERNAL', z);
    return d === 'UP' ? 'INCREASE' : d === 'DOWN' ? 'DECREASE' : 'STEADY';
  });
}

function labelBrain(segments: readonly (readonly SignalSlope[])[], z: number): PhaseLabel[] {
  const labels: PhaseLabel[] = [];
  let declined = false; // an earlier segment where the brain signal went DOWN
  for (const seg of segments) {
    const brain = roleDirection(seg, 'BRAIN', z) ?? 'FLAT';
    const task = roleDirection(seg, 'TASK', z) ?? 'FLAT';
    let label: PhaseLabel;
    if (brain === 'UP') label = declined ? 'REALIGNMENT' : task === 'UP' ? 'CO_GAIN' : 'ALIGNMENT';
    else if (brain === 'DOWN') label = task === 'UP' ? 'DIVERGENCE' : task === 'DOWN' ? 'CO_DECLINE' : 'DETACHMENT';
    else label = task === 'UP' ? 'TASK_GAIN_ONLY' : task === 'DOWN' ? 'TASK_DECLINE_ONLY' : 'PLATEAU';
    if (brain === 'DOWN') declined = true;
    labels.push(label);
  }
  return labels;
}

function labelTaskOnly(segments: readonly (readonly SignalSlope[])[], z: number, rapidRatio: number): PhaseLabel[] {
  const dirs = segments.map((seg) => roleDirection(seg, 'TASK', z) ?? 'FLAT');
  const meanSlope = segments.map((seg) => {
    let sum = 0;
    let count = 0;
    for (const s of seg) {
      if (s.role === 'TASK' && s.slope !== null) {
        sum += s.slope;
        count++;
      }
    }
    return count > 0 ? sum / count : 0;
  });
  let steepest = 0;
  dirs.forEach((d, i) => {
    if (d === 'UP') steepest = Math.max(steepest, meanSlope[i]);
  });
  return dirs.map((d, i) => {
    if (d === 'UP') return meanSlope[i] >= rapidRatio * steepest ? 'RAPID_GAIN' : 'CONSOLIDATION';
    return d === 'DOWN' ? 'DECLINE' : 'STAGNATION';
  });
}

/** Whether ALIGNMENT, DETACHMENT, REALIGNMENT occur in this order (not necessarily adjacent). */
export function hasTriplePattern(labels: readonly PhaseLabel[]): boolean {
  let next = 0;
  for (const l of labels) {
    if (l === TRIPLE_PATTERN[next]) next++;
    if (next === TRIPLE_PATTERN.length) return true;
  }
  return false;
}

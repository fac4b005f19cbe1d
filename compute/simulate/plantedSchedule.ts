/**
 * The planted ground truth of the simulated study: checkpoint steps, how far each checkpoint's
 * weights have moved towards the "brain" network, and task-accuracy curves that tell the seed
 * paper's story (docs/simulated-study.md).
 *
 * Checkpoint weights are a barycentric mix of three fixed networks with the same architecture:
 *   θ(t) = (1 − a(t) − b(t))·θ_init + a(t)·θ_brain + b(t)·θ_detour
 * The brain's feature space is θ_brain's hidden state at one layer, so the encoding score of
 * checkpoint t rises with a(t) and falls with b(t) (features of an unrelated network). a and b
 * are piecewise linear in checkpoint index (steps are log-spaced, so linear in log tokens):
 *   phase 1 ALIGNMENT    index 0 → p : a start → peak,   b 0
 *   phase 2 DETACHMENT   index p → q : a peak → trough,  b 0 → detour
 *   phase 3 REALIGNMENT  index q → n−1: a trough → end,  b detour → detourEnd
 * with end < peak, so the score's global maximum is at p and its minimum after p is at q.
 *
 * Task signals (lm-eval-style accuracies with binomial noise): instruction following appears in
 * phase 1 and then plateaus; the benchmarks sit at chance through phases 1–2 ("tasks stagnate")
 * and rise in phase 3 ("tasks get solved"). With the benchmarks as the TASK role, phase
 * detection should label the phases ALIGNMENT (brain up, tasks flat), DETACHMENT (brain down,
 * tasks flat), REALIGNMENT (brain up again, tasks up).
 */
import { badInput } from '../../errors/CortexError.js';
import { createNormal, createRng } from '../random.js';

export type PlantedPhase = 'ALIGNMENT' | 'DETACHMENT' | 'REALIGNMENT';

export interface PlantedCheckpoint {
  readonly index: number;
  readonly step: number;
  readonly tokens: number;
  /** Weight of the brain network, a(t). */
  readonly alignment: number;
  /** Weight of the detour network, b(t). */
  readonly detour: number;
  /** Weight of the initial network, 1 − a − b. */
  readonly init: number;
  /** Phase of the segment that ends at (or contains) this checkpoint. */
  readonly phase: PlantedPhase;
}

export interface ScheduleLevels {
  readonly start: number;
  readonly peak: number;
  readonly trough: number;
  readonly end: number;
  readonly detour: number;
  readonly detourEnd: number;
}

export const DEFAULT_LEVELS: ScheduleLevels = { start: 0.05, peak: 0.9, trough: 0.25, end: 0.65, detour: 0.55, detourEnd: 0.25 };

export interface ScheduleOptions {
  /** Number of checkpoints (≥ 7 so each phase has at least 3 points; default 16). */
  readonly checkpoints?: number;
  readonly firstStep?: number;
  readonly lastStep?: number;
  readonly tokensPerStep?: number;
  /** Peak and trough positions as fractions of the index range (default 1/3 and 2/3). */
  readonly peakFraction?: number;
  readonly troughFraction?: number;
  readonly levels?: ScheduleLevels;
}

export interface PlantedSchedule {
  readonly checkpoints: PlantedCheckpoint[];
  readonly peakIndex: number;
  readonly troughIndex: number;
  readonly peakStep: number;
  readonly troughStep: number;
  readonly tokensPerStep: number;
  readonly levels: ScheduleLevels;
}

/** Rounds to two significant digits (100, 160, 250, 400, 630, 1000, …). */
function roundStep(x: number): number {
  const magnitude = 10 ** Math.max(0, Math.floor(Math.log10(x)) - 1);
  return Math.round(x / magnitude) * magnitude;
}

/** Piecewise-linear interpolation through (x_i, y_i). */
function piecewise(x: number, xs: readonly number[], ys: readonly number[]): number {
  for (let i = 1; i < xs.length; i++) {
    if (x <= xs[i]) return ys[i - 1] + ((ys[i] - ys[i - 1]) * (x - xs[i - 1])) / (xs[i] - xs[i - 1]);
  }
  return ys[ys.length - 1];
}

export function plantedSchedule(options: ScheduleOptions = {}): PlantedSchedule {
  const n = options.checkpoints ?? 16;
  const first = options.firstStep ?? 100;
  const last = options.lastStep ?? 100_000;
  const tokensPerStep = options.tokensPerStep ?? 1_048_576;
  const levels = options.levels ?? DEFAULT_LEVELS;
  const p = Math.round((options.peakFraction ?? 1 / 3) * (n - 1));
  const q = Math.round((options.troughFraction ?? 2 / 3) * (n - 1));
  const problems: string[] = [];
  if (!Number.isInteger(n) || n < 7) problems.push(`checkpoints must be an integer ≥ 7, got ${n}`);
  if (!(first >= 1) || !(last > first)) problems.push(`steps must satisfy 1 ≤ firstStep < lastStep, got ${first}, ${last}`);
  if (!(p >= 2 && q - p >= 2 && n - 1 - q >= 2)) problems.push(`peak index ${p} and trough index ${q} must leave ≥ 3 checkpoints per phase`);
  if (!(levels.peak > levels.start && levels.trough < levels.peak && levels.end > levels.trough && levels.end < levels.peak)) {
    problems.push('levels must rise to the peak, dip to the trough and end between trough and peak');
  }
  for (const [name, a, b] of [['peak', levels.peak, 0], ['trough', levels.trough, levels.detour], ['end', levels.end, levels.detourEnd]] as const) {
    if (a < 0 || b < 0 || a + b > 1) problems.push(`at the ${name}, brain and detour weights ${a} + ${b} must be non-negative and sum to ≤ 1`);
  }
  if (problems.length > 0) throw badInput(`planted schedule: ${problems.join('; ')}`, { problems });

  const steps: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = roundStep(first * (last / first) ** (i / (n - 1)));
    steps.push(i > 0 && s <= steps[i - 1] ? steps[i - 1] + 1 : s);
  }
  const xs = [0, p, q, n - 1];
  const checkpoints = steps.map((step, index) => {
    const alignment = piecewise(index, xs, [levels.start, levels.peak, levels.trough, levels.end]);
    const detour = piecewise(index, xs, [0, 0, levels.detour, levels.detourEnd]);
    const phase: PlantedPhase = index <= p ? 'ALIGNMENT' : index <= q ? 'DETACHMENT' : 'REALIGNMENT';
    return { index, step, tokens: step * tokensPerStep, alignment, detour, init: 1 - alignment - detour, phase };
  });
  return { checkpoints, peakIndex: p, troughIndex: q, peakStep: steps[p], troughStep: steps[q], tokensPerStep, levels };
}

export interface PlantedTask {
  readonly task: string;
  /** Number of evaluation items (sets the binomial standard error). */
  readonly items: number;
  /** Accuracy at index 0, at the peak, at the trough and at the end. */
  readonly levels: readonly [number, number, number, number];
  readonly description: string;
}

/** The simulated benchmarks; item counts are those of the real tasks they are named after. */
export const PLANTED_TASKS: readonly PlantedTask[] = [
  { task: 'sim_instruction_following', items: 1000, levels: [0.2, 0.62, 0.64, 0.7], description: 'appears during alignment, then plateaus' },
  { task: 'sim_arc_easy', items: 2376, levels: [0.25, 0.25, 0.255, 0.52], description: 'chance until realignment, then solved' },
  { task: 'sim_piqa', items: 1838, levels: [0.5, 0.5, 0.505, 0.69], description: 'chance until realignment, then solved' },
  { task: 'sim_lambada_openai', items: 5153, levels: [0.01, 0.012, 0.015, 0.45], description: 'near zero until realignment, then solved' },
];

export interface PlantedTaskScore {
  readonly task: string;
  readonly acc: number;
  readonly accStderr: number;
}

/** Task accuracies per checkpoint: the planted curve plus binomial sampling noise (seeded). */
export function plantedTaskScores(schedule: PlantedSchedule, seed: number, tasks: readonly PlantedTask[] = PLANTED_TASKS): PlantedTaskScore[][] {
  const normal = createNormal(createRng(seed));
  const n = schedule.checkpoints.length;
  const xs = [0, schedule.peakIndex, schedule.troughIndex, n - 1];
  return schedule.checkpoints.map((c) =>
    tasks.map((t) => {
      const p = piecewise(c.index, xs, t.levels);
      const se = Math.sqrt((p * (1 - p)) / t.items);
      const acc = Math.min(1, Math.max(0, Math.round((p + se * normal()) * t.items) / t.items));
      return { task: t.task, acc, accStderr: Math.sqrt((acc * (1 - acc)) / t.items) };
    }),
  );
}

import { compareSeries, higherIsBetter, type Extremum, type GridSpec, type Series } from '../compute/trajectories/compareSeries.js';
import { axisValue, type TrainingAxis } from '../compute/trajectories/trainingAxis.js';
import { badInput } from '../errors/CortexError.js';
import { modelsByIds } from '../warehouse/modelsRepo.js';
import { trajectories, type TrajectoryRow } from '../warehouse/taskScoresRepo.js';
import type { Warehouse } from '../warehouse/Warehouse.js';
import { requireAxisFacts } from './axisFacts.js';
import { cpuPool } from './cpu/CpuPool.js';
import { modelSignalGaps, signalName, signalTrajectory, withValues, type CheckpointGap, type SignalCellAccess, type SignalSpec } from './phases.js';
import { requireModels, requireTask } from './requireKnown.js';

const MAX_COMPARED = 16;

/** What `compareModels` compares: one task (or task group) and metric, or one brain or internal signal. */

/** Models × points below which a comparison without a grid runs on the event loop (≤ ~1 ms). */
const INLINE_PAIR_WORK = 50_000;
export interface CompareModelsRequest {
  readonly models: readonly string[];
  readonly task: string | null;
  readonly metric: string;
  readonly signal: SignalSpec | null;
  readonly alignBy: TrainingAxis;
  readonly grid: GridSpec | null;
  readonly stepRange: { readonly from?: number; readonly to?: number } | null;
  /** Which way `best` looks; null: from the metric (false for perplexity-like metrics). */
  readonly higherIsBetter: boolean | null;
}

export interface ComparisonPoint {
  readonly x: number;
  /** The checkpoint step; null for interpolated grid points. */
  readonly step: number | null;
  readonly value: number | null;
  readonly stderr: number | null;
}

/** A series' best or final value, read at a checkpoint (never at an interpolated grid point). */
export interface ComparisonExtremum {
  readonly x: number;
  readonly step: number;
  readonly value: number;
  readonly stderr: number | null;
}

export interface ModelSeries {
  readonly modelId: string;
  readonly points: ComparisonPoint[];
  /** Checkpoints a brain or internal signal lacks, and why (empty for a task). */
  readonly gaps: CheckpointGap[];
  readonly best: ComparisonExtremum | null;
  readonly final: ComparisonExtremum | null;
}

export interface ModelCorrelation {
  readonly modelA: string;
  readonly modelB: string;
  readonly r: number | null;
  readonly n: number;
  readonly reason: string | null;
}

export interface TrajectoryComparison {
  readonly alignBy: TrainingAxis;
  /** The task, or the signal's name. */
  readonly task: string;
  readonly metric: string;
  readonly grid: number[] | null;
  readonly series: ModelSeries[];
  readonly correlations: ModelCorrelation[];
}

type TrajectoryLike = Pick<TrajectoryRow, 'step' | 'tokens' | 'fraction' | 'stderr'> & { readonly value: number };

/**
 * Several models' trajectories of one signal on a common axis (compute/trajectories/compareSeries):
 * pairwise correlations, and each one's best and final value. Only points placed on the axis take
 * part (e.g. FRACTION needs a known final step); a model with none is an error.
 */
export async function compareModels(wh: Warehouse, req: CompareModelsRequest, access: SignalCellAccess, signal?: AbortSignal): Promise<TrajectoryComparison> {
  const ids = [...new Set(req.models)];
  if (ids.length < 1 || ids.length > MAX_COMPARED) throw badInput(`compare 1 to ${MAX_COMPARED} models (got ${ids.length})`, { argument: 'models' });
  if ((req.task === null) === (req.signal === null)) throw badInput('give either task or signal', { argument: 'task' });
  const { alignBy, signal: spec, metric } = req;
  await requireModels(wh, ids);
  if (req.task !== null) await requireTask(wh, req.task, metric);
  // A brain or internal signal's missing cells go through the lazy path under the request's policy first.
  const gaps = spec ? await Promise.all(ids.map((id) => modelSignalGaps(wh, access.cells, id, [spec], access.lazy))) : ids.map(() => []);
  const placed = await placedTrajectories(wh, ids, req);
  const label = spec ? signalName(spec) : req.task!;

  const series: Series[] = ids.map((id, i) => {
    const rows = placed[i];
    if (rows.length === 0) {
      throw badInput(`model '${id}' has no ${label}${spec ? '' : `/${metric}`} values placed on the ${alignBy} axis`, { model: id, alignBy });
    }
    return {
      key: id,
      x: Float64Array.from(rows, (r) => axisValue(r, alignBy)!),
      value: Float64Array.from(rows, (r) => r.value),
      stderr: Float64Array.from(rows, (r) => r.stderr ?? NaN),
    };
  });
  // Interpolation and correlations on a grid of up to 10,000 points run on the compute pool, off
  // the event loop. A comparison at the checkpoints of a few models (tens of µs) costs less than
  // handing it to a thread (~1 ms of copying and messaging), so it runs here.
  const options = { grid: req.grid ?? undefined, higherIsBetter: req.higherIsBetter ?? higherIsBetter(metric) };
  const pairWork = series.length * series.reduce((n, s) => n + s.x.length, 0);
  const result = !options.grid && pairWork <= INLINE_PAIR_WORK ? compareSeries(series, options) : await cpuPool().run({ kind: 'compareSeries', series, options }, signal);
  const stepAt = (i: number, idx: number) => (result.grid ? null : placed[i][idx].step);
  // best/final index the model's own checkpoints, grid or not.
  const atCheckpoint = (i: number, e: Extremum | null): ComparisonExtremum | null =>
    e && { x: e.x, value: e.value, step: placed[i][e.index].step, stderr: finiteOrNull(series[i].stderr![e.index]) };

  return {
    alignBy,
    task: label,
    metric: spec ? (spec.kind === 'INTERNAL' ? spec.metric : spec.kind === 'BRAIN' ? spec.statistic : metric) : metric,
    grid: result.grid ? [...result.grid] : null,
    series: result.series.map((s, i) => ({
      modelId: s.key,
      gaps: gaps[i],
      points: [...s.x].map((x, idx) => ({
        x,
        step: stepAt(i, idx),
        value: finiteOrNull(s.value[idx]),
        stderr: result.grid ? null : finiteOrNull(series[i].stderr![idx]),
      })),
      best: atCheckpoint(i, s.best),
      final: atCheckpoint(i, s.final),
    })),
    correlations: result.correlations.map((c) => ({ modelA: c.a, modelB: c.b, r: c.r, n: c.n, reason: c.reason })),
  };
}

/** Each model's trajectory in the step range, keeping only the points the axis places. */
async function placedTrajectories(wh: Warehouse, ids: readonly string[], req: CompareModelsRequest): Promise<TrajectoryLike[][]> {
  const range = req.stepRange ?? {};
  let rows: TrajectoryLike[][];
  if (req.signal) {
    const spec = req.signal;
    const inRange = (r: { step: number }) => r.step >= (range.from ?? -Infinity) && r.step <= (range.to ?? Infinity);
    rows = await Promise.all(ids.map(async (id) => (await signalTrajectory(wh, id, spec)).filter(inRange)));
  } else {
    const all = await trajectories(wh, ids, req.task!, req.metric, { from: range.from, to: range.to });
    rows = ids.map((id) => withValues(all.filter((r) => r.modelId === id)));
  }
  const placed = rows.map((r) => r.filter((p) => axisValue(p, req.alignBy) !== null));
  // Values none of which the axis places: say which fact the model lacks, and how to add it.
  const unplaced = ids.filter((_, i) => rows[i].length > 0 && placed[i].length === 0);
  for (const model of unplaced.length > 0 ? await modelsByIds(wh, unplaced) : []) requireAxisFacts(model, rows[ids.indexOf(model.modelId)], req.alignBy);
  return placed;
}

function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

import type { CheckpointPoint, DetectPhasesOptions, PhaseDetection, PhaseSignal } from '../compute/phases/detectPhases.js';
import { matchBoundaries } from '../compute/phases/matchBoundaries.js';
import { compareSeries } from '../compute/trajectories/compareSeries.js';
import { axisValue, type PhaseAxis, type TrainingAxis } from '../compute/trajectories/trainingAxis.js';
import { badInput, degenerate, notFound } from '../errors/CortexError.js';
import { checkpointsOfModels, modelsByIds } from '../warehouse/modelsRepo.js';
import { brainRows, internalRows, type BrainStatistic } from '../warehouse/brainScoresRepo.js';
import { trajectories } from '../warehouse/taskScoresRepo.js';
import { unscoped } from '../warehouse/statementScope.js';
import type { Warehouse } from '../warehouse/Warehouse.js';
import { requireAxisFacts } from './axisFacts.js';
import { abortedError, cpuPool } from './cpu/CpuPool.js';
import { DEFAULT_ENCODING_HASH } from './encoding.js';
import { internalParamsHash } from './internal.js';
import { bestFreshLayerPerStep, meanPerStep, onCheckpointAxis } from './cells/cellRows.js';
import type { CellPoint, CellService } from './cells/CellService.js';
import type { CellState, LazyOptions } from './cells/cellStatus.js';
import { requireModel, requireTask } from './requireKnown.js';

/** What a phase signal is made of: a task (or task group), a brain score, or an internal metric. */
export type SignalSpec =
  | { readonly kind: 'TASK'; readonly task: string; readonly metric: string; readonly weight?: number; readonly minDelta?: number }
  | {
      readonly kind: 'BRAIN';
      readonly dataset: string;
      readonly roi: string;
      readonly layer: number | null;
      readonly subject: string | null;
      readonly statistic: BrainStatistic;
      /** Which encoding parameters (default: the defaults' hash). */
      readonly paramsHash?: string;
      readonly weight?: number;
      readonly minDelta?: number;
    }
  | {
      readonly kind: 'INTERNAL';
      readonly metric: string;
      readonly layer: number | null;
      /** The dataset whose stimulus words the metric was computed on. */
      readonly dataset: string;
      readonly weight?: number;
      readonly minDelta?: number;
    };

export function signalName(s: SignalSpec): string {
  if (s.kind === 'TASK') return `task:${s.task}/${s.metric}`;
  if (s.kind === 'BRAIN') return `brain:${s.dataset}/${s.roi}/${s.layer ?? 'best'}${s.subject ? `/${s.subject}` : ''}`;
  return `internal:${s.metric}/${s.layer ?? 'mean'}`;
}

interface SignalPoint {
  readonly step: number;
  readonly value: number;
  /** A task value's stored standard error (lm-eval's), when there is one. */
  readonly stderr?: number | null;
}

const ROLE = { TASK: 'TASK', BRAIN: 'BRAIN', INTERNAL: 'INTERNAL' } as const;

async function loadSignal(wh: Warehouse, modelId: string, s: SignalSpec): Promise<SignalPoint[]> {
  if (s.kind === 'TASK') return withValues(await trajectories(wh, [modelId], s.task, s.metric));
  if (s.kind === 'BRAIN') {
    const rows = await brainRows(wh, {
      modelIds: [modelId], datasetId: s.dataset, roi: s.roi, subjectId: s.subject, layer: s.layer,
      paramsHash: s.paramsHash ?? DEFAULT_ENCODING_HASH, statistic: s.statistic,
    });
    return bestFreshLayerPerStep(rows).flatMap((r) => (r.value === null || r.staleReason !== null ? [] : [{ step: r.step, value: r.value }]));
  }
  // A stale value is not a value of the signal: it takes no part (its point is a gap).
  const rows = (await internalRows(wh, [modelId], s.metric, s.layer, internalParamsHash(s.dataset), s.dataset)).filter((r) => r.staleReason === null);
  return meanPerStep(rows).flatMap((r) => (r.value === null ? [] : [{ step: r.step, value: r.value }]));
}

/** The points that have a value: a score stored as null (NaN in its file) takes no part in a numeric signal. */
export function withValues<T extends { value: number | null }>(rows: readonly T[]): (T & { value: number })[] {
  return rows.filter((r): r is T & { value: number } => r.value !== null);
}

/** A checkpoint a signal has no stored value for, and why: it takes no part in a detection or comparison. */
export interface CheckpointGap extends CellState {
  readonly signal: string;
  readonly step: number;
}

/**
 * The cells a signal needs, through the lazy path (services/cells/CellService.ts) under the
 * request's policy: the checkpoints it lacks are started, waited for or explained there, and
 * reported here as gaps. A TASK signal's task and metric are checked against the stored ones.
 */
export async function signalCells(wh: Warehouse, cells: CellService, modelId: string, spec: SignalSpec, lazy: LazyOptions): Promise<{ gaps: CheckpointGap[]; stored: number | null }> {
  if (spec.kind === 'TASK') {
    await requireTask(wh, spec.task, spec.metric);
    return { gaps: [], stored: null };
  }
  const points: CellPoint[] =
    spec.kind === 'BRAIN'
      ? await cells.brainTrajectory(modelId, {
          datasetId: spec.dataset, roi: spec.roi, layer: spec.layer, subjectId: spec.subject, statistic: spec.statistic, paramsHash: spec.paramsHash ?? null,
        }, lazy)
      : await cells.internalTrajectory(modelId, { datasetId: spec.dataset, metric: spec.metric, layer: spec.layer }, lazy);
  const signal = signalName(spec);
  return {
    gaps: points.filter((p) => p.status !== 'READY').map((p) => ({ signal, step: p.step, status: p.status, jobId: p.jobId, reason: p.reason })),
    stored: points.filter((p) => p.status === 'READY' && p.value !== null).length,
  };
}

/**
 * Every signal's gaps for one model. A BRAIN or INTERNAL signal with no stored value at all
 * cannot take part: DEGENERATE_INPUT, saying what its checkpoints are waiting for.
 */
export async function modelSignalGaps(wh: Warehouse, cells: CellService, modelId: string, specs: readonly SignalSpec[], lazy: LazyOptions): Promise<CheckpointGap[]> {
  await requireModel(wh, modelId);
  const results = await Promise.all(specs.map((s) => signalCells(wh, cells, modelId, s, lazy)));
  results.forEach(({ gaps, stored }, i) => {
    if (stored !== 0) return;
    const counts = [...new Set(gaps.map((g) => g.status))].map((st) => `${gaps.filter((g) => g.status === st).length} ${st}`).join(', ');
    const why = gaps[0]?.reason ? ` (${gaps[0].reason})` : '';
    throw degenerate(`signal ${signalName(specs[i])} has no stored values for model '${modelId}' yet${gaps.length ? `: its checkpoints are ${counts}${why}; poll, or ask with policy WAIT` : ''}`, {
      signal: signalName(specs[i]), model: modelId, gaps: gaps.length,
    });
  });
  return results.flatMap((r) => r.gaps);
}

export interface SignalTrajectoryPoint {
  readonly step: number;
  readonly tokens: number | null;
  readonly fraction: number | null;
  readonly value: number;
  readonly stderr: number | null;
}

/** One signal of one model over its checkpoints, with each checkpoint's tokens and fraction. */
export async function signalTrajectory(wh: Warehouse, modelId: string, spec: SignalSpec): Promise<SignalTrajectoryPoint[]> {
  if (spec.kind === 'TASK') return withValues(await trajectories(wh, [modelId], spec.task, spec.metric));
  return onCheckpointAxis(wh, modelId, (await loadSignal(wh, modelId, spec)).map((p) => ({ ...p, stderr: null })));
}

export interface PhaseInput {
  readonly points: CheckpointPoint[];
  readonly signals: PhaseSignal[];
}

/**
 * A model's checkpoints and each signal aligned to them (NaN where a checkpoint lacks a value).
 * `axes`: the axes the caller will place the checkpoints on, refused when the model lacks the
 * facts for them (services/axisFacts.ts).
 */
export async function loadPhaseInput(wh: Warehouse, modelId: string, specs: readonly SignalSpec[], axes: readonly PhaseAxis[] = []): Promise<PhaseInput> {
  if (specs.length === 0 || specs.length > 8) throw badInput(`give 1 to 8 signals (got ${specs.length})`, { argument: 'signals' });
  const [model] = await modelsByIds(wh, [modelId]);
  if (!model) throw notFound('model', modelId);
  const [checkpoints, ...series] = await Promise.all([
    checkpointsOfModels(wh, [modelId], { limit: 1_000_000 }),
    ...specs.map((s) => loadSignal(wh, modelId, s)),
  ]);
  const points = checkpoints.map((c) => ({ step: c.step, tokens: c.tokens, fraction: c.fraction }));
  for (const axis of axes) requireAxisFacts(model, points, axis);
  const index = new Map(points.map((p, i) => [p.step, i]));
  const signals = specs.map((spec, i) => {
    const values = new Float64Array(points.length).fill(NaN);
    const stderr = new Float64Array(points.length).fill(NaN);
    for (const { step, value, stderr: se } of series[i]) {
      const at = index.get(step);
      if (at === undefined) continue;
      values[at] = value;
      if (se !== null && se !== undefined) stderr[at] = se;
    }
    const name = signalName(spec);
    if (!values.some(Number.isFinite)) {
      throw badInput(`signal ${name} has no values for model '${modelId}'`, { signal: name, model: modelId });
    }
    // Stored standard errors set the effect floor of the labels (compute/phases/effectSize.ts).
    return { name, role: ROLE[spec.kind], values, weight: spec.weight, minDelta: spec.minDelta, stderr: stderr.some(Number.isFinite) ? stderr : undefined };
  });
  return { points, signals };
}

/** A detection shared by every request asking for it; stopped when the last one still waiting goes away. */
interface SharedDetection {
  readonly result: Promise<PhaseDetection>;
  readonly controller: AbortController;
  waiters: number;
  /** A caller that cannot be cancelled is waiting: never stop it. */
  pinned: boolean;
  settled: boolean;
}

const cacheByWarehouse = new WeakMap<Warehouse, Map<string, SharedDetection>>();
const CACHE_ENTRIES = 200;

/**
 * Phases of one model, cached by (data version, model, signals, options): a repeated request is
 * free, and any committed write to the warehouse invalidates every entry. The numerics run on
 * the compute pool's worker threads (services/cpu/CpuPool.ts), never on the event loop; when
 * every request waiting for a detection is aborted (`signal`: client gone, deadline passed),
 * the detection is stopped and forgotten.
 */
export function detectModelPhases(
  wh: Warehouse,
  modelId: string,
  specs: readonly SignalSpec[],
  options: DetectPhasesOptions = {},
  signal?: AbortSignal,
): Promise<PhaseDetection> {
  let cache = cacheByWarehouse.get(wh);
  if (!cache) cacheByWarehouse.set(wh, (cache = new Map()));
  const key = JSON.stringify([wh.dataVersion, modelId, specs, options]);
  let entry = cache.get(key);
  if (!entry) {
    const controller = new AbortController();
    // Shared by requests: its reads belong to none of them (warehouse/statementScope.ts).
    const result = unscoped(() =>
      loadPhaseInput(wh, modelId, specs, [options.axis ?? 'LOG_TOKENS']).then((input) => cpuPool().run({ kind: 'detectPhases', input: { ...input, options } }, controller.signal)),
    );
    const created: SharedDetection = { result, controller, waiters: 0, pinned: false, settled: false };
    entry = created;
    cache.set(key, created);
    result.then(
      () => (created.settled = true),
      () => {
        created.settled = true;
        if (cache.get(key) === created) cache.delete(key);
      },
    );
    for (const k of cache.keys()) {
      if (cache.size <= CACHE_ENTRIES) break;
      cache.delete(k);
    }
  }
  return follow(entry, signal, () => cache.get(key) === entry && cache.delete(key));
}

function follow(entry: SharedDetection, signal: AbortSignal | undefined, forget: () => void): Promise<PhaseDetection> {
  if (!signal) {
    entry.pinned = true;
    return entry.result;
  }
  if (signal.aborted) return Promise.reject(abortedError(signal));
  entry.waiters++;
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      entry.waiters--;
      if (entry.waiters === 0 && !entry.pinned && !entry.settled) {
        entry.controller.abort();
        forget();
      }
      reject(abortedError(signal));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    entry.result.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        entry.waiters--;
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        entry.waiters--;
        reject(signal.aborted ? abortedError(signal) : error);
      },
    );
  });
}

/** The lazy path of the request a detection serves, and its policy. */
export interface SignalCellAccess {
  readonly cells: CellService;
  readonly lazy: LazyOptions;
}

/** Phases of one model under the request's cell policy: its signals' gaps first (starting or awaiting their cells), then the (cached) detection. */
export async function phasesOfModel(
  wh: Warehouse,
  modelId: string,
  specs: readonly SignalSpec[],
  options: DetectPhasesOptions,
  access: SignalCellAccess,
  signal?: AbortSignal,
): Promise<{ detection: PhaseDetection; gaps: CheckpointGap[] }> {
  const gaps = await modelSignalGaps(wh, access.cells, modelId, specs, access.lazy);
  return { detection: await detectModelPhases(wh, modelId, specs, options, signal), gaps };
}

export interface ModelPhases {
  readonly modelId: string;
  readonly detection: PhaseDetection;
  /** Checkpoints the signals lack (see CheckpointGap). */
  readonly gaps: CheckpointGap[];
  /** Breakpoints on the common axis (null where the checkpoint has no value on it). */
  readonly boundaries: (number | null)[];
}

/** One model A boundary paired with one of model B (compute/phases/matchBoundaries.ts). */
export interface BoundaryMatch {
  /** Positions among each model's breakpoints, from 0. */
  readonly indexA: number;
  readonly indexB: number;
  /** The boundaries on the common axis. */
  readonly a: number;
  readonly b: number;
  /** B − A on the common axis. */
  readonly difference: number;
  /** log10(B / A) for STEP and TOKENS; null otherwise or when undefined. */
  readonly log10Ratio: number | null;
}

export interface BoundaryDifference {
  readonly modelA: string;
  readonly modelB: string;
  /** Boundaries paired by nearest position, order kept, also when the models' k differ. */
  readonly matches: BoundaryMatch[];
  /** Positions of A's (B's) breakpoints with no partner, or with no value on the axis. */
  readonly unmatchedA: number[];
  readonly unmatchedB: number[];
  /** Per breakpoint index, B − A on the common axis; null when the models' k differ. */
  readonly differences: number[] | null;
  /** Per breakpoint index, log10(B / A), for STEP and TOKENS; null when undefined. */
  readonly log10Ratios: (number | null)[] | null;
  readonly reason: string | null;
}

export interface SignalCorrelation {
  readonly signal: string;
  readonly modelA: string;
  readonly modelB: string;
  readonly r: number | null;
  readonly n: number;
}

export interface PhaseComparison {
  readonly alignBy: TrainingAxis;
  readonly models: ModelPhases[];
  readonly boundaryDifferences: BoundaryDifference[];
  readonly correlations: SignalCorrelation[];
}

/** Phases of several models, their boundaries on a common axis, and how their trajectories correlate. */
export async function compareModelPhases(
  wh: Warehouse,
  modelIds: readonly string[],
  specs: readonly SignalSpec[],
  alignBy: TrainingAxis,
  options: DetectPhasesOptions,
  access: SignalCellAccess,
  signal?: AbortSignal,
): Promise<PhaseComparison> {
  if (modelIds.length < 2 || modelIds.length > 16) throw badInput(`compare 2 to 16 models (got ${modelIds.length})`, { argument: 'models' });
  const gaps = await Promise.all(modelIds.map((id) => modelSignalGaps(wh, access.cells, id, specs, access.lazy)));
  const inputs = await Promise.all(modelIds.map((id) => loadPhaseInput(wh, id, specs, [options.axis ?? 'LOG_TOKENS', alignBy])));
  const detections = await Promise.all(modelIds.map((id) => detectModelPhases(wh, id, specs, options, signal)));
  const axisOf = (p: CheckpointPoint) => axisValue(p, alignBy);

  const models = modelIds.map((modelId, i) => ({
    modelId,
    detection: detections[i],
    gaps: gaps[i],
    boundaries: detections[i].breakpoints.map((b) => axisOf(inputs[i].points[b.index])),
  }));

  const boundaryDifferences: BoundaryDifference[] = [];
  const correlations: SignalCorrelation[] = [];
  for (let a = 0; a < models.length; a++) {
    for (let b = a + 1; b < models.length; b++) {
      boundaryDifferences.push(boundaryDifference(models[a], models[b], alignBy));
    }
  }
  specs.forEach((spec, s) => {
    const series = inputs.map((input, i) => {
      const kept = input.points.map((p, t) => ({ x: axisOf(p), v: input.signals[s].values[t] })).filter((q) => q.x !== null && Number.isFinite(q.v));
      return { key: modelIds[i], x: Float64Array.from(kept, (q) => q.x!), value: Float64Array.from(kept, (q) => q.v) };
    });
    for (const c of compareSeries(series).correlations) correlations.push({ signal: signalName(spec), modelA: c.a, modelB: c.b, r: c.r, n: c.n });
  });
  return { alignBy, models, boundaryDifferences, correlations };
}

function boundaryDifference(a: ModelPhases, b: ModelPhases, alignBy: TrainingAxis): BoundaryDifference {
  const base = { modelA: a.modelId, modelB: b.modelId, ...matchedBoundaries(a.boundaries, b.boundaries, alignBy) };
  if (a.boundaries.length !== b.boundaries.length) {
    const left = base.unmatchedA.length + base.unmatchedB.length;
    return {
      ...base, differences: null, log10Ratios: null,
      reason: `different numbers of breakpoints (${a.boundaries.length} vs ${b.boundaries.length}): ${base.matches.length} matched by nearest position in \`matches\`, ${left} unmatched`,
    };
  }
  if (a.boundaries.some((v) => v === null) || b.boundaries.some((v) => v === null)) {
    return { ...base, differences: null, log10Ratios: null, reason: `a breakpoint has no ${alignBy} value` };
  }
  const differences = a.boundaries.map((v, i) => b.boundaries[i]! - v!);
  const log10Ratios =
    alignBy === 'FRACTION' ? null : a.boundaries.map((v, i) => (v! > 0 && b.boundaries[i]! > 0 ? Math.log10(b.boundaries[i]! / v!) : null));
  return { ...base, differences, log10Ratios, reason: null };
}

/** Pairs two models' boundaries by nearest position (order kept); those without an axis value stay unmatched. */
function matchedBoundaries(a: readonly (number | null)[], b: readonly (number | null)[], alignBy: TrainingAxis): Pick<BoundaryDifference, 'matches' | 'unmatchedA' | 'unmatchedB'> {
  const placed = (v: readonly (number | null)[]) => v.flatMap((x, i) => (x === null ? [] : [{ x, i }]));
  const [pa, pb] = [placed(a), placed(b)];
  const m = matchBoundaries(pa.map((p) => p.x), pb.map((p) => p.x));
  const matches = m.pairs.map(({ indexA, indexB }) => {
    const [va, vb] = [pa[indexA].x, pb[indexB].x];
    return {
      indexA: pa[indexA].i, indexB: pb[indexB].i, a: va, b: vb, difference: vb - va,
      log10Ratio: alignBy !== 'FRACTION' && va > 0 && vb > 0 ? Math.log10(vb / va) : null,
    };
  });
  const unmatched = (n: number, used: Set<number>) => [...Array(n).keys()].filter((i) => !used.has(i));
  return {
    matches,
    unmatchedA: unmatched(a.length, new Set(matches.map((p) => p.indexA))),
    unmatchedB: unmatched(b.length, new Set(matches.map((p) => p.indexB))),
  };
}

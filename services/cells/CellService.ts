import DataLoader from 'dataloader';
import type { InternalMetricName, TwoNNDetails } from '../../compute/internal/internalMetrics.js';
import type { CortexError } from '../../errors/CortexError.js';
import { brainRows, internalRows, type BrainRow, type BrainStatistic } from '../../warehouse/brainScoresRepo.js';
import { computableSteps, modelLayers } from '../../warehouse/discoveryRepo.js';
import { featureLayers } from '../../warehouse/fmriRepo.js';
import type { Warehouse } from '../../warehouse/Warehouse.js';
import { DEFAULT_ENCODING_HASH } from '../encoding.js';
import { describeInternalMetric, internalParamsHash, type InternalMetricDescription } from '../internal.js';
import { encodingJob, internalJob, type JobSpec } from '../jobs/jobSpec.js';
import type { Scheduler } from '../jobs/Scheduler.js';
import type { KnownChecks } from '../requireKnown.js';
import { CellJobs } from './cellJobs.js';
import { bestFreshLayerPerStep, meanPerStep, onCheckpointAxis } from './cellRows.js';
import type { CellState, LazyOptions } from './cellStatus.js';
import type { ComputeAccess, ComputePrincipal } from './computeAccess.js';

/** What picks a brain-score cell besides the checkpoint. */
export interface BrainCellQuery {
  readonly datasetId: string;
  /** An ROI label of the dataset (exact), or "all". */
  readonly roi: string;
  /** null: the best layer. */
  readonly layer: number | null;
  /** null: the mean over subjects. */
  readonly subjectId: string | null;
  readonly statistic: BrainStatistic;
  /** null: the default encoding parameters — the only ones computed on demand. */
  readonly paramsHash: string | null;
}

/** What picks an internal-metric cell besides the checkpoint. */
export interface InternalCellQuery {
  readonly datasetId: string;
  readonly metric: string;
  /** null: the mean over layers. */
  readonly layer: number | null;
}

export interface BrainCell extends CellState {
  readonly value: number | null;
  readonly layer: number | null;
  readonly nSubjects: number;
  readonly nVoxels: number;
  readonly nSignificant: number;
}

export interface LayerCell extends CellState {
  readonly layer: number;
  readonly value: number | null;
  readonly nSubjects: number;
}

/** A checkpoint of a trajectory: its value, or why there is none. */
export interface CellPoint extends CellState {
  readonly step: number;
  readonly tokens: number | null;
  readonly fraction: number | null;
  readonly value: number | null;
  readonly layer: number | null;
  /** Internal metrics that compare checkpoints (linear CKA): the checkpoint compared with. */
  readonly referenceStep?: number | null;
  /** TwoNN: how the estimate was obtained. */
  readonly twoNN?: TwoNNDetails | null;
  /** Internal metrics: what was computed, and how. */
  readonly definition?: InternalMetricDescription | null;
}

type StoredPoint = Pick<CellPoint, 'step' | 'value' | 'layer' | 'referenceStep' | 'twoNN'> & {
  /** Stored, but an input or reference changed since it was computed: served STALE, never READY. */
  readonly staleReason?: string | null;
};

const NOT_PRODUCED = 'computed, but its computation produced no value for this cell (no voxel of the ROI in the subjects, or no features of the layer)';

/**
 * The one home of the lazy path, per request: for single cells, layer profiles and trajectories
 * it checks the arguments against what exists (services/requireKnown.ts), reads the stored cells
 * (batched per field level), decides about the missing ones — start, wait, or say why not
 * (services/cells/cellJobs.ts) — and reads again what the jobs stored. Resolvers map arguments in
 * and results out; phases and comparisons ask it about the checkpoints their signals lack.
 */
export class CellService {
  private readonly jobs: CellJobs;
  private readonly brainLoaders = new Map<string, DataLoader<{ modelId: string; step: number }, BrainRow[], string>>();

  constructor(
    private readonly wh: Warehouse,
    private readonly known: KnownChecks,
    scheduler: Scheduler | null,
    who: ComputePrincipal,
    access: ComputeAccess | null,
    report: (error: CortexError) => void,
  ) {
    this.jobs = new CellJobs(wh, scheduler, who, access, report);
  }

  /** One brain-score cell of a checkpoint (the best layer when `layer` is null). */
  async brainScore(modelId: string, step: number, args: BrainCellQuery, lazy: LazyOptions): Promise<BrainCell> {
    await this.checkBrain(modelId, args);
    const policy = lazyFor(args, lazy);
    const [row] = bestFreshLayerPerStep(await this.storedBrain(args).load({ modelId, step }));
    const none = { value: null, layer: args.layer, nSubjects: 0, nVoxels: 0, nSignificant: 0 };
    if (row && row.staleReason === null) return readyBrain(row, null);
    // A stale cell is recomputed like a missing one, unless the policy computes nothing.
    if (row?.staleReason && policy.policy === 'NEVER') return { ...none, status: 'STALE', jobId: null, reason: row.staleReason };
    const state = await this.jobs.state(encodingJob(modelId, step, args.datasetId), policy, Boolean(row));
    if (state.status !== 'READY') return { ...state, ...none, reason: row?.staleReason ? `${state.reason} (was stale: ${row.staleReason})` : state.reason };
    const [fresh] = bestFreshLayerPerStep(await brainRows(this.wh, this.brainQuery(modelId, args, [step]), { fresh: true }));
    if (fresh?.staleReason) return { ...none, status: 'STALE', jobId: state.jobId, reason: fresh.staleReason };
    return fresh ? readyBrain(fresh, state.jobId) : { ...state, ...none, reason: NOT_PRODUCED };
  }

  /** Every layer's brain score of a checkpoint; before its cells exist, the layers its job computes, each with the job's state. */
  async layerProfile(modelId: string, step: number, args: Omit<BrainCellQuery, 'layer'>, lazy: LazyOptions): Promise<LayerCell[]> {
    const all = { ...args, layer: null };
    await this.checkBrain(modelId, all);
    const rows = await this.storedBrain(all).load({ modelId, step });
    const policy = lazyFor(all, lazy);
    const stale = rows.some((r) => r.staleReason !== null);
    if (rows.length && (!stale || policy.policy === 'NEVER')) return rows.map((r) => layerCell(r, null));
    // Some layer is stale: the checkpoint's job recomputes every layer.
    const state = await this.jobs.state(encodingJob(modelId, step, args.datasetId), policy, stale);
    const fresh = state.status === 'READY' ? await brainRows(this.wh, this.brainQuery(modelId, all, [step]), { fresh: true }) : [];
    if (fresh.length) return fresh.map((r) => layerCell(r, state.jobId));
    if (stale) return rows.map((r) => (r.staleReason === null ? layerCell(r, null) : { ...layerCell(r, null), ...state, value: null, reason: `${state.reason} (was stale: ${r.staleReason})` }));
    const features = await featureLayers(this.wh, modelId, step, args.datasetId);
    const layers = features.length ? features : await modelLayers(this.wh, modelId);
    const reason = state.status === 'READY' ? NOT_PRODUCED : state.reason;
    return layers.map((layer) => ({ layer, value: null, nSubjects: 0, status: state.status, jobId: state.jobId, reason }));
  }

  /** A brain score over training: every checkpoint with a stored value or a way to get one. */
  async brainTrajectory(modelId: string, args: BrainCellQuery, lazy: LazyOptions): Promise<CellPoint[]> {
    await this.checkBrain(modelId, args);
    const read = async (fresh: boolean) =>
      bestFreshLayerPerStep(await brainRows(this.wh, this.brainQuery(modelId, args), { fresh })).map(({ step, value, layer, staleReason }) => ({ step, value, layer, staleReason }));
    return this.trajectory(modelId, args.datasetId, read, (step) => encodingJob(modelId, step, args.datasetId), lazyFor(args, lazy));
  }

  /** An internal-state metric over training, at one layer or averaged over layers. */
  async internalTrajectory(modelId: string, args: InternalCellQuery, lazy: LazyOptions): Promise<CellPoint[]> {
    await this.known.internalCell({ modelId, ...args });
    const read = async (fresh: boolean): Promise<StoredPoint[]> => {
      const rows = await internalRows(this.wh, [modelId], args.metric, args.layer, internalParamsHash(args.datasetId), args.datasetId, { fresh });
      if (args.layer === null) {
        // A run compares all its layers with the same checkpoints: a mean over layers keeps their reference.
        const referenceOf = new Map(rows.map((r) => [r.step, r.referenceStep]));
        const staleOf = new Map(rows.filter((r) => r.staleReason !== null).reverse().map((r) => [r.step, `layer ${r.layer}: ${r.staleReason}`]));
        return meanPerStep(rows).map((p) => ({ ...p, referenceStep: referenceOf.get(p.step) ?? null, staleReason: staleOf.get(p.step) ?? null }));
      }
      return rows.map((r) => ({
        step: r.step, value: r.value, layer: r.layer, referenceStep: r.referenceStep, staleReason: r.staleReason,
        twoNN: r.metric === 'twoNN' && r.detailsJson ? (JSON.parse(r.detailsJson) as TwoNNDetails) : null,
      }));
    };
    const definition = describeInternalMetric(args.metric as InternalMetricName, args.datasetId);
    const points = await this.trajectory(modelId, args.datasetId, read, (step) => internalJob(modelId, step, args.datasetId), lazy);
    return points.map((p) => ({ ...p, definition }));
  }

  /**
   * Stored points, and every checkpoint that could have one but does not with its state; with
   * the jobs settled (READY), the stored values are read again, past the read cache.
   */
  private async trajectory(
    modelId: string,
    datasetId: string,
    read: (fresh: boolean) => Promise<StoredPoint[]>,
    specFor: (step: number) => JobSpec,
    lazy: LazyOptions,
  ): Promise<CellPoint[]> {
    const all = await read(false);
    // Stale points are recomputed like missing ones, unless the policy computes nothing.
    const recompute = lazy.policy !== 'NEVER';
    const stale = new Map(all.filter((p) => p.staleReason && recompute).map((p) => [p.step, p.staleReason as string]));
    const stored = all.filter((p) => !stale.has(p.step));
    const have = new Set(all.map((p) => p.step));
    const missing = [...(await computableSteps(this.wh, modelId, datasetId)).filter((step) => !have.has(step)), ...stale.keys()];
    const states = await Promise.all(missing.map((step) => this.jobs.state(specFor(step), lazy, stale.has(step))));
    const fresh = states.some((s) => s.status === 'READY') ? new Map((await read(true)).map((p) => [p.step, p])) : null;
    const asStored = ({ staleReason, ...p }: StoredPoint, jobId: string | null) =>
      staleReason ? { ...p, value: null, status: 'STALE' as const, jobId, reason: staleReason } : { ...p, status: 'READY' as const, jobId, reason: null };
    const points = [
      ...stored.map((p) => asStored(p, null)),
      ...missing.map((step, i) => {
        const state = states[i];
        if (state.status !== 'READY') return { step, value: null, layer: null, ...state, reason: stale.has(step) ? `${state.reason} (was stale: ${stale.get(step)})` : state.reason };
        const done = fresh?.get(step);
        return done ? asStored(done, state.jobId) : { step, value: null, layer: null, ...state, reason: NOT_PRODUCED };
      }),
    ];
    return onCheckpointAxis(this.wh, modelId, points.sort((a, b) => a.step - b.step));
  }

  private brainQuery(modelId: string, args: BrainCellQuery, steps?: readonly number[]) {
    return {
      modelIds: [modelId], datasetId: args.datasetId, roi: args.roi, layer: args.layer, subjectId: args.subjectId,
      statistic: args.statistic, paramsHash: args.paramsHash ?? DEFAULT_ENCODING_HASH, steps,
    };
  }

  /** Stored summary rows (every layer) of checkpoints, one statement per argument set and field level. */
  private storedBrain(args: BrainCellQuery): DataLoader<{ modelId: string; step: number }, BrainRow[], string> {
    const key = JSON.stringify(args);
    let loader = this.brainLoaders.get(key);
    if (!loader) {
      loader = new DataLoader(
        async (cells) => {
          const rows = await brainRows(this.wh, {
            ...this.brainQuery('', args),
            modelIds: [...new Set(cells.map((c) => c.modelId))],
            steps: [...new Set(cells.map((c) => c.step))],
          });
          return cells.map((c) => rows.filter((r) => r.modelId === c.modelId && r.step === c.step));
        },
        { cacheKeyFn: (c) => `${c.modelId}@${c.step}` },
      );
      this.brainLoaders.set(key, loader);
    }
    return loader;
  }

  private checkBrain(modelId: string, args: BrainCellQuery): Promise<unknown> {
    return this.known.brainCell({ modelId, ...args });
  }
}

/** Only cells of the default encoding parameters are computed on demand; others are read as stored. */
function lazyFor(args: BrainCellQuery, lazy: LazyOptions): LazyOptions {
  return args.paramsHash && args.paramsHash !== DEFAULT_ENCODING_HASH ? { policy: 'NEVER', waitSeconds: 0 } : lazy;
}

/** A stored layer's cell: READY, or STALE (value null) when an input changed since it was computed. */
function layerCell(r: BrainRow, jobId: string | null): LayerCell {
  return r.staleReason === null
    ? { layer: r.layer, value: r.value, nSubjects: r.nSubjects, status: 'READY', jobId, reason: null }
    : { layer: r.layer, value: null, nSubjects: r.nSubjects, status: 'STALE', jobId, reason: r.staleReason };
}

function readyBrain(row: BrainRow, jobId: string | null): BrainCell {
  return {
    value: row.value, layer: row.layer, nSubjects: row.nSubjects, nVoxels: row.nVoxels, nSignificant: row.nSignificant,
    status: 'READY', jobId,
    reason: row.value === null ? (row.ceilingMissing ? 'no noise ceiling for this ROI (see Dataset.noiseCeiling for why)' : 'no voxel of the ROI has a defined r') : null,
  };
}

import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, ID, Info, Int, Query, Resolver, Root } from 'type-graphql';
import type { BrainCellQuery } from '../services/cells/CellService.js';
import type { LazyOptions } from '../services/cells/cellStatus.js';
import { DEFAULT_ENCODING_HASH, encodingParams, encodingParamsHash } from '../services/encoding.js';
import { noiseCeiling } from '../services/noiseCeilings.js';
import { describeInternalMetric, INTERNAL_METRICS } from '../services/internal.js';
import { requireCheckpoint, requireDataset, requireModel } from '../services/requireKnown.js';
import { BrainCellArgs, BrainSelectionArgs, LazyArgs } from '../schema/BrainCellArgs.js';
import { BrainScore, Dataset, EncodingParamsInput, EncodingParamsReport, LayerScore, NoiseCeilingType, SignalPoint, VoxelOrder, VoxelScoreConnection } from '../schema/Brain.type.js';
import { Checkpoint } from '../schema/Checkpoint.type.js';
import { InternalMetricDefinition } from '../schema/InternalMetric.type.js';
import { Model } from '../schema/Model.type.js';
import { storedCell, voxelScores } from '../warehouse/brainScoresRepo.js';
import { datasetIds, datasetVoxelCount, type DatasetCatalog } from '../warehouse/discoveryRepo.js';
import type { Context } from './context.js';
import { checkFirst, decodeCursor, encodeCursor, selectsField, toPage } from './pagination.js';
import { withoutNulls } from './withoutNulls.js';

/** Field arguments → the lazy path's query (services/cells/CellService.ts). */
function brainQuery(args: BrainSelectionArgs & { layer?: number | null }): BrainCellQuery {
  return {
    datasetId: args.dataset, roi: args.roi, layer: args.layer ?? null, subjectId: args.subject ?? null,
    statistic: args.statistic, paramsHash: args.paramsHash ?? null,
  };
}

export function lazyOptions(args: LazyArgs): LazyOptions {
  return { policy: args.policy, waitSeconds: args.waitSeconds };
}

@Resolver(() => Checkpoint)
export class CheckpointBrainResolver {
  @FieldResolver(() => BrainScore, {
    description:
      'Brain score of this checkpoint for an fMRI dataset and ROI ("all" = whole brain): the mean voxel test r, averaged over ' +
      'subjects (or one subject), at a given layer or the best layer (omit `layer`). Never 0 for a cell that has no value: ' +
      '`status` says why (MISSING, PENDING with `jobId`, FAILED, NEVER). Unknown datasets, subjects, ROIs or layers are NOT_FOUND.',
  })
  brainScore(@Root() cp: Checkpoint, @Ctx() ctx: Context, @Args(() => BrainCellArgs) args: BrainCellArgs): Promise<BrainScore> {
    return ctx.cells.brainScore(cp.modelId, cp.step, brainQuery(args), lazyOptions(args));
  }

  @FieldResolver(() => [LayerScore], {
    description:
      'Brain score of every layer of this checkpoint: where in depth the model aligns. Before the cells exist, the layers their ' +
      'computation covers, each with its status.',
  })
  layerProfile(@Root() cp: Checkpoint, @Ctx() ctx: Context, @Args(() => BrainSelectionArgs) args: BrainSelectionArgs): Promise<LayerScore[]> {
    return ctx.cells.layerProfile(cp.modelId, cp.step, brainQuery(args), lazyOptions(args));
  }
}

@Resolver(() => Model)
export class ModelBrainResolver {
  @FieldResolver(() => [SignalPoint], {
    description:
      'Brain score over training: per checkpoint the given layer, or the best layer when `layer` is omitted. Lists every ' +
      'checkpoint with a stored value or a way to compute one, each with its status.',
  })
  brainTrajectory(@Root() model: Model, @Ctx() ctx: Context, @Args(() => BrainCellArgs) args: BrainCellArgs): Promise<SignalPoint[]> {
    return ctx.cells.brainTrajectory(model.id, brainQuery(args), lazyOptions(args));
  }

  @FieldResolver(() => [SignalPoint], {
    description:
      'An internal-state metric over training (twoNN, effectiveRank, participationRatio, anisotropy, meanNorm, linearCKA, ' +
      'linearCKAToFinal) at one layer, computed on a dataset’s stimulus words; every computable checkpoint with its status. ' +
      'CKA values come with the checkpoint they compare with (`referenceStep`), TwoNN values with the points they used and a ' +
      'scale check (`twoNN`), every point with the metric’s definition and parameters (`definition`; all of them: ' +
      '`internalMetricDefinitions`). twoNN: intrinsic dimension (Facco et al. 2017, line fit, duplicates and near-twins collapsed); ' +
      'effectiveRank: exp(entropy of normalised singular values) of the centred states (Roy & Vetterli 2007, but centred); ' +
      'participationRatio: (Σλ)²/Σλ² of the covariance; anisotropy: mean pairwise cosine, uncentred (Ethayarajh 2019); ' +
      'meanNorm: mean ‖h‖₂; linearCKA / linearCKAToFinal: linear CKA of the centred states with the previous / the final ' +
      'checkpoint (Kornblith et al. 2019).',
  })
  internalTrajectory(
    @Root() model: Model,
    @Ctx() ctx: Context,
    @Arg('metric', () => String, { description: 'twoNN, effectiveRank, participationRatio, anisotropy, meanNorm, linearCKA (to the previous checkpoint) or linearCKAToFinal (to the model’s final checkpoint).' }) metric: string,
    @Arg('layer', () => Int, { description: 'A layer of the model (`Model.layers`).' }) layer: number,
    @Arg('dataset', () => ID, { description: 'The dataset whose stimulus words the metric is computed on.' }) dataset: string,
    @Args(() => LazyArgs) lazy: LazyArgs,
  ): Promise<SignalPoint[]> {
    return ctx.cells.internalTrajectory(model.id, { datasetId: dataset, metric, layer }, lazyOptions(lazy));
  }
}

@Resolver()
export class BrainQueryResolver {
  @Query(() => VoxelScoreConnection, {
    nullable: true,
    description:
      'Per-voxel scores of one stored cell (model, step, layer, dataset, subject), in voxel order or by r (`orderBy`). ' +
      'Unknown names are NOT_FOUND (null here, the error in `errors`).',
  })
  async voxelScores(
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
    @Arg('model', () => ID, { description: 'The model id.' }) model: string,
    @Arg('step', () => Int, { description: 'A checkpoint of the model.' }) step: number,
    @Arg('layer', () => Int, { description: 'A layer of the model.' }) layer: number,
    @Arg('dataset', () => ID, { description: 'The fMRI dataset.' }) dataset: string,
    @Arg('subject', () => String, { description: 'A subject of the dataset.' }) subject: string,
    @Arg('first', () => Int, { description: 'Page size (required, capped).' }) first: number,
    @Arg('after', () => String, { nullable: true, description: 'The `endCursor` of the previous page.' }) after: string | null,
    @Arg('roi', () => String, { nullable: true, description: 'Only voxels of this ROI label (exact).' }) roi: string | null,
    @Arg('minR', () => Number, { nullable: true, description: 'Only voxels with test r ≥ this.' }) minR: number | null,
    @Arg('paramsHash', () => String, { nullable: true, description: 'Encoding parameters other than the defaults, by hash.' }) paramsHash: string | null,
    @Arg('orderBy', () => VoxelOrder, { nullable: true, description: 'Sort order [voxel index, ascending]; `{ field: R, direction: DESC }` puts the best-predicted voxels first.' })
    orderBy: VoxelOrder | null,
  ): Promise<VoxelScoreConnection> {
    const limit = checkFirst(first, ctx.limits.maxPageSize);
    await requireModel(ctx.wh, model);
    await requireCheckpoint(ctx.wh, model, step);
    await ctx.known.brainCell({ modelId: model, datasetId: dataset, subjectId: subject, roi: roi ?? 'all', layer });
    const order = { field: orderBy?.field ?? 'VOXEL', direction: orderBy?.direction ?? 'ASC' } as const;
    const kind = order.field === 'R' ? `voxel-r-${order.direction}` : `voxel-${order.direction}`;
    const position = decodeCursor(kind, after);
    const start = order.field === 'R' ? 0 : order.direction === 'DESC' ? 2 ** 31 : -1;
    const key = { modelId: model, step, layer, datasetId: dataset, subjectId: subject, paramsHash: paramsHash ?? DEFAULT_ENCODING_HASH };
    const cell = await storedCell(ctx.wh, key);
    if (!cell) return { ...toPage([], limit, () => '', (n: never) => n), totalCount: 0, status: 'MISSING', reason: 'not computed with these parameters (brainScore or computeCells computes it)', runId: null };
    // The count needs the whole cell, not just what follows the cursor: only when asked for.
    const { rows, total } = await voxelScores(ctx.wh, cell, key, {
      after: position === null ? start : Number(position), limit, roi, minR, order, withTotal: selectsField(info, 'totalCount'),
    });
    const page = toPage(rows, limit, (r) => encodeCursor(kind, r.position), ({ voxel, roi: label, r, alpha, noiseCeiling, ceiledR, pValue, qValue }) => ({
      voxel, roi: label, r, alpha, noiseCeiling, ceiledR, pValue, qValue,
    }));
    return { ...page, totalCount: total ?? 0, status: cell.staleReason === null ? 'READY' : 'STALE', reason: cell.staleReason, runId: cell.runId };
  }

  @Query(() => [InternalMetricDefinition], {
    description:
      'Every internal-state metric `internalTrajectory` accepts, with its definition, centring, estimator, reference and the ' +
      'parameters its values are computed with (each trajectory point carries the same as `definition`, with its params hash).',
  })
  internalMetricDefinitions(): InternalMetricDefinition[] {
    return INTERNAL_METRICS.map((metric) => describeInternalMetric(metric, null));
  }

  @Query(() => EncodingParamsReport, {
    description:
      'The parameters an encoding run with these settings records, and their params hash: the `paramsHash` that brain-score fields ' +
      'take to read cells computed with them (docs/encoding.md “Conventions”). Nothing is computed. ' +
      'Example: `{ encodingParams(params: { cvMetric: R }) { paramsHash isDefault } }`.',
  })
  encodingParams(@Arg('params', () => EncodingParamsInput, { nullable: true, description: 'The settings; omitted fields take the defaults.' }) params: EncodingParamsInput | null): EncodingParamsReport {
    const recorded = encodingParams(withoutNulls(params));
    const hash = encodingParamsHash(recorded);
    return { paramsHash: hash, params: JSON.stringify(recorded), isDefault: hash === DEFAULT_ENCODING_HASH };
  }

  @Query(() => [Dataset], { description: 'The fMRI datasets in the warehouse, with their subjects, ROIs and runs.' })
  async datasets(@Ctx() ctx: Context): Promise<Dataset[]> {
    return Promise.all((await datasetIds(ctx.wh)).map(async (id) => toDataset(ctx, await requireDataset(ctx.wh, id))));
  }

  @Query(() => Dataset, { nullable: true, description: 'One fMRI dataset by id; null with NOT_FOUND in `errors` (naming the closest ids) when there is none.' })
  async dataset(@Ctx() ctx: Context, @Arg('id', () => ID, { description: 'The dataset id, e.g. "sim-narratives".' }) id: string): Promise<Dataset> {
    return toDataset(ctx, await requireDataset(ctx.wh, id));
  }
}

@Resolver(() => Dataset)
export class DatasetResolver {
  @FieldResolver(() => NoiseCeilingType, {
    description:
      'The noise ceiling of an ROI (one subject, or all pooled): per-voxel CC_max from repeated test presentations, stored at import. ' +
      '`available` is false, with the reason, for datasets without repeated test runs.',
  })
  noiseCeiling(
    @Root() d: Dataset,
    @Ctx() ctx: Context,
    @Arg('roi', () => String, { defaultValue: 'all', description: 'An ROI of the dataset ("all" = whole brain).' }) roi: string,
    @Arg('subject', () => String, { nullable: true, description: 'One subject; omitted = every subject’s voxels.' }) subject: string | null,
  ): Promise<NoiseCeilingType> {
    return noiseCeiling(ctx.wh, d.id, roi, subject ?? null);
  }
}

async function toDataset(ctx: Context, d: DatasetCatalog): Promise<Dataset> {
  return {
    id: d.id, trSeconds: d.trSeconds, subjects: [...d.subjects],
    rois: [{ name: 'all', nVoxels: await datasetVoxelCount(ctx.wh, d.id) }, ...d.rois.map((r) => ({ ...r }))],
    runs: d.runs.map((r) => ({ ...r })),
  };
}

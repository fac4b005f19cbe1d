import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, ID, Info, Int, Query, Resolver, Root } from 'type-graphql';
import { DEFAULT_ENCODING_HASH } from '../services/encoding.js';
import { internalParamsHash } from '../services/internal.js';
import { bestLayerPerStep, lazyPolicy, onCheckpointAxis, trajectoryCells } from '../services/trajectoryCells.js';
import { BrainCellArgs } from '../schema/BrainCellArgs.js';
import { BrainScore, Dataset, LayerScore, SignalPoint, VoxelScoreConnection } from '../schema/Brain.type.js';
import { Checkpoint } from '../schema/Checkpoint.type.js';
import { Model } from '../schema/Model.type.js';
import { BrainStatistic, CellPolicy, CellStatus } from '../schema/enums.js';
import { brainRows, internalRows, storedCell, voxelScores } from '../warehouse/brainScoresRepo.js';
import { datasetInfo, listDatasetIds } from '../warehouse/fmriRepo.js';
import { encodingJob, internalJob } from '../services/jobs/jobSpec.js';
import type { Context } from './context.js';
import { checkFirst, decodeCursor, encodeCursor, selectsField, toPage } from './pagination.js';

@Resolver(() => Checkpoint)
export class CheckpointBrainResolver {
  @FieldResolver(() => BrainScore, {
    description:
      'Brain score of this checkpoint for an fMRI dataset and ROI ("all" = whole brain): the mean voxel test r, averaged over ' +
      'subjects (or one subject), at a given layer or the best layer (omit `layer`). MISSING when never computed — never 0.',
  })
  async brainScore(
    @Root() cp: Checkpoint,
    @Ctx() ctx: Context,
    @Args(() => BrainCellArgs) { dataset, roi, layer, subject, statistic, paramsHash, policy, waitSeconds }: BrainCellArgs,
  ): Promise<BrainScore> {
    const query = { datasetId: dataset, roi, layer: layer ?? null, subjectId: subject ?? null, statistic, paramsHash: paramsHash ?? DEFAULT_ENCODING_HASH };
    const key = `${cp.modelId}\u0000${cp.step}`;
    let [row] = bestLayerPerStep(await ctx.loaders.brain(query).load(key));
    if (row) return { ...row, status: CellStatus.READY, jobId: null, reason: row.value === null ? 'no voxel of the ROI has a defined r' : null };
    const state = await ctx.loaders.missingCells(lazyPolicy(policy, paramsHash), waitSeconds, ctx.scheduler).state(encodingJob(cp.modelId, cp.step, dataset));
    if (policy === CellPolicy.WAIT && state.jobId) {
      // The job may have finished while we waited: read the cell again, past the request's loader.
      [row] = bestLayerPerStep(await brainRows(ctx.wh, { ...query, modelIds: [cp.modelId], steps: [cp.step] }));
      if (row) return { ...row, status: CellStatus.READY, jobId: state.jobId, reason: null };
    }
    return { value: null, status: state.status, layer: layer ?? null, nSubjects: 0, nVoxels: 0, nSignificant: 0, reason: state.reason, jobId: state.jobId };
  }

  @FieldResolver(() => [LayerScore], { description: 'Brain score of every computed layer of this checkpoint: where in depth the model aligns.' })
  async layerProfile(
    @Root() cp: Checkpoint,
    @Ctx() ctx: Context,
    @Arg('dataset', () => ID) dataset: string,
    @Arg('roi', () => String, { defaultValue: 'all' }) roi: string,
    @Arg('subject', () => String, { nullable: true }) subject: string | null,
    @Arg('statistic', () => BrainStatistic, { defaultValue: BrainStatistic.MEAN_R }) statistic: BrainStatistic,
    @Arg('paramsHash', () => String, { nullable: true }) paramsHash: string | null,
  ): Promise<LayerScore[]> {
    const rows = await ctx.loaders
      .brain({ datasetId: dataset, roi, layer: null, subjectId: subject, statistic, paramsHash: paramsHash ?? DEFAULT_ENCODING_HASH })
      .load(`${cp.modelId}\u0000${cp.step}`);
    return rows.map((r) => ({ layer: r.layer, value: r.value, nSubjects: r.nSubjects }));
  }
}

@Resolver(() => Model)
export class ModelBrainResolver {
  @FieldResolver(() => [SignalPoint], {
    description: 'Brain score over training: per checkpoint the given layer, or the best layer when `layer` is omitted.',
  })
  async brainTrajectory(
    @Root() model: Model,
    @Ctx() ctx: Context,
    @Args(() => BrainCellArgs) { dataset, roi, layer, subject, statistic, paramsHash, policy, waitSeconds }: BrainCellArgs,
  ): Promise<SignalPoint[]> {
    const query = { modelIds: [model.id], datasetId: dataset, roi, layer: layer ?? null, subjectId: subject ?? null, statistic, paramsHash: paramsHash ?? DEFAULT_ENCODING_HASH };
    const read = async () => bestLayerPerStep(await brainRows(ctx.wh, query)).map(({ step, value, layer }) => ({ step, value, layer }));
    const missing = lazyPolicy(policy, paramsHash);
    const states = ctx.loaders.missingCells(missing, waitSeconds, ctx.scheduler);
    const points = await trajectoryCells(ctx.wh, model.id, dataset, read, (step) => encodingJob(model.id, step, dataset), states, missing);
    return onCheckpointAxis(ctx.wh, model.id, points);
  }

  @FieldResolver(() => [SignalPoint], {
    description: 'An internal-state metric over training (twoNN, effectiveRank, participationRatio, anisotropy, meanNorm, linearCKA) at one layer, computed on a dataset’s stimulus words.',
  })
  async internalTrajectory(
    @Root() model: Model,
    @Ctx() ctx: Context,
    @Arg('metric', () => String) metric: string,
    @Arg('layer', () => Int) layer: number,
    @Arg('dataset', () => ID) dataset: string,
    @Arg('policy', () => CellPolicy, { defaultValue: CellPolicy.IF_MISSING }) policy: CellPolicy,
    @Arg('waitSeconds', () => Int, { defaultValue: 30 }) waitSeconds: number,
  ): Promise<SignalPoint[]> {
    const read = async () =>
      (await internalRows(ctx.wh, [model.id], metric, layer, internalParamsHash(dataset))).map((r) => ({ step: r.step, value: r.value, layer: r.layer }));
    const states = ctx.loaders.missingCells(policy, waitSeconds, ctx.scheduler);
    const points = await trajectoryCells(ctx.wh, model.id, dataset, read, (step) => internalJob(model.id, step, dataset), states, policy);
    return onCheckpointAxis(ctx.wh, model.id, points);
  }
}

@Resolver()
export class BrainQueryResolver {
  @Query(() => VoxelScoreConnection, { description: 'Per-voxel scores of one cell (model, step, layer, dataset, subject), in voxel order.' })
  async voxelScores(
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
    @Arg('model', () => ID) model: string,
    @Arg('step', () => Int) step: number,
    @Arg('layer', () => Int) layer: number,
    @Arg('dataset', () => ID) dataset: string,
    @Arg('subject', () => String) subject: string,
    @Arg('first', () => Int) first: number,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Arg('roi', () => String, { nullable: true }) roi: string | null,
    @Arg('minR', () => Number, { nullable: true }) minR: number | null,
    @Arg('paramsHash', () => String, { nullable: true }) paramsHash: string | null,
  ): Promise<VoxelScoreConnection> {
    const limit = checkFirst(first, ctx.limits.maxPageSize);
    const key = { modelId: model, step, layer, datasetId: dataset, subjectId: subject, paramsHash: paramsHash ?? DEFAULT_ENCODING_HASH };
    const afterVoxel = Number(decodeCursor('voxel', after) ?? -1);
    const cell = await storedCell(ctx.wh, key);
    if (!cell) return { ...toPage([], limit, () => '', (n: never) => n), totalCount: 0 };
    // The count needs the whole cell, not just what follows the cursor: only when asked for.
    const { rows, total } = await voxelScores(ctx.wh, cell, key, { afterVoxel, limit, roi, minR, withTotal: selectsField(info, 'totalCount') });
    return { ...toPage(rows, limit, (r) => encodeCursor('voxel', r.voxel), (r) => r), totalCount: total ?? 0 };
  }

  @Query(() => [Dataset], { description: 'The fMRI datasets in the warehouse.' })
  async datasets(@Ctx() ctx: Context): Promise<Dataset[]> {
    return Promise.all(
      (await listDatasetIds(ctx.wh)).map(async (id) => {
        const info = await datasetInfo(ctx.wh, id);
        return { id, trSeconds: info.trSeconds, subjects: [...info.subjects], runs: info.runs.map((r) => ({ id: r.id, split: r.split, nTrs: r.nTrs, nWords: r.words.length })) };
      }),
    );
  }
}

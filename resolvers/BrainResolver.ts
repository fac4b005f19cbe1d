import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import { DEFAULT_ENCODING_HASH } from '../services/encoding.js';
import { internalParamsHash } from '../services/internal.js';
import { bestPerStep } from '../services/phases.js';
import { BrainScore, CellStatus, Dataset, LayerScore, SignalPoint, VoxelScoreConnection } from '../schema/Brain.type.js';
import { Checkpoint } from '../schema/Checkpoint.type.js';
import { connectionComplexity } from '../schema/connection.js';
import { Model } from '../schema/Model.type.js';
import { BrainStatistic } from '../schema/Phases.type.js';
import { brainRows, internalRows, voxelScores, type BrainRow } from '../warehouse/brainScoresRepo.js';
import { checkpointsOfModels } from '../warehouse/modelsRepo.js';
import { datasetInfo, listDatasetIds } from '../warehouse/fmriRepo.js';
import type { Context } from './context.js';
import { checkFirst, decodeCursor, encodeCursor, toPage } from './pagination.js';

function pickBest(rows: readonly BrainRow[]): BrainRow | null {
  let best: BrainRow | null = null;
  for (const r of rows) if (r.value !== null && (best === null || r.value > best.value!)) best = r;
  return best ?? rows[0] ?? null;
}

/** Places signal values on each checkpoint's tokens and fraction. */
async function onCheckpoints(ctx: Context, modelId: string, points: readonly { step: number; value: number | null; layer: number | null }[]): Promise<SignalPoint[]> {
  const cps = await checkpointsOfModels(ctx.wh, [modelId], { limit: 1_000_000 });
  const byStep = new Map(cps.map((c) => [c.step, c]));
  return points.map((p) => ({ ...p, tokens: byStep.get(p.step)?.tokens ?? null, fraction: byStep.get(p.step)?.fraction ?? null }));
}

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
    @Arg('dataset', () => ID) dataset: string,
    @Arg('roi', () => String, { defaultValue: 'all' }) roi: string,
    @Arg('layer', () => Int, { nullable: true }) layer: number | null,
    @Arg('subject', () => String, { nullable: true }) subject: string | null,
    @Arg('statistic', () => BrainStatistic, { defaultValue: BrainStatistic.MEAN_R }) statistic: BrainStatistic,
    @Arg('paramsHash', () => String, { nullable: true }) paramsHash: string | null,
  ): Promise<BrainScore> {
    const rows = await ctx.loaders
      .brain({ datasetId: dataset, roi, layer, subjectId: subject, statistic, paramsHash: paramsHash ?? DEFAULT_ENCODING_HASH })
      .load(`${cp.modelId}\u0000${cp.step}`);
    const row = pickBest(rows);
    if (!row) return { value: null, status: CellStatus.MISSING, layer, nSubjects: 0, nVoxels: 0, nSignificant: 0, reason: 'not computed yet' };
    return { ...row, status: CellStatus.READY, reason: row.value === null ? 'no voxel of the ROI has a defined r' : null };
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
    complexity: ({ childComplexity }) => 1 + 50 * childComplexity,
  })
  async brainTrajectory(
    @Root() model: Model,
    @Ctx() ctx: Context,
    @Arg('dataset', () => ID) dataset: string,
    @Arg('roi', () => String, { defaultValue: 'all' }) roi: string,
    @Arg('layer', () => Int, { nullable: true }) layer: number | null,
    @Arg('subject', () => String, { nullable: true }) subject: string | null,
    @Arg('statistic', () => BrainStatistic, { defaultValue: BrainStatistic.MEAN_R }) statistic: BrainStatistic,
    @Arg('paramsHash', () => String, { nullable: true }) paramsHash: string | null,
  ): Promise<SignalPoint[]> {
    const rows = await brainRows(ctx.wh, { modelIds: [model.id], datasetId: dataset, roi, layer, subjectId: subject, statistic, paramsHash: paramsHash ?? DEFAULT_ENCODING_HASH });
    const best = bestPerStep(rows);
    const layerAt = (step: number, value: number) => rows.find((r) => r.step === step && r.value === value)?.layer ?? null;
    return onCheckpoints(ctx, model.id, best.map((p) => ({ ...p, layer: layerAt(p.step, p.value) })));
  }

  @FieldResolver(() => [SignalPoint], {
    description: 'An internal-state metric over training (twoNN, effectiveRank, participationRatio, anisotropy, meanNorm, linearCKA) at one layer, computed on a dataset’s stimulus words.',
    complexity: ({ childComplexity }) => 1 + 50 * childComplexity,
  })
  async internalTrajectory(
    @Root() model: Model,
    @Ctx() ctx: Context,
    @Arg('metric', () => String) metric: string,
    @Arg('layer', () => Int) layer: number,
    @Arg('dataset', () => ID) dataset: string,
  ): Promise<SignalPoint[]> {
    const rows = await internalRows(ctx.wh, [model.id], metric, layer, internalParamsHash(dataset));
    return onCheckpoints(ctx, model.id, rows.map((r) => ({ step: r.step, value: r.value, layer: r.layer })));
  }
}

@Resolver()
export class BrainQueryResolver {
  @Query(() => VoxelScoreConnection, { description: 'Per-voxel scores of one cell (model, step, layer, dataset, subject), in voxel order.', complexity: connectionComplexity })
  async voxelScores(
    @Ctx() ctx: Context,
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
    const cell = { modelId: model, step, layer, datasetId: dataset, subjectId: subject, paramsHash: paramsHash ?? DEFAULT_ENCODING_HASH };
    const afterVoxel = Number(decodeCursor('voxel', after) ?? -1);
    const rows = await voxelScores(ctx.wh, cell, { afterVoxel, limit, roi, minR });
    const page = toPage(rows, limit, (r) => encodeCursor('voxel', r.voxel), ({ voxel, roi: label, r, alpha }) => ({ voxel, roi: label, r, alpha }));
    return { ...page, totalCount: rows[0]?.total ?? 0 };
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

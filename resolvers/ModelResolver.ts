import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import { notFound } from '../errors/CortexError.js';
import { Checkpoint, CheckpointConnection, StepRange } from '../schema/Checkpoint.type.js';
import { Model, ModelConnection, ModelWhere } from '../schema/Model.type.js';
import { TrajectoryPoint } from '../schema/TaskScore.type.js';
import { listModels, type CheckpointRow, type ModelRow } from '../warehouse/modelsRepo.js';
import type { Context } from './context.js';
import { checkFirst, decodeCursor, decodeStepCursor, encodeCursor, toPage } from './pagination.js';

export function toModel(row: ModelRow): Model {
  const { modelId, languages, ...rest } = row;
  return { id: modelId, languages: [...languages], ...rest };
}

export function toCheckpoint(row: CheckpointRow): Checkpoint {
  const { modelId, step, tokens, fraction, artifactUri, artifactSha256, artifactBytes, duplicateOf, layersManifest } = row;
  return { modelId, step, tokens, fraction, artifactUri, artifactSha256, artifactBytes, duplicateOf, layersManifest: layersManifest && [...layersManifest] };
}

/** Throws NOT_FOUND for an unknown id, so a typo is an error rather than an empty result. */
export async function requireModel(ctx: Context, id: string): Promise<ModelRow> {
  const row = await ctx.loaders.model.load(id);
  if (!row) throw notFound('model', id);
  return row;
}

@Resolver(() => Model)
export class ModelResolver {
  @Query(() => ModelConnection, {
    description: 'Models ordered by id, as a Relay connection. `first` is required and capped.',
  })
  async models(
    @Ctx() ctx: Context,
    @Arg('first', () => Int) first: number,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Arg('where', () => ModelWhere, { nullable: true }) where: ModelWhere | null,
  ): Promise<ModelConnection> {
    const limit = checkFirst(first, ctx.limits.maxPageSize);
    const { rows, totalCount } = await listModels(ctx.wh, { ...where }, decodeCursor('model', after), limit);
    for (const row of rows) ctx.loaders.model.prime(row.modelId, row);
    return { ...toPage(rows, limit, (r) => encodeCursor('model', r.modelId), toModel), totalCount };
  }

  @Query(() => Model, { description: 'One model by id; NOT_FOUND if it is not registered.' })
  async model(@Ctx() ctx: Context, @Arg('id', () => ID) id: string): Promise<Model> {
    return toModel(await requireModel(ctx, id));
  }

  @FieldResolver(() => CheckpointConnection, {
    description: 'The model’s checkpoints ordered by step.',
  })
  async checkpoints(
    @Root() model: Model,
    @Ctx() ctx: Context,
    @Arg('first', () => Int) first: number,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Arg('stepRange', () => StepRange, { nullable: true }) stepRange: StepRange | null,
  ): Promise<CheckpointConnection> {
    const limit = checkFirst(first, ctx.limits.maxPageSize);
    const page = { stepFrom: stepRange?.from, stepTo: stepRange?.to, afterStep: decodeStepCursor(after), limit };
    const { rows } = await ctx.loaders.checkpoints(page).load(model.id);
    return {
      ...toPage(rows, limit, (r) => encodeCursor('step', r.step), toCheckpoint),
      totalCount: rows[0]?.totalCount ?? 0,
    };
  }

  @FieldResolver(() => [TrajectoryPoint], {
    description: 'A task’s (or task group’s) metric at every checkpoint that has it, ordered by step.',
  })
  async taskTrajectory(
    @Root() model: Model,
    @Ctx() ctx: Context,
    @Arg('task', () => String) task: string,
    @Arg('metric', () => String, { defaultValue: 'acc' }) metric: string,
    @Arg('stepRange', () => StepRange, { nullable: true }) stepRange: StepRange | null,
  ): Promise<TrajectoryPoint[]> {
    return ctx.loaders.trajectory(task, metric, stepRange?.from, stepRange?.to).load(model.id);
  }
}

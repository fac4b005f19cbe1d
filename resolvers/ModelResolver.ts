import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import { Checkpoint, CheckpointConnection, CheckpointOrder, StepRange } from '../schema/Checkpoint.type.js';
import { Model, ModelConnection, ModelOrder, ModelTask, ModelWhere } from '../schema/Model.type.js';
import { TrajectoryPoint } from '../schema/TaskScore.type.js';
import { requireModel } from '../services/requireKnown.js';
import { modelLayers, taskMetrics } from '../warehouse/discoveryRepo.js';
import { listModels, type CheckpointRow, type ModelRow } from '../warehouse/modelsRepo.js';
import { groupMembers, TASK_GROUPS } from '../warehouse/taskGroups.js';
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

@Resolver(() => Model)
export class ModelResolver {
  @Query(() => ModelConnection, {
    nullable: true,
    description: 'Models as a Relay connection, ordered by id unless `orderBy` says otherwise. `first` is required and capped.',
  })
  async models(
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { description: 'Page size (required, capped).' }) first: number,
    @Arg('after', () => String, { nullable: true, description: 'The `endCursor` of the previous page.' }) after: string | null,
    @Arg('where', () => ModelWhere, { nullable: true, description: 'Filters; all given conditions must hold.' }) where: ModelWhere | null,
    @Arg('orderBy', () => ModelOrder, { nullable: true, description: 'Sort order [id, ascending]; e.g. `{ field: PARAMS, direction: DESC }` for the largest first.' })
    orderBy: ModelOrder | null,
  ): Promise<ModelConnection> {
    const limit = checkFirst(first, ctx.limits.maxPageSize);
    const order = { field: orderBy?.field ?? 'ID', direction: orderBy?.direction ?? 'ASC' } as const;
    const { rows, totalCount } = await listModels(ctx.wh, { ...where }, decodeCursor('model', after), limit, order);
    for (const row of rows) ctx.loaders.model.prime(row.modelId, row);
    return { ...toPage(rows, limit, (r) => encodeCursor('model', r.modelId), toModel), totalCount };
  }

  @Query(() => Model, { nullable: true, description: 'One model by id; null with NOT_FOUND in `errors` (naming the closest ids) when it is not registered, so the other fields of the query still answer.' })
  async model(@Ctx() ctx: Context, @Arg('id', () => ID, { description: 'The model id, e.g. "pythia-160m".' }) id: string): Promise<Model> {
    // An unknown id is NOT_FOUND naming the closest ids: a typo is an error, not an empty result.
    return toModel((await ctx.loaders.model.load(id)) ?? (await requireModel(ctx.wh, id)));
  }

  @FieldResolver(() => CheckpointConnection, { description: 'The model’s checkpoints ordered by step (ascending unless `orderBy` says otherwise).' })
  async checkpoints(
    @Root() model: Model,
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { description: 'Page size (required, capped).' }) first: number,
    @Arg('after', () => String, { nullable: true, description: 'The `endCursor` of the previous page.' }) after: string | null,
    @Arg('stepRange', () => StepRange, { nullable: true, description: 'Only checkpoints in this step range.' }) stepRange: StepRange | null,
    @Arg('orderBy', () => CheckpointOrder, { nullable: true, description: 'Sort order [step, ascending]; `{ direction: DESC }` for the latest first.' })
    orderBy: CheckpointOrder | null,
  ): Promise<CheckpointConnection> {
    const limit = checkFirst(first, ctx.limits.maxPageSize);
    const direction = orderBy?.direction ?? 'ASC';
    const page = { stepFrom: stepRange?.from, stepTo: stepRange?.to, afterStep: decodeStepCursor(after), limit, direction };
    const { rows } = await ctx.loaders.checkpoints(page).load(model.id);
    return {
      ...toPage(rows, limit, (r) => encodeCursor('step', r.step), toCheckpoint),
      totalCount: rows[0]?.totalCount ?? 0,
    };
  }

  @FieldResolver(() => [Int], { description: 'The model’s layers: 0 (the embedding output) to its block count, and every layer with features or cells — the values `layer` arguments take.' })
  async layers(@Root() model: Model, @Ctx() ctx: Context): Promise<number[]> {
    return modelLayers(ctx.wh, model.id);
  }

  @FieldResolver(() => [ModelTask], { description: 'The tasks (and task groups) with scores for this model, with their metrics — the values `task` and `metric` arguments take.' })
  async tasks(@Root() model: Model, @Ctx() ctx: Context): Promise<ModelTask[]> {
    const tasks = await taskMetrics(ctx.wh, [model.id]);
    const groups = TASK_GROUPS.flatMap((g) => {
      const members = new Set(groupMembers(g, tasks.map((t) => t.name)));
      const metrics = [...new Set(tasks.filter((t) => members.has(t.name)).flatMap((t) => t.metrics))].sort();
      return members.size ? [{ name: g.name, metrics, group: true, nTasks: members.size }] : [];
    });
    return [...groups, ...tasks.map((t) => ({ name: t.name, metrics: [...t.metrics], group: false, nTasks: 1 }))];
  }

  @FieldResolver(() => [TrajectoryPoint], {
    description: 'A task’s (or task group’s) metric at every checkpoint that has it, ordered by step. An unknown task or metric is NOT_FOUND with the closest names.',
  })
  async taskTrajectory(
    @Root() model: Model,
    @Ctx() ctx: Context,
    @Arg('task', () => String, { description: 'A task or task group (`Model.tasks` lists them).' }) task: string,
    @Arg('metric', () => String, { defaultValue: 'acc', description: 'One of the task’s metrics.' }) metric: string,
    @Arg('stepRange', () => StepRange, { nullable: true, description: 'Only checkpoints in this step range.' }) stepRange: StepRange | null,
  ): Promise<TrajectoryPoint[]> {
    await ctx.known.task(task, metric);
    return ctx.loaders.trajectory(task, metric, stepRange?.from, stepRange?.to).load(model.id);
  }
}

import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { badInput } from '../errors/CortexError.js';
import { TaskScoreAggregate, TaskScoreAggregateWhere } from '../schema/Aggregate.type.js';
import { ScoreGroupBy } from '../schema/enums.js';
import { TaskGroupInfo, TaskInfo } from '../schema/TaskScore.type.js';
import { TASK_GROUPS } from '../warehouse/taskGroups.js';
import { aggregateScores, listTasks } from '../warehouse/taskScoresRepo.js';
import { requireModels } from '../services/requireKnown.js';
import type { Context } from './context.js';

const MAX_AGGREGATE_TASKS = 200;

@Resolver()
export class TaskScoreResolver {
  @Query(() => [TaskInfo], { nullable: true, description: 'Stored tasks with their metrics and coverage, of all models or of some. An unknown model is NOT_FOUND.' })
  async tasks(
    @Ctx() ctx: Context,
    @Arg('model', () => ID, { nullable: true, description: 'Only the tasks of this model.' }) model: string | null,
    @Arg('models', () => [ID], { nullable: true, description: 'Only the tasks of these models.' }) models: string[] | null,
  ): Promise<TaskInfo[]> {
    // An argument left out arrives as undefined, one sent as null as null: both mean "not given".
    const ids = model != null || models != null ? [...(model != null ? [model] : []), ...(models ?? [])] : null;
    if (ids) await requireModels(ctx.wh, ids);
    return listTasks(ctx.wh, ids ?? undefined);
  }

  @Query(() => [TaskGroupInfo], { description: 'Task groups computed at query time (e.g. mmlu = mean over hendrycksTest-*).' })
  taskGroups(): TaskGroupInfo[] {
    return TASK_GROUPS.map((g) => ({ ...g, patterns: [...g.patterns] }));
  }

  @Query(() => [TaskScoreAggregate], {
    nullable: true,
    description:
      'Aggregates (count, mean, min, max, stddev) of task-score cells grouped by any of MODEL, FAMILY, TASK, STEP. ' +
      'Example: mean acc per model × task group over the last 50k steps: ' +
      'taskScoreAggregate(where: {metric: "acc", tasks: ["mmlu", "piqa"], steps: {from: 93000}}, groupBy: [MODEL, TASK]).',
  })
  async taskScoreAggregate(
    @Ctx() ctx: Context,
    @Arg('where', () => TaskScoreAggregateWhere, { description: 'Which cells (metric, tasks, models, steps).' }) where: TaskScoreAggregateWhere,
    @Arg('groupBy', () => [ScoreGroupBy], { description: 'Dimensions to group by; [] aggregates everything into one row.' }) groupBy: ScoreGroupBy[],
  ): Promise<TaskScoreAggregate[]> {
    if (where.tasks.length === 0 || where.tasks.length > MAX_AGGREGATE_TASKS) {
      throw badInput(`where.tasks must name 1 to ${MAX_AGGREGATE_TASKS} tasks or groups`, { argument: 'where.tasks' });
    }
    if (where.models) await requireModels(ctx.wh, where.models);
    for (const task of new Set(where.tasks)) await ctx.known.task(task, where.metric);
    return aggregateScores(ctx.wh, {
      metric: where.metric,
      tasks: where.tasks,
      modelIds: where.models,
      stepFrom: where.steps?.from,
      stepTo: where.steps?.to,
      groupBy: [...new Set(groupBy)],
    });
  }
}

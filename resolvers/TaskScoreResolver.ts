import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { badInput } from '../errors/CortexError.js';
import { TaskScoreAggregate, TaskScoreAggregateWhere } from '../schema/Aggregate.type.js';
import { ScoreGroupBy } from '../schema/enums.js';
import { TaskGroupInfo, TaskInfo } from '../schema/TaskScore.type.js';
import { TASK_GROUPS } from '../warehouse/taskGroups.js';
import { aggregateScores, listTasks } from '../warehouse/taskScoresRepo.js';
import type { Context } from './context.js';

const MAX_AGGREGATE_TASKS = 200;

@Resolver()
export class TaskScoreResolver {
  @Query(() => [TaskInfo], { description: 'Stored tasks with their metrics and coverage.' })
  async tasks(@Ctx() ctx: Context, @Arg('models', () => [ID], { nullable: true }) models: string[] | null): Promise<TaskInfo[]> {
    return listTasks(ctx.wh, models ?? undefined);
  }

  @Query(() => [TaskGroupInfo], { description: 'Task groups computed at query time (e.g. mmlu = mean over hendrycksTest-*).' })
  taskGroups(): TaskGroupInfo[] {
    return TASK_GROUPS.map((g) => ({ ...g, patterns: [...g.patterns] }));
  }

  @Query(() => [TaskScoreAggregate], {
    description:
      'Aggregates (count, mean, min, max, stddev) of task-score cells grouped by any of MODEL, FAMILY, TASK, STEP. ' +
      'Example: mean acc per model × task group over the last 50k steps: ' +
      'taskScoreAggregate(where: {metric: "acc", tasks: ["mmlu", "piqa"], steps: {from: 93000}}, groupBy: [MODEL, TASK]).',
  })
  async taskScoreAggregate(
    @Ctx() ctx: Context,
    @Arg('where', () => TaskScoreAggregateWhere) where: TaskScoreAggregateWhere,
    @Arg('groupBy', () => [ScoreGroupBy]) groupBy: ScoreGroupBy[],
  ): Promise<TaskScoreAggregate[]> {
    if (where.tasks.length === 0 || where.tasks.length > MAX_AGGREGATE_TASKS) {
      throw badInput(`where.tasks must name 1 to ${MAX_AGGREGATE_TASKS} tasks or groups`, { argument: 'where.tasks' });
    }
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

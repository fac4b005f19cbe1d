import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { BrainStatistic } from '../schema/enums.js';
import { LeaderboardType } from '../schema/Leaderboard.type.js';
import { leaderboard, LEADERBOARD_MAX_MODELS, LEADERBOARD_MAX_TASKS } from '../services/leaderboard.js';
import type { Context } from './context.js';

@Resolver()
export class LeaderboardResolver {
  @Query(() => LeaderboardType, {
    nullable: true,
    description:
      'A Brain-Score-like leaderboard: per model its best stored brain score (with the checkpoint and layer), its final value of each listed ' +
      'task, and its training phases (k by BIC, no bootstrap) on the brain signal and the first listed task it has. Reads stored cells ' +
      'only and never starts a computation (`computeCells` does); rows are ranked by the best brain score, or without a dataset by the first task.',
  })
  async leaderboard(
    @Ctx() ctx: Context,
    @Arg('dataset', () => ID, { nullable: true, description: 'The fMRI dataset (`datasets`); omitted = no brain columns.' }) dataset: string | null,
    @Arg('roi', () => String, { defaultValue: 'all', description: 'An ROI label of the dataset (`Dataset.rois`) or "all".' }) roi: string,
    @Arg('statistic', () => BrainStatistic, { defaultValue: BrainStatistic.MEAN_R, description: 'Which per-ROI summary of voxel r ranks the models.' }) statistic: BrainStatistic,
    @Arg('tasks', () => [String], { defaultValue: [], description: `Task (or task group) columns, at most ${LEADERBOARD_MAX_TASKS} (\`tasks\` lists them).` }) tasks: string[],
    @Arg('metric', () => String, { defaultValue: 'acc', description: 'The tasks’ metric.' }) metric: string,
    @Arg('models', () => [ID], { nullable: true, description: `The models to rank, at most ${LEADERBOARD_MAX_MODELS}; omitted = every model.` }) models: string[] | null,
    @Arg('phases', () => Boolean, { defaultValue: true, description: 'Detect each model’s phases (false leaves `phases` null and costs less).' }) phases: boolean,
  ): Promise<LeaderboardType> {
    return leaderboard(ctx.wh, { models: models ?? null, dataset: dataset ?? null, roi, statistic, tasks, metric, phases }, ctx.signal);
  }
}

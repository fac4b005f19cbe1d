import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { StepRange } from '../schema/Checkpoint.type.js';
import { GridInput, ModelComparison } from '../schema/Comparison.type.js';
import { TrainingAxis } from '../schema/enums.js';
import { SignalInput } from '../schema/Phases.input.js';
import { compareModels } from '../services/compareModels.js';
import type { Context } from './context.js';
import { toSignalSpecs } from './PhaseResolver.js';

@Resolver()
export class CompareResolver {
  @Query(() => ModelComparison, {
    description:
      'Several models’ trajectories of one task (or task group) and metric on a common axis, their pairwise ' +
      'correlations, and each one’s best and final value.',
  })
  async compareModels(
    @Ctx() ctx: Context,
    @Arg('models', () => [ID]) models: string[],
    @Arg('task', () => String, { nullable: true, description: 'A task or task group (or give `signal`).' }) task: string | null,
    @Arg('metric', () => String, { defaultValue: 'acc' }) metric: string,
    @Arg('alignBy', () => TrainingAxis, { defaultValue: TrainingAxis.STEP }) alignBy: TrainingAxis,
    @Arg('grid', () => GridInput, { nullable: true }) grid: GridInput | null,
    @Arg('stepRange', () => StepRange, { nullable: true }) stepRange: StepRange | null,
    @Arg('higherIsBetter', () => Boolean, { nullable: true, description: 'Which way `best` looks; default from the metric (false for perplexity-like metrics).' })
    higher: boolean | null,
    @Arg('signal', () => SignalInput, { nullable: true, description: 'A brain-score or internal-metric signal instead of a task.' })
    signal: SignalInput | null,
  ): Promise<ModelComparison> {
    const spec = signal ? toSignalSpecs([signal])[0] : null;
    return compareModels(ctx.wh, { models, task: task ?? null, metric, signal: spec, alignBy, grid, stepRange, higherIsBetter: higher }, ctx.signal);
  }
}

import { Arg, Args, Ctx, ID, Query, Resolver } from 'type-graphql';
import { LazyArgs } from '../schema/BrainCellArgs.js';
import { StepRange } from '../schema/Checkpoint.type.js';
import { GridInput, ModelComparison } from '../schema/Comparison.type.js';
import { TrainingAxis } from '../schema/enums.js';
import { SignalInput } from '../schema/Phases.input.js';
import { compareModels } from '../services/compareModels.js';
import { lazyOptions } from './BrainResolver.js';
import type { Context } from './context.js';
import { toSignalSpecs } from './PhaseResolver.js';

@Resolver()
export class CompareResolver {
  @Query(() => ModelComparison, {
    nullable: true,
    description:
      'Several models’ trajectories of one task (or task group) and metric — or of one brain or internal signal — on a common ' +
      'axis, their pairwise correlations, and each one’s best and final value. A signal’s cells are read under `policy`, and ' +
      'the checkpoints it lacks are listed per series in `gaps`.',
  })
  async compareModels(
    @Ctx() ctx: Context,
    @Arg('models', () => [ID], { description: '1 to 16 model ids.' }) models: string[],
    @Arg('task', () => String, { nullable: true, description: 'A task or task group (or give `signal`).' }) task: string | null,
    @Arg('metric', () => String, { defaultValue: 'acc', description: 'The task’s metric.' }) metric: string,
    @Arg('alignBy', () => TrainingAxis, { defaultValue: TrainingAxis.STEP, description: 'The common axis.' }) alignBy: TrainingAxis,
    @Arg('grid', () => GridInput, { nullable: true, description: 'Interpolate every series onto a shared grid.' }) grid: GridInput | null,
    @Arg('stepRange', () => StepRange, { nullable: true, description: 'Only checkpoints in this step range.' }) stepRange: StepRange | null,
    @Arg('higherIsBetter', () => Boolean, { nullable: true, description: 'Which way `best` looks; default from the metric (false for perplexity-like metrics).' })
    higher: boolean | null,
    @Arg('signal', () => SignalInput, { nullable: true, description: 'A brain-score or internal-metric signal instead of a task.' })
    signal: SignalInput | null,
    @Args(() => LazyArgs) lazy: LazyArgs,
  ): Promise<ModelComparison> {
    const spec = signal ? toSignalSpecs([signal])[0] : null;
    const request = { models, task: task ?? null, metric, signal: spec, alignBy, grid, stepRange, higherIsBetter: higher };
    return compareModels(ctx.wh, request, { cells: ctx.cells, lazy: lazyOptions(lazy) }, ctx.signal);
  }
}

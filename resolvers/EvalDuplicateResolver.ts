import { Arg, Ctx, FieldResolver, Float, ID, Int, Query, Resolver, Root } from 'type-graphql';
import { badInput } from '../errors/CortexError.js';
import { Checkpoint } from '../schema/Checkpoint.type.js';
import { CheckpointRefType, EvalDuplicate } from '../schema/EvalDuplicate.type.js';
import { evalDuplicatePairs } from '../warehouse/evalDuplicatesRepo.js';
import type { Context } from './context.js';
import { checkpointKey } from './loaders.js';
import { checkFirst } from './pagination.js';

const MAX_MODELS = 16;

@Resolver(() => Checkpoint)
export class EvalDuplicateResolver {
  @FieldResolver(() => CheckpointRefType, {
    nullable: true,
    description:
      'Another checkpoint whose stored eval results are bit-identical to this one\'s (every task, metric, value and stderr, at least 4 ' +
      'values): the earliest other step of this model, else another model at this step. Evals that equal another model\'s mean the ' +
      'same weights were evaluated (a broken branch), unless the models really are the same there (same seed at step 0). See evalDuplicates.',
  })
  async evalDuplicateOf(@Root() checkpoint: Checkpoint, @Ctx() ctx: Context): Promise<CheckpointRefType | null> {
    return ctx.loaders.evalDuplicateOf.load(checkpointKey(checkpoint));
  }

  @Query(() => [EvalDuplicate], {
    description:
      'Checkpoint pairs with bit-identical eval results, at least one of them of `models`: every pair whose evals are equal, and with ' +
      '`minShare` < 1 also pairs of models at the same step sharing at least that share of identical (task, metric) values. Most ' +
      'identical values first. Example: evalDuplicates(models: ["pythia-2.8b"], minShare: 0.4, first: 20) { a { modelId step } b { modelId step } identical compared share }.',
  })
  async evalDuplicates(
    @Ctx() ctx: Context,
    @Arg('models', () => [ID], { description: 'The models to look within and across (1 to a few).' }) models: string[],
    @Arg('minShare', () => Float, { defaultValue: 1, description: 'Share of identical (task, metric) values that makes a pair (1: all of them).' }) minShare: number,
    @Arg('first', () => Int, { defaultValue: 100, description: 'At most this many pairs.' }) first: number,
  ): Promise<EvalDuplicate[]> {
    const ids = [...new Set(models)];
    if (ids.length < 1 || ids.length > MAX_MODELS) throw badInput(`give 1 to ${MAX_MODELS} models (got ${ids.length})`, { argument: 'models' });
    if (!(minShare > 0 && minShare <= 1)) throw badInput(`minShare must be in (0, 1] (got ${minShare})`, { argument: 'minShare' });
    const limit = checkFirst(first, ctx.limits.maxPageSize);
    const rows = await evalDuplicatePairs(ctx.wh, ids, minShare, limit);
    return rows.map((r) => ({ ...r, share: r.identical / r.compared }));
  }
}

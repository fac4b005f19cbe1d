import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import type { CheckpointRef, EvalDuplicateRow } from '../warehouse/evalDuplicatesRepo.js';

@ObjectType({ simpleResolvers: true, description: 'A checkpoint, by model and step.' })
export class CheckpointRefType implements CheckpointRef {
  @Field(() => ID, { description: 'The model id.' })
  modelId!: string;

  @Field(() => Int, { description: 'The training step.' })
  step!: number;
}

@ObjectType({
  simpleResolvers: true,
  description:
    'Two checkpoints whose stored eval results are the same bits: all of them (identical = compared), or — asked for with ' +
    'minShare < 1 — a share of the cells two models have at one step. Equal evals mean the same weights were evaluated (a broken ' +
    'branch), unless the models really are the same there (step 0 and 1 of models sharing a seed and a zero learning rate at step 1).',
})
export class EvalDuplicate implements EvalDuplicateRow {
  @Field(() => CheckpointRefType, { description: 'One checkpoint of the pair.' })
  a!: CheckpointRefType;

  @Field(() => CheckpointRefType, { description: 'The other checkpoint of the pair.' })
  b!: CheckpointRefType;

  @Field(() => Int, { description: '(task, metric) cells both checkpoints have.' })
  compared!: number;

  @Field(() => Int, { description: 'Cells with the same value and stderr in both.' })
  identical!: number;

  @Field(() => Float, { description: 'identical / compared.' })
  share!: number;
}

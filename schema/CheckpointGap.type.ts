import { Field, ID, Int, ObjectType } from 'type-graphql';
import type { CheckpointGap } from '../services/phases.js';
import { CellStatus } from './enums.js';

@ObjectType('CheckpointGap', {
  simpleResolvers: true,
  description: 'A checkpoint a brain or internal signal has no stored value for, and why (PENDING with its job, MISSING, FAILED, NEVER): it takes no part in the result.',
})
export class CheckpointGapType implements CheckpointGap {
  @Field(() => String, { description: 'The signal, as `signals` names it (e.g. "brain:sim-narratives/STS/best").' })
  signal!: string;

  @Field(() => Int, { description: 'The checkpoint step.' })
  step!: number;

  @Field(() => CellStatus, { description: 'Why there is no value.' })
  status!: CellStatus;

  @Field(() => ID, { nullable: true, description: 'The job computing (or that failed to compute) the checkpoint’s cells; poll `job(id)`.' })
  jobId!: string | null;

  @Field(() => String, { nullable: true, description: 'The reason in words.' })
  reason!: string | null;
}

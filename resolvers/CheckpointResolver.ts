import { Arg, Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { Checkpoint } from '../schema/Checkpoint.type.js';
import { TaskScore } from '../schema/TaskScore.type.js';
import type { Context } from './context.js';

@Resolver(() => Checkpoint)
export class CheckpointResolver {
  /** The stored path shown without the server's folders (services/fileAccess.ts FileAccess.present). */
  @FieldResolver(() => String, { nullable: true })
  artifactUri(@Root() checkpoint: Checkpoint, @Ctx() ctx: Context): string | null {
    return ctx.files.present(checkpoint.artifactUri);
  }

  @FieldResolver(() => TaskScore, {
    nullable: true,
    description: 'The value of a task (or task group) and metric at this checkpoint; null when never measured.',
  })
  async taskScore(
    @Root() checkpoint: Checkpoint,
    @Ctx() ctx: Context,
    @Arg('task', () => String) task: string,
    @Arg('metric', () => String, { defaultValue: 'acc' }) metric: string,
  ): Promise<TaskScore | null> {
    return ctx.loaders.taskScore.load({ modelId: checkpoint.modelId, step: checkpoint.step, task, metric });
  }
}

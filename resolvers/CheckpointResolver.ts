import { Arg, Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { Checkpoint } from '../schema/Checkpoint.type.js';
import { TaskScore } from '../schema/TaskScore.type.js';
import type { Context } from './context.js';

@Resolver(() => Checkpoint)
export class CheckpointResolver {
  @FieldResolver(() => String, {
    nullable: true,
    description:
      'Where the checkpoint’s weights are, as a client may name them: the path inside its import root, `upload:<id>/<file>` for an upload, ' +
      'else only the file name — never an absolute server path.',
  })
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

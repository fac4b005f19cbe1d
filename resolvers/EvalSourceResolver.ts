import { Arg, Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { Checkpoint } from '../schema/Checkpoint.type.js';
import { EvalSource, EvalSourceTask } from '../schema/EvalSource.type.js';
import { TaskScore } from '../schema/TaskScore.type.js';
import type { EvalSourceRow } from '../warehouse/evalSourcesRepo.js';
import type { Context } from './context.js';
import { checkpointKey } from './loaders.js';

/** An eval_sources row as the GraphQL object, keeping the per-task maps for `tasks`. */
type EvalSourceValue = EvalSource & { readonly row: EvalSourceRow };

function toEvalSource(row: EvalSourceRow): EvalSourceValue {
  const { taskVersions: _v, nShot: _n, filters: _f, sampleCounts: _s, groupSubtasks: _g, ...fields } = row;
  return { ...fields, row };
}

@Resolver(() => EvalSource)
export class EvalSourceResolver {
  @FieldResolver(() => [EvalSourceTask], { description: 'Per task (or group) of the file: version, shots, filters, sample counts, subtasks.' })
  tasks(
    @Root() source: EvalSourceValue,
    @Arg('names', () => [String], { nullable: true, description: 'Only these tasks (default: every task the file records).' }) names: string[] | null,
  ): EvalSourceTask[] {
    const r = source.row;
    const all = new Set([...Object.keys(r.taskVersions), ...Object.keys(r.nShot), ...Object.keys(r.filters), ...Object.keys(r.groupSubtasks)]);
    const wanted = names ? names.filter((n) => all.has(n)) : [...all].sort();
    return wanted.map((task) => ({
      task,
      version: r.taskVersions[task] ?? null,
      nShot: r.nShot[task] ?? null,
      filters: [...(r.filters[task] ?? [])],
      samples: r.sampleCounts[task]?.effective ?? null,
      samplesOriginal: r.sampleCounts[task]?.original ?? null,
      subtasks: r.groupSubtasks[task] ? [...r.groupSubtasks[task]] : null,
    }));
  }
}

@Resolver(() => TaskScore)
export class TaskScoreProvenanceResolver {
  @FieldResolver(() => EvalSource, {
    nullable: true,
    description: 'The results file this score was read from, with its provenance (harness version, model arguments, shots, …); null for a COMPUTED group.',
  })
  async provenance(@Root() score: TaskScore, @Ctx() ctx: Context): Promise<EvalSource | null> {
    if (!score.sourceSha256) return null;
    const row = await ctx.loaders.evalSource.load(score.sourceSha256);
    return row && toEvalSource(row);
  }
}

@Resolver(() => Checkpoint)
export class CheckpointEvalSourcesResolver {
  @FieldResolver(() => [EvalSource], { description: 'The results files this checkpoint\'s task scores were read from, by file name.' })
  async evalSources(@Root() checkpoint: Checkpoint, @Ctx() ctx: Context): Promise<EvalSource[]> {
    return (await ctx.loaders.checkpointEvalSources.load(checkpointKey(checkpoint))).map(toEvalSource);
  }
}

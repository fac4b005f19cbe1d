import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { notFound } from '../errors/CortexError.js';
import { Run } from '../schema/Run.type.js';
import { runById, runInputRows } from '../warehouse/runInputsRepo.js';
import type { Context } from './context.js';

@Resolver()
export class RunResolver {
  @Query(() => Run, { description: 'A run by id: its parameters, code version, device and every input it read with its content hash then and now.' })
  async run(@Ctx() ctx: Context, @Arg('id', () => ID, { description: 'The run id.' }) id: string): Promise<Run> {
    const row = await runById(ctx.wh, id);
    if (!row) throw notFound('run', id);
    const inputs = await runInputRows(ctx.wh, id);
    return {
      id: row.runId, kind: row.kind, params: row.paramsJson, paramsHash: row.paramsHash, codeVersion: row.codeVersion, device: row.device,
      started: row.started, finished: row.finished,
      inputs: inputs.map((i) => ({
        role: i.role, model: i.modelId, step: i.step, layer: i.layer, dataset: i.datasetId, subject: i.subjectId ?? null,
        sha256: i.sha256, currentSha256: i.currentSha256, artifactSha256: i.artifactSha256, tokenizerSha256: i.tokenizerSha256,
      })),
    };
  }
}

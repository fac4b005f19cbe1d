import { Arg, Ctx, ID, Int, Mutation, Resolver } from 'type-graphql';
import { badInput } from '../errors/CortexError.js';
import { CheckpointInput } from '../schema/Checkpoint.type.js';
import { ImportEvalsInput, ImportReportType } from '../schema/Import.type.js';
import { Model, RegisterModelInput } from '../schema/Model.type.js';
import { importEvalDocuments, importEvalsFromPath } from '../services/importEvals.js';
import { registerCheckpoints, registerModel } from '../services/registry.js';
import type { Context } from './context.js';
import { toModel } from './ModelResolver.js';

@Resolver()
export class ImportResolver {
  @Mutation(() => ImportReportType, {
    description:
      'Imports lm-evaluation-harness results (v0.3 and v0.4 formats) from inline documents, an upload (`path: "upload:<id>"`, a .json ' +
      'or a .tar of them) or a server-side path inside the operator\'s import roots (PATH_NOT_ALLOWED otherwise). ' +
      'All-or-nothing: any bad file fails the call with IMPORT_FAILED listing every problem (a file naming no model or a local path ' +
      'asks for `model`, one naming no step asks for `step`); two files giving one cell different values fail it with IMPORT_CONFLICT ' +
      'naming both; nothing is written then.',
  })
  async importEvals(@Ctx() ctx: Context, @Arg('input', () => ImportEvalsInput, { description: 'What to import.' }) input: ImportEvalsInput): Promise<ImportReportType> {
    const options = { model: input.model, step: input.step };
    if (input.path && input.documents) throw badInput('give either path or documents, not both', { argument: 'input' });
    if (input.path) return importEvalsFromPath(ctx.wh, input.path, options, ctx.files);
    if (input.documents) {
      const bad = input.documents.findIndex((d) => (d.content === undefined || d.content === null) === (d.text === undefined || d.text === null));
      if (bad >= 0) throw badInput(`documents[${bad}]: give either content or text`, { argument: `input.documents.${bad}` });
      return importEvalDocuments(ctx.wh, input.documents, options);
    }
    throw badInput('give a path or documents to import', { argument: 'input' });
  }

  @Mutation(() => Model, { description: 'Registers a model or updates its facts (catalog facts fill what is not given).' })
  async registerModel(@Ctx() ctx: Context, @Arg('input', () => RegisterModelInput, { description: 'The model’s id and facts.' }) input: RegisterModelInput): Promise<Model> {
    const { id, ...facts } = input;
    return toModel(await registerModel(ctx.wh, { modelId: id, ...facts }));
  }

  @Mutation(() => Int, { description: 'Registers checkpoints of a registered model; returns how many were written.' })
  async registerCheckpoints(
    @Ctx() ctx: Context,
    @Arg('model', () => ID, { description: 'A registered model.' }) model: string,
    @Arg('checkpoints', () => [CheckpointInput], { description: 'The checkpoints to add (existing ones are updated).' }) checkpoints: CheckpointInput[],
  ): Promise<number> {
    return registerCheckpoints(ctx.wh, model, checkpoints);
  }
}

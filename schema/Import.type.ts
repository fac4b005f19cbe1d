import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import type { EvalDocument, ImportReport } from '../services/importEvals.js';

@InputType({ description: 'One lm-evaluation-harness results document given inline: `content` (JSON) or `text` (the file as written).' })
export class EvalDocumentInput implements EvalDocument {
  @Field(() => String, { description: 'Name used in errors and to infer the step ("…_step3000.json").' })
  fileName!: string;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'The results JSON document (or give `text`).' })
  content?: Record<string, unknown>;

  @Field(() => String, {
    nullable: true,
    description: 'The file\'s text as the harness wrote it; unlike `content` it may hold the NaN / Infinity literals Python writes (stored as null with the reason).',
  })
  text?: string;
}

@InputType({ description: 'lm-evaluation-harness results to import: inline documents, or a path (file or folder, recursive) — an upload (`upload:<id>`) or a path inside the import roots.' })
export class ImportEvalsInput {
  @Field(() => String, { nullable: true, description: 'A results file or folder on the server (folders are read recursively).' })
  path?: string;

  @Field(() => [EvalDocumentInput], { nullable: true, description: 'Results documents given inline.' })
  documents?: EvalDocumentInput[];

  @Field(() => ID, {
    nullable: true,
    description: 'The model id of every file; needed when a file names no model (model_name, model_args pretrained/model/path) or names a local path.',
  })
  model?: string;

  @Field(() => Int, { nullable: true, description: 'The step of every file; needed when neither the revision (revision=stepN) nor the file name (…step3000…) has one.' })
  step?: number;
}

@ObjectType('ImportReport', { description: 'What an import wrote. Imports are all-or-nothing and replace the cells they cover.' })
export class ImportReportType implements ImportReport {
  @Field(() => Int, { description: 'Files (or documents) read.' })
  files!: number;

  @Field(() => Int, { description: 'Task-metric values written (replacing any earlier values of the same cells).' })
  scores!: number;

  @Field(() => [ID], { description: 'Models the scores are of.' })
  models!: string[];

  @Field(() => Int, { description: 'Checkpoints the scores are of.' })
  checkpoints!: number;

  @Field(() => Int, { description: 'Values the files held as NaN or ±Infinity: stored as null with the reason, never as numbers.' })
  nullValues!: number;
}

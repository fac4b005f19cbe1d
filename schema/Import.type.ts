import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import type { EvalDocument, ImportReport } from '../services/importEvals.js';

@InputType({ description: 'One lm-evaluation-harness results document given inline.' })
export class EvalDocumentInput implements EvalDocument {
  @Field(() => String, { description: 'Name used in errors and to infer the step ("…_step3000.json").' })
  fileName!: string;

  @Field(() => GraphQLJSONObject)
  content!: Record<string, unknown>;
}

@InputType({ description: 'lm-evaluation-harness results to import: inline documents, or a path (file or folder, recursive) — an upload (`upload:<id>`) or a path inside the import roots.' })
export class ImportEvalsInput {
  @Field(() => String, { nullable: true })
  path?: string;

  @Field(() => [EvalDocumentInput], { nullable: true })
  documents?: EvalDocumentInput[];

  @Field(() => ID, { nullable: true, description: 'Overrides the model named in the files.' })
  model?: string;

  @Field(() => Int, { nullable: true, description: 'Overrides the step found in the files.' })
  step?: number;
}

@ObjectType('ImportReport', { description: 'What an import wrote. Imports are all-or-nothing and replace the cells they cover.' })
export class ImportReportType implements ImportReport {
  @Field(() => Int)
  files!: number;

  @Field(() => Int, { description: 'Task-metric values written (replacing any earlier values of the same cells).' })
  scores!: number;

  @Field(() => [ID])
  models!: string[];

  @Field(() => Int)
  checkpoints!: number;
}

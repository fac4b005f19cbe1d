import { Field, Float, ID, Int, ObjectType } from 'type-graphql';

@ObjectType({ simpleResolvers: true, description: 'What one results file records about one of its tasks (or groups).' })
export class EvalSourceTask {
  @Field(() => String, { description: 'The task or group name as the file writes it.' })
  task!: string;

  @Field(() => String, { nullable: true, description: 'The task version (`versions`).' })
  version!: string | null;

  @Field(() => Int, { nullable: true, description: 'Few-shot examples (`n-shot`; v0.3 files: `config.num_fewshot`).' })
  nShot!: number | null;

  @Field(() => [String], { description: 'Filters its metrics were reported under ("none" when unfiltered).' })
  filters!: string[];

  @Field(() => Int, { nullable: true, description: 'Examples evaluated (`n-samples` effective, `sample_len` or `samples`).' })
  samples!: number | null;

  @Field(() => Int, { nullable: true, description: 'Examples in the task\'s evaluation split (`n-samples` original).' })
  samplesOriginal!: number | null;

  @Field(() => [String], { nullable: true, description: 'For a group: its direct subtasks (`group_subtasks`).' })
  subtasks!: string[] | null;
}

@ObjectType({
  simpleResolvers: true,
  description:
    'One imported lm-evaluation-harness results file and what it records about how its scores were made. ' +
    'Example: `model(id: "Qwen2.5-1.5B") { checkpoints(first: 1) { nodes { evalSources { file harnessVersion modelArgs dtype ' +
    'tasks(names: ["mmlu"]) { nShot samples } } } } }`.',
})
export class EvalSource {
  @Field(() => ID, { description: 'sha256 of the file\'s bytes (of the JSON text, for a document sent inline).' })
  sha256!: string;

  @Field(() => String, { description: 'The file\'s path relative to the folder imported (or the inline document\'s name), at its last import.' })
  file!: string;

  @Field(() => String, { description: '"v0.3" or "v0.4" (the harness output format).' })
  format!: string;

  @Field(() => String, { nullable: true, description: 'The model as the file names it (before it was mapped to a model id).' })
  modelName!: string | null;

  @Field(() => String, { nullable: true, description: 'The revision evaluated (`model_args` revision or `config.model_revision`).' })
  revision!: string | null;

  @Field(() => String, { nullable: true, description: 'lm-evaluation-harness version (`lm_eval_version`; recent 0.4 releases only).' })
  harnessVersion!: string | null;

  @Field(() => String, { nullable: true, description: 'git hash of the harness checkout that ran.' })
  gitHash!: string | null;

  @Field(() => String, { nullable: true, description: 'When it ran (ISO 8601, from `date`).' })
  evaluatedAt!: string | null;

  @Field(() => String, { nullable: true, description: 'The harness backend (`config.model`: hf, vllm, …).' })
  backend!: string | null;

  @Field(() => String, { nullable: true, description: '`config.model_args` as written (a dict as JSON).' })
  modelArgs!: string | null;

  @Field(() => String, { nullable: true, description: 'The weights\' dtype from `model_args` (e.g. float16, bfloat16).' })
  dtype!: string | null;

  @Field(() => String, { nullable: true, description: '`config.batch_size`, with the sizes chosen in parentheses.' })
  batchSize!: string | null;

  @Field(() => Float, { nullable: true, description: '`config.limit`: examples per task (a count, or a fraction below 1); null: all.' })
  limit!: number | null;

  @Field(() => String, { nullable: true, description: 'The transformers version the harness ran with (v0.4 files).' })
  transformersVersion!: string | null;
}

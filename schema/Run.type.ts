import { Field, ID, Int, ObjectType } from 'type-graphql';

@ObjectType({ simpleResolvers: true, description: 'Something a run read, with its content hash then and now.' })
export class RunInputRecord {
  @Field(() => String, {
    description: 'features (encoding: a layer of the checkpoint), fmri (encoding: one subject’s data), states / previous / final (internal metrics: the checkpoint’s and the CKA references’ features).',
  })
  role!: string;

  @Field(() => ID, { nullable: true, description: 'The model (features).' }) model!: string | null;
  @Field(() => Int, { nullable: true, description: 'The checkpoint (features).' }) step!: number | null;
  @Field(() => Int, { nullable: true, description: 'The layer (features).' }) layer!: number | null;
  @Field(() => ID, { description: 'The fMRI dataset.' }) dataset!: string;
  @Field(() => String, { nullable: true, description: 'The subject (fmri).' }) subject!: string | null;
  @Field(() => String, { nullable: true, description: 'SHA-256 of the input when the run read it (features: the float32 matrix; fmri: subjects.content_sha256).' })
  sha256!: string | null;

  @Field(() => String, { nullable: true, description: 'Its SHA-256 now (null: gone). Differs from `sha256` → the run’s cells that read it are STALE.' })
  currentSha256!: string | null;

  @Field(() => String, { nullable: true, description: 'Features extracted here: SHA-256 of the ONNX file (graph and external data) they came from.' })
  artifactSha256!: string | null;

  @Field(() => String, { nullable: true, description: 'Features extracted here: SHA-256 of the tokenizer (tokenizer.json, then tokenizer_config.json) they came from.' })
  tokenizerSha256!: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'A run: what computed a set of cells — everything needed to compute them again and compare (docs/reproduce.md).' })
export class Run {
  @Field(() => ID, { description: 'The run id (`runId` of jobs and voxel pages).' }) id!: string;
  @Field(() => String, { description: 'encoding or internal.' }) kind!: string;
  @Field(() => String, { nullable: true, description: 'Every parameter as JSON (with the cell selection and, for encoding, the permutation seed).' }) params!: string | null;
  @Field(() => String, { nullable: true, description: 'The hash of the parameters that key the cells.' }) paramsHash!: string | null;
  @Field(() => String, { nullable: true, description: 'The cortexql version (package version and git commit when known) that computed it.' }) codeVersion!: string | null;
  @Field(() => String, { nullable: true, description: 'Where it ran (onnxruntime execution provider).' }) device!: string | null;
  @Field(() => Date, { nullable: true, description: 'When it started.' }) started!: Date | null;
  @Field(() => Date, { nullable: true, description: 'When it finished.' }) finished!: Date | null;
  @Field(() => [RunInputRecord], { description: 'What it read, by content hash (empty for runs computed before inputs were recorded).' }) inputs!: RunInputRecord[];
}

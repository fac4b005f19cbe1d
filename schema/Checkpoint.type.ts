import { SafeIntResolver } from 'graphql-scalars';
import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import type { ArtifactInput } from '../services/checkpoints.js';
import type { CheckpointRow, CheckpointUpsert } from '../warehouse/modelsRepo.js';
import { ConnectionBase } from './connection.js';

@ObjectType({ description: 'One training checkpoint of a model.' })
export class Checkpoint implements CheckpointRow {
  @Field(() => ID)
  modelId!: string;

  @Field(() => Int)
  step!: number;

  @Field(() => SafeIntResolver, { nullable: true, description: 'Training tokens seen at this step.' })
  tokens!: number | null;

  @Field(() => Number, { nullable: true, description: 'step / final step of the model (0–1).' })
  fraction!: number | null;

  @Field(() => String, {
    nullable: true,
    description:
      'Where the checkpoint’s weights are, as a client may name them: the path inside its import root, `upload:<id>/<file>` for an upload, ' +
      'else only the file name — never an absolute server path.',
  })
  artifactUri!: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'sha256 of the ONNX graph file followed by every external-data file it references (in order of first reference).',
  })
  artifactSha256!: string | null;

  @Field(() => SafeIntResolver, { nullable: true, description: 'Bytes of the graph file and its external-data files together.' })
  artifactBytes!: number | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Another step whose artifact has the same sha256: this checkpoint serves the same weights (a broken branch).',
  })
  duplicateOf!: number | null;

  @Field(() => [String], {
    nullable: true,
    description: 'The layers manifest registered with the artifact: the graph tensor of layer 0, 1, … (null: layers found by graph surgery).',
  })
  layersManifest!: string[] | null;
}

@InputType('ArtifactInput')
export class ArtifactInputType implements ArtifactInput {
  @Field(() => Int)
  step!: number;

  @Field(() => String, { description: 'An .onnx file, or a folder holding one: an upload (`upload:<id>`) or a path inside the import roots.' })
  path!: string;
}

@ObjectType()
export class CheckpointEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => Checkpoint)
  node!: Checkpoint;
}

@ObjectType({ description: 'A page of checkpoints ordered by step.' })
export class CheckpointConnection extends ConnectionBase {
  @Field(() => [CheckpointEdge])
  edges!: CheckpointEdge[];

  @Field(() => [Checkpoint])
  nodes!: Checkpoint[];
}

@InputType({ description: 'An inclusive range of training steps.' })
export class StepRange {
  @Field(() => Int, { nullable: true })
  from?: number;

  @Field(() => Int, { nullable: true })
  to?: number;
}

@InputType()
export class CheckpointInput implements CheckpointUpsert {
  @Field(() => Int)
  step!: number;

  @Field(() => SafeIntResolver, { nullable: true, description: 'Defaults to step × the model’s tokens per step.' })
  tokens?: number;

  @Field(() => String, { nullable: true, deprecationReason: 'Refused (BAD_USER_INPUT): register ONNX files with registerCheckpointArtifacts, which opens and checks them.' })
  artifactUri?: string;

  @Field(() => String, { nullable: true, deprecationReason: 'Refused (BAD_USER_INPUT): registerCheckpointArtifacts computes the sha256.' })
  artifactSha256?: string;
}

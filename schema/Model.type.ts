import { SafeIntResolver } from 'graphql-scalars';
import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import type { ModelFilter, ModelOrderField } from '../warehouse/modelsRepo.js';
import type { SortOrder } from '../warehouse/ordering.js';
import { ConnectionBase, OrderBase } from './connection.js';
import { ModelOrderField as ModelOrderFieldEnum } from './enums.js';

@ObjectType({ description: 'A language model whose training checkpoints are studied (e.g. pythia-160m).' })
export class Model {
  @Field(() => ID, { description: 'Stable id, e.g. "pythia-160m".' })
  id!: string;

  @Field(() => String, { nullable: true, description: 'Model family, e.g. "pythia".' })
  family!: string | null;

  @Field(() => SafeIntResolver, { nullable: true, description: 'Total parameter count.' })
  params!: number | null;

  @Field(() => Int, { nullable: true, description: 'Transformer blocks; its layers are 0 (the embedding output) to nLayers.' })
  nLayers!: number | null;

  @Field(() => Int, { nullable: true, description: 'Width of the residual stream.' })
  hiddenSize!: number | null;

  @Field(() => SafeIntResolver, { nullable: true, description: 'Training tokens per optimizer step (Pythia: 2,097,152).' })
  tokensPerStep!: number | null;

  @Field(() => Int, { nullable: true, description: 'The last training step (Pythia: 143000); defines `fraction`.' })
  finalStep!: number | null;

  @Field(() => [String], { description: 'Languages it was trained on (ISO 639-1 codes).' })
  languages!: string[];

  @Field(() => String, { nullable: true, description: 'Where the weights or results come from.' })
  source!: string | null;

  @Field(() => String, { nullable: true, description: 'Free text about the model.' })
  description!: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'A task (or task group) with scores for a model, and its metrics.' })
export class ModelTask {
  @Field(() => String, { description: 'The name, as `task` arguments take it.' })
  name!: string;

  @Field(() => [String], { description: 'Its metrics, as `metric` arguments take them.' })
  metrics!: string[];

  @Field(() => Boolean, { description: 'A task group (a mean over member tasks, computed at query time).' })
  group!: boolean;

  @Field(() => Int, { description: 'Stored tasks it covers: 1 for a task, the members present for a group.' })
  nTasks!: number;
}

@ObjectType({ description: 'A model with its cursor.' })
export class ModelEdge {
  @Field(() => String, { description: 'Pass as `after` to continue after this model.' })
  cursor!: string;

  @Field(() => Model, { description: 'The model.' })
  node!: Model;
}

@ObjectType({ description: 'A page of models in the order asked for.' })
export class ModelConnection extends ConnectionBase {
  @Field(() => [ModelEdge], { description: 'The page’s models with their cursors.' })
  edges!: ModelEdge[];

  @Field(() => [Model], { description: 'The page’s models, without cursors.' })
  nodes!: Model[];
}

@InputType({ description: 'How `models` are sorted.' })
export class ModelOrder extends OrderBase implements SortOrder<ModelOrderField> {
  @Field(() => ModelOrderFieldEnum, { defaultValue: ModelOrderFieldEnum.ID, description: 'ID (the name) or PARAMS (parameter count).' })
  field!: ModelOrderField;
}

@InputType({ description: 'Filters for `models`; all given conditions must hold.' })
export class ModelWhere implements ModelFilter {
  @Field(() => [ID], { nullable: true, description: 'Only these ids.' })
  ids?: string[];

  @Field(() => String, { nullable: true, description: 'Only this family, e.g. "pythia".' })
  family?: string;

  @Field(() => String, { nullable: true, description: 'Case-insensitive substring of the id.' })
  idContains?: string;

  @Field(() => SafeIntResolver, { nullable: true, description: 'At least this many parameters.' })
  minParams?: number;

  @Field(() => SafeIntResolver, { nullable: true, description: 'At most this many parameters.' })
  maxParams?: number;
}

@InputType({ description: 'Registers or updates a model. Omitted facts come from the built-in catalog when the id is known.' })
export class RegisterModelInput {
  @Field(() => ID, { description: 'Stable id, e.g. "my-lm".' })
  id!: string;

  @Field(() => String, { nullable: true, description: 'Model family.' })
  family?: string;

  @Field(() => SafeIntResolver, { nullable: true, description: 'Total parameter count.' })
  params?: number;

  @Field(() => Int, { nullable: true, description: 'Transformer blocks.' })
  nLayers?: number;

  @Field(() => Int, { nullable: true, description: 'Width of the residual stream.' })
  hiddenSize?: number;

  @Field(() => SafeIntResolver, { nullable: true, description: 'Training tokens per optimizer step (sets each checkpoint’s tokens).' })
  tokensPerStep?: number;

  @Field(() => Int, { nullable: true, description: 'The last training step (defines `fraction`).' })
  finalStep?: number;

  @Field(() => [String], { nullable: true, description: 'Training languages (ISO 639-1 codes).' })
  languages?: string[];

  @Field(() => String, { nullable: true, description: 'Where the weights or results come from.' })
  source?: string;

  @Field(() => String, { nullable: true, description: 'Free text about the model.' })
  description?: string;
}

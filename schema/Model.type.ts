import { SafeIntResolver } from 'graphql-scalars';
import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import type { ModelFilter } from '../warehouse/modelsRepo.js';
import { ConnectionBase } from './connection.js';

@ObjectType({ description: 'A language model whose training checkpoints are studied (e.g. pythia-160m).' })
export class Model {
  @Field(() => ID, { description: 'Stable id, e.g. "pythia-160m".' })
  id!: string;

  @Field(() => String, { nullable: true, description: 'Model family, e.g. "pythia".' })
  family!: string | null;

  @Field(() => SafeIntResolver, { nullable: true, description: 'Total parameter count.' })
  params!: number | null;

  @Field(() => Int, { nullable: true })
  nLayers!: number | null;

  @Field(() => Int, { nullable: true })
  hiddenSize!: number | null;

  @Field(() => SafeIntResolver, { nullable: true, description: 'Training tokens per optimizer step (Pythia: 2,097,152).' })
  tokensPerStep!: number | null;

  @Field(() => Int, { nullable: true, description: 'The last training step (Pythia: 143000); defines `fraction`.' })
  finalStep!: number | null;

  @Field(() => [String])
  languages!: string[];

  @Field(() => String, { nullable: true, description: 'Where the weights or results come from.' })
  source!: string | null;

  @Field(() => String, { nullable: true })
  description!: string | null;
}

@ObjectType()
export class ModelEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => Model)
  node!: Model;
}

@ObjectType({ description: 'A page of models ordered by id.' })
export class ModelConnection extends ConnectionBase {
  @Field(() => [ModelEdge])
  edges!: ModelEdge[];

  @Field(() => [Model], { description: 'The page’s models, without cursors.' })
  nodes!: Model[];
}

@InputType({ description: 'Filters for `models`; all given conditions must hold.' })
export class ModelWhere implements ModelFilter {
  @Field(() => [ID], { nullable: true, description: 'Only these ids.' })
  ids?: string[];

  @Field(() => String, { nullable: true })
  family?: string;

  @Field(() => String, { nullable: true, description: 'Case-insensitive substring of the id.' })
  idContains?: string;

  @Field(() => SafeIntResolver, { nullable: true })
  minParams?: number;

  @Field(() => SafeIntResolver, { nullable: true })
  maxParams?: number;
}

@InputType({ description: 'Registers or updates a model. Omitted facts come from the built-in catalog when the id is known.' })
export class RegisterModelInput {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true })
  family?: string;

  @Field(() => SafeIntResolver, { nullable: true })
  params?: number;

  @Field(() => Int, { nullable: true })
  nLayers?: number;

  @Field(() => Int, { nullable: true })
  hiddenSize?: number;

  @Field(() => SafeIntResolver, { nullable: true })
  tokensPerStep?: number;

  @Field(() => Int, { nullable: true })
  finalStep?: number;

  @Field(() => [String], { nullable: true })
  languages?: string[];

  @Field(() => String, { nullable: true })
  source?: string;

  @Field(() => String, { nullable: true })
  description?: string;
}

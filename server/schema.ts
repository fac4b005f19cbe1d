import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { CheckpointResolver } from '../resolvers/CheckpointResolver.js';
import { CompareResolver } from '../resolvers/CompareResolver.js';
import { ImportResolver } from '../resolvers/ImportResolver.js';
import { ModelResolver } from '../resolvers/ModelResolver.js';
import { TaskScoreResolver } from '../resolvers/TaskScoreResolver.js';

let cached: Promise<GraphQLSchema> | null = null;

/** The executable schema; built once per process (type-graphql metadata is global). */
export function cortexSchema(): Promise<GraphQLSchema> {
  cached ??= buildSchema({
    resolvers: [ModelResolver, CheckpointResolver, CompareResolver, TaskScoreResolver, ImportResolver],
    validate: false,
  });
  return cached;
}

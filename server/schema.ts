import 'reflect-metadata';
import { lexicographicSortSchema, type GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { ApiKeyResolver } from '../resolvers/ApiKeyResolver.js';
import { BundleResolver } from '../resolvers/BundleResolver.js';
import { JobResolver } from '../resolvers/JobResolver.js';
import { BrainQueryResolver, CheckpointBrainResolver, DatasetResolver, ModelBrainResolver } from '../resolvers/BrainResolver.js';
import { CheckpointResolver } from '../resolvers/CheckpointResolver.js';
import { ComputeResolver } from '../resolvers/ComputeResolver.js';
import { EvalDuplicateResolver } from '../resolvers/EvalDuplicateResolver.js';
import { CheckpointEvalSourcesResolver, EvalSourceResolver, TaskScoreProvenanceResolver } from '../resolvers/EvalSourceResolver.js';
import { RunResolver } from '../resolvers/RunResolver.js';
import { CompareResolver } from '../resolvers/CompareResolver.js';
import { ImportResolver } from '../resolvers/ImportResolver.js';
import { ModelResolver } from '../resolvers/ModelResolver.js';
import { PhaseResolver } from '../resolvers/PhaseResolver.js';
import { TaskScoreResolver } from '../resolvers/TaskScoreResolver.js';
import { authChecker } from './auth.js';
import { describeCosts } from './cost/describeCosts.js';
import { yieldingLists } from './yieldingLists.js';

let cached: Promise<GraphQLSchema> | null = null;

/** The root types' descriptions (type-graphql builds Query and Mutation without one). */
function describeRoots(schema: GraphQLSchema): GraphQLSchema {
  const query = schema.getQueryType();
  const mutation = schema.getMutationType();
  if (query) query.description = 'Reads: models, checkpoints, scores, brain and internal cells (computed on demand under a policy), comparisons, phases, jobs.';
  if (mutation) mutation.description = 'Writes (writer role): imports, registrations, computations, bundles; API keys (admin role).';
  return schema;
}

/**
 * The executable schema; built once per process (type-graphql metadata is global). Sorted, so
 * the checked-in schema.graphql is stable and arguments read in a sensible order (parameter
 * decorators register them last-first).
 */
export function cortexSchema(): Promise<GraphQLSchema> {
  cached ??= buildSchema({
    resolvers: [
      ModelResolver, CheckpointResolver, CompareResolver, TaskScoreResolver, ImportResolver, PhaseResolver,
      CheckpointBrainResolver, ModelBrainResolver, BrainQueryResolver, DatasetResolver, ComputeResolver, ApiKeyResolver, BundleResolver, JobResolver,
      EvalSourceResolver, TaskScoreProvenanceResolver, CheckpointEvalSourcesResolver, EvalDuplicateResolver, RunResolver,
    ],
    validate: false,
    authChecker,
    authMode: 'error',
  })
    .then(describeCosts)
    .then(describeRoots)
    .then(lexicographicSortSchema)
    .then(yieldingLists);
  return cached;
}

import { getOperationAST, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHEAP_TIER, COST_REQUESTS, DEAR_TIER } from '../../bench/costRequests.js';
import { analyzeOperation } from '../../server/cost/analyzeOperation.js';
import { introspectionListSizes } from '../../server/cost/introspectionPrices.js';
import { cortexSchema } from '../../server/schema.js';
import { warehouseStats } from '../../warehouse/statsRepo.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * How the cost model prices requests over the Pythia evals: the tiers and the orderings its
 * arguments imply. Whether the prices follow measured time is a timing question, answered by
 * `npm run bench:cost` (bench/costModel.ts), not here.
 */
describe('the cost model prices requests by what their arguments make the server do', () => {
  let t: TestServer;
  let cost: (name: string, run?: number) => number;
  beforeAll(async () => {
    t = await startTestServer({ limits: { maxCost: 3_000_000 } });
    const schema = await cortexSchema();
    const stats = await warehouseStats(t.wh);
    const lists = introspectionListSizes(schema);
    cost = (name, run = 0) => {
      const document = parse(COST_REQUESTS[name](run));
      return analyzeOperation({ schema, document, operation: getOperationAST(document)!, variables: {}, stats, introspectionLists: lists, maxStringLength: 65_536 }).cost;
    };
  });
  afterAll(() => t.close());

  it('puts the light requests in the cheap tier and the heavy ones 60× above it', () => {
    const cheap = ['page', 'phasesNoBootstrap', 'aggregateOneTask', 'gridSmall', 'checkpointsPage'];
    const dear = ['phasesMany', 'gridLarge', 'phasesHeavy'];
    for (const name of cheap) expect(cost(name), name).toBeLessThanOrEqual(CHEAP_TIER);
    for (const name of dear) expect(cost(name), name).toBeGreaterThanOrEqual(DEAR_TIER);
  });

  it('grows with bootstrap replicates, signals and grid points', () => {
    expect(cost('phasesNoBootstrap')).toBeLessThan(cost('phasesBootstrap'));
    expect(cost('phasesBootstrap')).toBeLessThan(cost('phasesMany'));
    expect(cost('phasesMany')).toBeLessThan(cost('phasesHeavy'));
    expect(cost('gridSmall')).toBeLessThan(cost('gridLarge'));
    expect(cost('aggregateOneTask')).toBeLessThan(cost('aggregateGroups'));
  });

  it('runs every request it prices within the ceiling, without errors', async () => {
    for (const name of ['page', 'aggregateGroups', 'gridSmall', 'phasesBootstrap']) {
      const { body } = await t.gql(COST_REQUESTS[name](1));
      expect(body.errors, name).toBeUndefined();
    }
  });
});

/**
 * bench:cost — does the cost model order requests as their measured time does?
 *
 * The production server in a child process over the Pythia evals; each request of
 * bench/costRequests.ts is timed three times (a fresh run index each time, so no cache answers)
 * after a warm-up, minus what `{ __typename }` costs (HTTP, Apollo). Prints cost against time, the
 * rank correlation, and whether every cheap-tier request beat every dear-tier one. A timing
 * comparison belongs here, not in the test suite: on a shared machine it is noise-prone.
 */
import { getOperationAST, parse } from 'graphql';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeOperation } from '../server/cost/analyzeOperation.js';
import { introspectionListSizes } from '../server/cost/introspectionPrices.js';
import { cortexSchema } from '../server/schema.js';
import { importEvalsFromPath } from '../services/importEvals.js';
import { SHIPPED_DATA } from '../services/paths.js';
import { warehouseStats } from '../warehouse/statsRepo.js';
import { Warehouse } from '../warehouse/Warehouse.js';
import { CHEAP_TIER, COST_REQUESTS, DEAR_TIER, spearman } from './costRequests.js';
import { client, startChild } from './serverChild.js';

const tmp = mkdtempSync(join(tmpdir(), 'cortexql-cost-'));
const db = join(tmp, 'cost.duckdb');
const wh = await Warehouse.create({ path: db });
await importEvalsFromPath(wh, join(SHIPPED_DATA, 'pythia-evals'));
const schema = await cortexSchema();
const stats = await warehouseStats(wh);
await wh.close();
const lists = introspectionListSizes(schema);
// A ceiling high enough for requests taking about a second, so the tiers are far apart.
const server = await startChild(db, ['--max-cost', '3000000']);
const gql = client(server.url);
try {
  const measure = async (make: (run: number) => string): Promise<number> => {
    await gql(make(100));
    const times: number[] = [];
    for (let run = 1; run <= 3; run++) {
      const t0 = performance.now();
      const { body } = await gql(make(run));
      times.push(performance.now() - t0);
      if (body.errors) throw new Error(JSON.stringify(body.errors));
    }
    return times.sort((a, b) => a - b)[1];
  };
  const base = await measure(() => '{ __typename }');
  const rows: { name: string; cost: number; ms: number }[] = [];
  for (const [name, make] of Object.entries(COST_REQUESTS)) {
    const document = parse(make(0));
    const cost = analyzeOperation({ schema, document, operation: getOperationAST(document)!, variables: {}, stats, introspectionLists: lists, maxStringLength: 65_536 }).cost;
    rows.push({ name, cost, ms: Math.max(0, (await measure(make)) - base) });
  }
  console.log(`bench:cost — ${cpus().length} CPUs, load ${loadavg()[0].toFixed(1)}; { __typename } ${base.toFixed(1)} ms (subtracted)`);
  for (const r of rows) console.log(`  ${r.name.padEnd(18)} cost ${String(r.cost).padStart(9)}   +${r.ms.toFixed(1).padStart(8)} ms`);
  const cheap = rows.filter((r) => r.cost <= CHEAP_TIER);
  const dear = rows.filter((r) => r.cost >= DEAR_TIER);
  const slowestCheap = Math.max(...cheap.map((r) => r.ms));
  const fastestDear = Math.min(...dear.map((r) => r.ms));
  console.log(`  rank correlation cost ~ time: ${spearman(rows.map((r) => r.cost), rows.map((r) => r.ms)).toFixed(2)}`);
  console.log(`  slowest cheap-tier request (cost ≤ ${CHEAP_TIER}) ${slowestCheap.toFixed(1)} ms vs fastest dear-tier one (cost ≥ ${DEAR_TIER}) ${fastestDear.toFixed(1)} ms: ` +
    `${slowestCheap < fastestDear ? 'ordered' : 'NOT ordered'} (×${(fastestDear / Math.max(slowestCheap, 0.1)).toFixed(1)})`);
} finally {
  await server.stop();
  rmSync(tmp, { recursive: true, force: true });
}

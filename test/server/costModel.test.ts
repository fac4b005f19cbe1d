import { getIntrospectionQuery, getOperationAST, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeOperation } from '../../server/cost/analyzeOperation.js';
import { introspectionListSizes } from '../../server/cost/introspectionPrices.js';
import { cortexSchema } from '../../server/schema.js';
import { warehouseStats } from '../../warehouse/statsRepo.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * Requests from cheap to expensive, each a function of a run index so no cache (phase results,
 * read results) serves a repeat. The cost model must order them as their measured time does.
 */
const REQUESTS: Record<string, (run: number) => string> = {
  page: (r) => `{ models(first: 7, where: { ids: ["pythia-70m", "run${r}"] }) { nodes { id } } }`,
  phasesNoBootstrap: (r) => `{ detectPhases(model: "pythia-160m", signals: [{ kind: TASK, task: "piqa" }], options: { bootstrap: 0, seed: ${r} }) { k } }`,
  aggregateOneTask: (r) => `{ taskScoreAggregate(where: { metric: "acc", tasks: ["piqa"], steps: { from: ${-r} } }, groupBy: [MODEL]) { mean } }`,
  gridSmall: (r) => `{ compareModels(models: ["pythia-160m", "pythia-410m"], task: "piqa", grid: { points: ${100 + r} }) { series { points { x value } } } }`,
  checkpointsPage: (r) => `{ models(first: 7) { nodes { checkpoints(first: 27, stepRange: { from: ${-r} }) { nodes { step piqa: taskScore(task: "piqa") { value } } } } } }`,
  introspection: () => getIntrospectionQuery(),
  aggregateGroups: (r) => `{ taskScoreAggregate(where: { metric: "acc", tasks: ["mmlu", "blimp", "piqa"], steps: { from: ${-r} } }, groupBy: [MODEL, TASK, STEP]) { mean count } }`,
  phasesBootstrap: (r) => `{ detectPhases(model: "pythia-160m", signals: [{ kind: TASK, task: "piqa" }, { kind: TASK, task: "lambada_openai" }], options: { bootstrap: 300, seed: ${r} }) { k } }`,
  phasesMany: (r) => `{ detectPhases(model: "pythia-410m", signals: [{ kind: TASK, task: "piqa" }, { kind: TASK, task: "lambada_openai" }, { kind: TASK, task: "arc_easy" }], options: { bootstrap: 4000, seed: ${r} }) { k } }`,
  gridLarge: (r) => `{ compareModels(models: ["pythia-70m", "pythia-160m", "pythia-410m", "pythia-70m-deduped", "pythia-1b-deduped", "pythia-160m-deduped", "pythia-410m-deduped"], task: "piqa", grid: { points: ${8000 + r} }) { series { points { x value } } } }`,
  phasesHeavy: (r) => `{ detectPhases(model: "pythia-160m", signals: [{ kind: TASK, task: "piqa" }, { kind: TASK, task: "lambada_openai" }, { kind: TASK, task: "arc_easy" }, { kind: TASK, task: "sciq" }], options: { bootstrap: 10000, minSize: 2, kMax: 8, seed: ${r} }) { k } }`,
};

function spearman(a: number[], b: number[]): number {
  const rank = (v: number[]) => {
    const order = v.map((x, i) => [x, i] as const).sort((p, q) => p[0] - q[0]);
    const r = new Array<number>(v.length);
    order.forEach(([, i], k) => (r[i] = k));
    return r;
  };
  const ra = rank(a);
  const rb = rank(b);
  const n = a.length;
  const d2 = ra.reduce((s, r, i) => s + (r - rb[i]) ** 2, 0);
  return 1 - (6 * d2) / (n * (n * n - 1));
}

describe('the cost model orders requests as their measured time does', () => {
  let t: TestServer;
  beforeAll(async () => {
    // A ceiling high enough for requests taking about a second, so the tiers are far apart.
    t = await startTestServer({ limits: { maxCost: 3_000_000 } });
  });
  afterAll(() => t.close());

  it('cheap requests are cheap: every request of the cheap tier is faster than any 60× dearer one', async () => {
    const schema = await cortexSchema();
    const stats = await warehouseStats(t.wh);
    const lists = introspectionListSizes(schema);
    const rows: { name: string; cost: number; ms: number }[] = [];
    const measure = async (name: string, make: (run: number) => string): Promise<number> => {
      const times: number[] = [];
      await t.gql(make(100)); // warm: JIT, the compute pool's thread, the table sizes
      for (let run = 0; run < 3; run++) {
        const t0 = performance.now();
        const { body } = await t.gql(make(run + 1));
        times.push(performance.now() - t0);
        expect(body.errors, name).toBeUndefined();
      }
      times.sort((a, b) => a - b);
      return times[1]; // the median of three: robust to a busy machine
    };
    // What any request costs here (HTTP, Apollo): the cost model prices the work on top of it.
    const base = await measure('base', () => '{ __typename }');
    for (const [name, make] of Object.entries(REQUESTS)) {
      const document = parse(make(0));
      const cost = analyzeOperation({ schema, document, operation: getOperationAST(document)!, variables: {}, stats, introspectionLists: lists, maxStringLength: 65_536 }).cost;
      rows.push({ name, cost, ms: Math.max(0, (await measure(name, make)) - base) });
    }
    console.log(`base ${base.toFixed(1)} ms\n${rows.map((r) => `${r.name}: cost ${r.cost}, +${r.ms.toFixed(1)} ms`).join('\n')}`);
    // Tiers 60× apart in cost: every request of the cheap tier takes less time than any of the dear one.
    const cheap = rows.filter((r) => r.cost <= 5_000);
    const dear = rows.filter((r) => r.cost >= 60 * 5_000);
    expect(cheap.length).toBeGreaterThanOrEqual(5);
    expect(dear.length).toBeGreaterThanOrEqual(3);
    for (const c of cheap) for (const d of dear) expect(c.ms, `${c.name} (cost ${c.cost}) vs ${d.name} (cost ${d.cost})`).toBeLessThan(d.ms);
    // Over all of them, cost and time rank alike (loosely: the machine may be shared).
    expect(spearman(rows.map((r) => r.cost), rows.map((r) => r.ms))).toBeGreaterThan(0.5);
  });
});

/**
 * bench/hostile — can a client that stays within the limits freeze the server? (issue 10)
 *
 *   npm run bench:hostile [-- --seconds 10 --clients 10 --db path/to/warehouse.duckdb]
 *
 * Starts the real server (dist/server/main.js, a child process, default limits, anonymous
 * reader) on a warehouse — the one given, or a fresh one with the shipped Pythia evals — and
 * measures /healthz and a cheap query (`models(first: 1)`) twice: alone (the baseline), then
 * while `--clients` concurrent clients send the most expensive requests the limits ALLOW, in
 * turn: detectPhases at the largest bootstrap under the cost ceiling, compareModels on the
 * largest grid, taskScoreAggregate with as many aliases as the ceiling prices in, and aliased
 * whole-schema introspection. The maximal arguments are found by asking the server (its
 * COST_LIMIT answers carry the estimated cost). Goals: /healthz p99 < 50 ms, cheap query
 * p99 < 100 ms under load. Prints figures and ratios; asserts nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SHIPPED_DATA } from '../services/paths.js';
import { importEvalsFromPath } from '../services/importEvals.js';
import { Warehouse } from '../warehouse/Warehouse.js';
import { client, startChild } from './serverChild.js';
import { fmt, percentile } from './stats.js';

const args = process.argv.slice(2);
const arg = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const SECONDS = Number(arg('--seconds') ?? 10);
const CLIENTS = Number(arg('--clients') ?? 10);
const MAX_COST = 200_000; // the server's default ceiling for readers

const MODELS = ['pythia-70m', 'pythia-70m-deduped', 'pythia-160m', 'pythia-160m-deduped', 'pythia-410m', 'pythia-410m-deduped', 'pythia-1b-deduped'];

/**
 * The largest n for which `make(n)` passes the cost ceiling: n grows geometrically until refused,
 * then the server's own estimate of the refused one narrows it (cost is about linear in n).
 */
async function largestAllowed(gql: ReturnType<typeof client>, make: (n: number) => string, start: number, max: number): Promise<number> {
  let lo = 0;
  let hi = max + 1;
  let n = start;
  while (hi - lo > 1 && n <= max) {
    const { body } = await gql(make(n));
    const refused = body.errors?.find((e) => e.extensions?.code === 'COST_LIMIT');
    if (!refused && body.errors) throw new Error(`probe failed: ${body.errors[0].message}`);
    if (refused) {
      hi = n;
      const estimate = Math.floor((n * MAX_COST) / Number(refused.extensions!.cost));
      n = Math.max(lo + 1, Math.min(hi - 1, estimate));
    } else {
      lo = n;
      n = Math.min(hi - 1, n * 2);
    }
  }
  return lo;
}

interface Latencies {
  healthz: number[];
  cheap: number[];
}

/** Polls /healthz and the cheap query, one at a time each, until `until`. */
async function probe(url: string, until: number): Promise<Latencies> {
  const gql = client(url);
  const out: Latencies = { healthz: [], cheap: [] };
  const loop = async (samples: number[], once: () => Promise<void>) => {
    while (Date.now() < until) {
      const t0 = performance.now();
      await once();
      samples.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  await Promise.all([
    loop(out.healthz, async () => {
      const res = await fetch(`${url}healthz`);
      if (res.status !== 200) throw new Error(`/healthz ${res.status}`);
      await res.arrayBuffer();
    }),
    loop(out.cheap, async () => {
      const { body } = await gql('{ models(first: 1) { totalCount } }');
      if (body.errors) throw new Error(`cheap query: ${body.errors[0].message}`);
    }),
  ]);
  return out;
}

function summary(label: string, samples: number[]): { p50: number; p99: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const p50 = percentile(sorted, 50);
  const p99 = percentile(sorted, 99);
  console.log(`  ${label.padEnd(12)} n=${String(sorted.length).padStart(5)}  p50 ${fmt(p50).padStart(10)}  p99 ${fmt(p99).padStart(10)}  max ${fmt(sorted[sorted.length - 1] ?? NaN).padStart(10)}`);
  return { p50, p99 };
}

async function main(): Promise<void> {
  const given = arg('--db');
  const tmp = given ? null : mkdtempSync(join(tmpdir(), 'cortexql-hostile-'));
  const db = given ?? join(tmp!, 'hostile.duckdb');
  if (!given) {
    const wh = await Warehouse.create({ path: db });
    await importEvalsFromPath(wh, join(SHIPPED_DATA, 'pythia-evals'));
    wh.close();
  }
  const server = await startChild(db);
  const gql = client(server.url);
  try {
    console.log(`bench:hostile — server ${server.url} on ${given ?? 'a fresh warehouse with the Pythia evals'}; ${CLIENTS} hostile clients, ${SECONDS} s per phase`);
    // The worst cases the limits allow, found by asking the server.
    let seed = 0;
    const phases = (b: number) =>
      `{ detectPhases(model: "pythia-160m", signals: [{ kind: TASK, task: "piqa" }, { kind: TASK, task: "lambada_openai" }, { kind: TASK, task: "arc_easy" }, { kind: TASK, task: "sciq" }],
                      options: { bootstrap: ${b}, minSize: 2, kMax: 8, seed: ${seed++} }) { k breakpoints { step ci { lowStep highStep } } } }`;
    const grid = (p: number) => `{ compareModels(models: ${JSON.stringify(MODELS)}, task: "piqa", alignBy: TOKENS, grid: { points: ${p} }) { series { points { x value } } correlations { r } } }`;
    const aggregates = (n: number) =>
      `{ ${Array.from({ length: n }, (_, i) => `a${i}: taskScoreAggregate(where: { metric: "acc", tasks: ["mmlu", "lambada_openai", "piqa"], steps: { from: ${-(seed++ % 1000) - i} } }, groupBy: [MODEL, TASK, STEP]) { modelId task step count mean stddev }`).join(' ')} }`;
    const introspection = (n: number) =>
      `{ ${Array.from({ length: n }, (_, i) => `s${i}: __schema { types { name kind description fields(includeDeprecated: true) { name description args { name type { name kind ofType { name kind ofType { name } } } } type { name kind ofType { name kind } } } enumValues { name } inputFields { name } } }`).join(' ')} }`;
    const maxBootstrap = await largestAllowed(gql, phases, 100, 10_000);
    const maxGrid = await largestAllowed(gql, grid, 100, 10_000);
    const maxAggregates = await largestAllowed(gql, aggregates, 1, 200);
    const maxIntrospection = await largestAllowed(gql, introspection, 1, 200);
    console.log(`worst allowed: detectPhases bootstrap ${maxBootstrap} (4 signals, minSize 2, kMax 8); compareModels ${MODELS.length} models × ${maxGrid} grid points; ` +
      `${maxAggregates} aliased taskScoreAggregate; ${maxIntrospection} aliased whole-schema introspection`);
    const worst = [() => phases(maxBootstrap), () => grid(maxGrid), () => aggregates(maxAggregates), () => introspection(maxIntrospection)];

    // Warm the server (JIT, compute pool, caches of table sizes) before the baseline.
    for (const make of worst) await gql(make());

    console.log('\nbaseline (no other load):');
    const base = await probe(server.url, Date.now() + SECONDS * 1000);
    const baseHealth = summary('/healthz', base.healthz);
    const baseCheap = summary('cheap query', base.cheap);

    console.log(`\nunder ${CLIENTS} concurrent worst-case clients:`);
    const until = Date.now() + SECONDS * 1000;
    const done: Record<string, number[]> = {};
    let refused = 0;
    const hostile = Array.from({ length: CLIENTS }, async (_, c) => {
      for (let k = c; Date.now() < until; k++) {
        const which = k % worst.length;
        const t0 = performance.now();
        const { body } = await gql(worst[which]());
        if (body.errors) refused++;
        (done[['phases', 'grid', 'aggregates', 'introspection'][which]] ??= []).push(performance.now() - t0);
      }
    });
    const [loaded] = await Promise.all([probe(server.url, until), ...hostile]);
    const health = summary('/healthz', loaded.healthz);
    const cheap = summary('cheap query', loaded.cheap);
    console.log('  hostile requests completed:');
    for (const [name, times] of Object.entries(done)) summary(`  ${name}`, times);
    if (refused) console.log(`  (${refused} hostile requests answered with errors)`);

    console.log('\nfigures:');
    console.log(`  /healthz p99     ${fmt(health.p99)} under load vs ${fmt(baseHealth.p99)} alone (×${(health.p99 / baseHealth.p99).toFixed(1)}); goal < 50 ms: ${health.p99 < 50 ? 'met' : 'NOT met'}`);
    console.log(`  cheap query p99  ${fmt(cheap.p99)} under load vs ${fmt(baseCheap.p99)} alone (×${(cheap.p99 / baseCheap.p99).toFixed(1)}); goal < 100 ms: ${cheap.p99 < 100 ? 'met' : 'NOT met'}`);
  } finally {
    await server.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
}

await main();

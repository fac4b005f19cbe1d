import { getIntrospectionQuery } from 'graphql';

/**
 * Requests from cheap to expensive over the Pythia evals, each a function of a run index so no
 * cache (phase results, read results) serves a repeat. test/server/costModel.test.ts checks how
 * the cost model prices them; bench/costModel.ts measures how long they take.
 */
export const COST_REQUESTS: Record<string, (run: number) => string> = {
  page: (r) => `{ models(first: 7, where: { ids: ["pythia-70m", "run${r}"] }) { nodes { id } } }`,
  phasesNoBootstrap: (r) => `{ detectPhases(model: "pythia-160m", signals: [{ kind: TASK, task: "piqa" }], options: { bootstrap: 0, seed: ${r} }) { k } }`,
  aggregateOneTask: (r) => `{ taskScoreAggregate(where: { metric: "acc", tasks: ["piqa"], steps: { from: ${-r} } }, groupBy: [MODEL]) { mean } }`,
  gridSmall: (r) => `{ compareModels(models: ["pythia-160m", "pythia-410m"], task: "piqa", grid: { points: ${100 + r} }) { series { points { x value } } } }`,
  checkpointsPage: (r) => `{ models(first: 7) { nodes { checkpoints(first: 27, stepRange: { from: ${-r} }) { nodes { step piqa: taskScore(task: "piqa") { value } } } } } }`,
  introspection: () => getIntrospectionQuery(),
  aggregateGroups: (r) => `{ taskScoreAggregate(where: { metric: "acc", tasks: ["mmlu", "lambada_openai", "piqa"], steps: { from: ${-r} } }, groupBy: [MODEL, TASK, STEP]) { mean count } }`,
  phasesBootstrap: (r) => `{ detectPhases(model: "pythia-160m", signals: [{ kind: TASK, task: "piqa" }, { kind: TASK, task: "lambada_openai" }], options: { bootstrap: 300, seed: ${r} }) { k } }`,
  phasesMany: (r) => `{ detectPhases(model: "pythia-410m", signals: [{ kind: TASK, task: "piqa" }, { kind: TASK, task: "lambada_openai" }, { kind: TASK, task: "arc_easy" }], options: { bootstrap: 4000, seed: ${r} }) { k } }`,
  gridLarge: (r) => `{ compareModels(models: ["pythia-70m", "pythia-160m", "pythia-410m", "pythia-70m-deduped", "pythia-1b-deduped", "pythia-160m-deduped", "pythia-410m-deduped"], task: "piqa", grid: { points: ${8000 + r} }) { series { points { x value } } } }`,
  phasesHeavy: (r) => `{ detectPhases(model: "pythia-160m", signals: [{ kind: TASK, task: "piqa" }, { kind: TASK, task: "lambada_openai" }, { kind: TASK, task: "arc_easy" }, { kind: TASK, task: "sciq" }], options: { bootstrap: 10000, minSize: 2, kMax: 8, seed: ${r} }) { k } }`,
};

/** Tiers 60× apart in cost: each request of the cheap one should take less time than any of the dear one. */
export const CHEAP_TIER = 5_000;
export const DEAR_TIER = 60 * CHEAP_TIER;

export function spearman(a: readonly number[], b: readonly number[]): number {
  const rank = (v: readonly number[]) => {
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

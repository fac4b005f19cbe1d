import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPythiaFiles, type RawEvalFile } from '../helpers/pythiaFiles.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** Reference Pearson r, computed here independently of compute/. */
function pearson(a: number[], b: number[]): number {
  const ma = a.reduce((s, v) => s + v, 0) / a.length;
  const mb = b.reduce((s, v) => s + v, 0) / b.length;
  let ab = 0, aa = 0, bb = 0;
  a.forEach((v, i) => { ab += (v - ma) * (b[i] - mb); aa += (v - ma) ** 2; bb += (b[i] - mb) ** 2; });
  return ab / Math.sqrt(aa * bb);
}

describe('compareModels and taskScoreAggregate', () => {
  let t: TestServer;
  let files: RawEvalFile[];
  const series = (model: string, task: string, metric = 'acc') =>
    files.filter((f) => f.modelId === model).sort((x, y) => x.step - y.step).map((f) => ({ step: f.step, value: f.results[task][metric] }));

  beforeAll(async () => {
    t = await startTestServer();
    files = readPythiaFiles();
  });
  afterAll(() => t.close());

  it.each(['STEP', 'TOKENS', 'FRACTION'] as const)('aligns by %s with exact values, pairwise r, best and final', async (alignBy) => {
    const q = `{ compareModels(models: ["pythia-70m", "pythia-410m"], task: "lambada_openai", metric: "acc", alignBy: ${alignBy}) {
      alignBy series { modelId points { x step value stderr } best { x step value } final { x step value } } correlations { modelA modelB r n reason } } }`;
    const { body } = await t.gql(q);
    expect(body.errors).toBeUndefined();
    const cmp = body.data.compareModels;
    const xOf = (step: number) => (alignBy === 'STEP' ? step : alignBy === 'TOKENS' ? step * 2_097_152 : step / 143_000);
    for (const s of cmp.series) {
      const ref = series(s.modelId, 'lambada_openai');
      expect(s.points.map((p: { x: number; step: number; value: number }) => [p.x, p.step, p.value])).toEqual(ref.map((p) => [xOf(p.step), p.step, p.value]));
      const best = ref.reduce((m, p) => (p.value > m.value ? p : m));
      expect(s.best).toEqual({ x: xOf(best.step), step: best.step, value: best.value });
      expect(s.final).toEqual({ x: xOf(143000), step: 143000, value: ref[ref.length - 1].value });
    }
    const r = pearson(series('pythia-70m', 'lambada_openai').map((p) => p.value), series('pythia-410m', 'lambada_openai').map((p) => p.value));
    expect(cmp.correlations).toHaveLength(1);
    expect(cmp.correlations[0]).toMatchObject({ modelA: 'pythia-70m', modelB: 'pythia-410m', n: 27, reason: null });
    expect(cmp.correlations[0].r).toBeCloseTo(r, 12);
  });

  it('interpolates on a shared log grid whose ends are the data', async () => {
    const { body } = await t.gql(`{ compareModels(models: ["pythia-160m", "pythia-1b-deduped"], task: "piqa", alignBy: TOKENS, grid: { points: 9, scale: LOG }) {
      grid series { modelId points { x step value } } correlations { n r } } }`);
    const cmp = body.data.compareModels;
    expect(cmp.grid).toHaveLength(9);
    expect(cmp.grid[0]).toBe(2_097_152); // step 1: the first point with tokens > 0
    expect(cmp.grid[8]).toBe(143_000 * 2_097_152);
    for (const s of cmp.series) {
      const ref = series(s.modelId, 'piqa');
      expect(s.points[0]).toEqual({ x: 2_097_152, step: null, value: ref.find((p) => p.step === 1)!.value });
      expect(s.points[8].value).toBe(ref[ref.length - 1].value);
    }
    expect(cmp.correlations[0].n).toBe(9);
  });

  it('picks the lowest value as best for perplexity', async () => {
    const { body } = await t.gql(`{ compareModels(models: ["pythia-70m"], task: "lambada_openai", metric: "ppl") { series { best { step value } } } }`);
    const ref = series('pythia-70m', 'lambada_openai', 'ppl');
    expect(body.data.compareModels.series[0].best.value).toBe(Math.min(...ref.map((p) => p.value)));
  });

  it('reports unknown models and empty axes as errors with codes', async () => {
    const unknown = await t.gql(`{ compareModels(models: ["pythia-70m", "gpt-9"], task: "piqa") { alignBy } }`);
    expect(unknown.body.errors?.[0]).toMatchObject({ message: expect.stringMatching(/^model 'gpt-9' does not exist; known: 'pythia-160m'/), extensions: { code: 'NOT_FOUND' } });
    const noTask = await t.gql(`{ compareModels(models: ["pythia-70m"], task: "no_such_task") { alignBy } }`);
    expect(noTask.body.errors?.[0]).toMatchObject({ extensions: { code: 'NOT_FOUND', what: 'task' } });
  });

  it('aggregates acc by model × task group over a step range', async () => {
    const { body } = await t.gql(`{ taskScoreAggregate(where: { metric: "acc", tasks: ["mmlu", "piqa"], steps: { from: 103000 } }, groupBy: [MODEL, TASK]) {
      modelId task family step count mean min max stddev } }`);
    expect(body.errors).toBeUndefined();
    const rows = body.data.taskScoreAggregate;
    expect(rows).toHaveLength(14);
    for (const row of rows) {
      const cells = files.filter((f) => f.modelId === row.modelId && f.step >= 103000).map((f) => {
        if (row.task === 'piqa') return f.results.piqa.acc;
        const subjects = Object.keys(f.results).filter((k) => k.startsWith('hendrycksTest-'));
        return subjects.reduce((s, k) => s + f.results[k].acc, 0) / subjects.length;
      });
      const mean = cells.reduce((s, v) => s + v, 0) / cells.length;
      const sd = Math.sqrt(cells.reduce((s, v) => s + (v - mean) ** 2, 0) / (cells.length - 1));
      expect(row.family).toBeNull();
      expect(row.step).toBeNull();
      expect(row.count).toBe(5);
      expect(row.mean).toBeCloseTo(mean, 13);
      expect(row.min).toBeCloseTo(Math.min(...cells), 14);
      expect(row.max).toBeCloseTo(Math.max(...cells), 14);
      expect(row.stddev).toBeCloseTo(sd, 12);
    }
  });

  it('aggregates by family and step across all models', async () => {
    const { body } = await t.gql(`{ taskScoreAggregate(where: { metric: "acc", tasks: ["sciq"], steps: { from: 143000 } }, groupBy: [FAMILY, STEP]) { family step count mean } }`);
    const finals = files.filter((f) => f.step === 143000).map((f) => f.results.sciq.acc);
    expect(body.data.taskScoreAggregate).toHaveLength(1);
    expect(body.data.taskScoreAggregate[0]).toMatchObject({ family: 'pythia', step: 143000, count: 7 });
    expect(body.data.taskScoreAggregate[0].mean).toBeCloseTo(finals.reduce((s, v) => s + v, 0) / 7, 14);
  });

  it('lists tasks and task groups', async () => {
    const { body } = await t.gql(`{ tasks { task metrics nModels nCheckpoints } taskGroups { name patterns } }`);
    expect(body.data.tasks).toHaveLength(87);
    expect(body.data.tasks.find((x: { task: string }) => x.task === 'lambada_openai')).toEqual({ task: 'lambada_openai', metrics: ['acc', 'ppl'], nModels: 7, nCheckpoints: 189 });
    expect(body.data.taskGroups.map((g: { name: string }) => g.name)).toContain('mmlu');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPythiaFiles, type RawEvalFile } from '../helpers/pythiaFiles.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const MODELS = ['pythia-160m', 'pythia-160m-deduped', 'pythia-1b-deduped', 'pythia-410m', 'pythia-410m-deduped', 'pythia-70m', 'pythia-70m-deduped'];

describe('GraphQL queries over the Pythia evals (real HTTP server, real DuckDB file)', () => {
  let t: TestServer;
  let files: RawEvalFile[];
  const raw = (model: string, step: number) => files.find((f) => f.modelId === model && f.step === step)!.results;

  beforeAll(async () => {
    t = await startTestServer();
    files = readPythiaFiles();
  });
  afterAll(() => t.close());

  it('pages through models with Relay cursors', async () => {
    const q = `query($after: String) { models(first: 3, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id } } }`;
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 3; page++) {
      const { body }: { body: { data?: any } } = await t.gql(q, { after });
      seen.push(...body.data.models.nodes.map((n: { id: string }) => n.id));
      expect(body.data.models.totalCount).toBe(7);
      expect(body.data.models.pageInfo.hasNextPage).toBe(page < 2);
      after = body.data.models.pageInfo.endCursor;
    }
    expect(seen).toEqual(MODELS);
  });

  it('filters models with where', async () => {
    const { body } = await t.gql(`{ models(first: 10, where: { idContains: "DEDUPED", minParams: 100000000 }) { totalCount nodes { id family nLayers hiddenSize tokensPerStep finalStep } } }`);
    expect(body.data.models.totalCount).toBe(3);
    expect(body.data.models.nodes[0]).toEqual({ id: 'pythia-160m-deduped', family: 'pythia', nLayers: 12, hiddenSize: 768, tokensPerStep: 2097152, finalStep: 143000 });
  });

  it('returns every shipped checkpoint’s exact values through Checkpoint.taskScore', async () => {
    const q = `{ models(first: 7) { nodes { id checkpoints(first: 27) { totalCount nodes { step tokens fraction
        lambada: taskScore(task: "lambada_openai", metric: "acc") { value stderr nTasks }
        piqa: taskScore(task: "piqa", metric: "acc_norm") { value stderr }
        crows: taskScore(task: "crows_pairs_english", metric: "pct_stereotype") { value stderr } } } } } }`;
    const { body } = await t.gql(q);
    expect(body.errors).toBeUndefined();
    let checked = 0;
    for (const model of body.data.models.nodes) {
      expect(model.checkpoints.totalCount).toBe(27);
      for (const c of model.checkpoints.nodes) {
        const r = raw(model.id, c.step);
        expect(c.tokens).toBe(c.step * 2_097_152);
        expect(c.fraction).toBe(c.step / 143_000);
        expect(c.lambada).toEqual({ value: r.lambada_openai.acc, stderr: r.lambada_openai.acc_stderr, nTasks: 1 });
        expect(c.piqa).toEqual({ value: r.piqa.acc_norm, stderr: r.piqa.acc_norm_stderr });
        expect(c.crows).toEqual({ value: r.crows_pairs_english.pct_stereotype, stderr: r.crows_pairs_english.pct_stereotype_stderr });
        checked++;
      }
    }
    expect(checked).toBe(189);
  });

  it('issues a constant number of SQL statements per field level, however many parents', async () => {
    const q = (models: number, checkpoints: number) => `{ models(first: ${models}) { nodes { id checkpoints(first: ${checkpoints}) { nodes { step
        a: taskScore(task: "piqa") { value } b: taskScore(task: "sciq") { value } c: taskScore(task: "mmlu") { value } } } } } }`;
    // Lookups = statements run + reads answered by the warehouse's result cache.
    const lookups = () => t.wh.statementCount + t.wh.cacheHits;
    const count = async (query: string) => {
      const before = lookups();
      const { body } = await t.gql(query);
      expect(body.errors).toBeUndefined();
      return lookups() - before;
    };
    // The first request also reads the stored-task catalogue (the arguments' check), derived once per data version.
    await count(q(1, 1));
    const small = await count(q(1, 2));
    const large = await count(q(7, 27));
    expect(large).toBe(small);
    // models page, checkpoints of all models, task scores of all checkpoints
    expect(large).toBe(3);
  });

  it('computes task groups at query time: mmlu is the mean over the 57 hendrycksTest-* subjects', async () => {
    const { body } = await t.gql(`{ model(id: "pythia-410m") { checkpoints(first: 1, stepRange: { from: 143000 }) { nodes { step taskScore(task: "mmlu") { value stderr nTasks } } } } }`);
    const r = raw('pythia-410m', 143000);
    const subjects = Object.keys(r).filter((k) => k.startsWith('hendrycksTest-'));
    const mean = subjects.reduce((s, k) => s + r[k].acc, 0) / subjects.length;
    const se = Math.sqrt(subjects.reduce((s, k) => s + r[k].acc_stderr ** 2, 0)) / subjects.length;
    const score = body.data.model.checkpoints.nodes[0].taskScore;
    expect(subjects).toHaveLength(57);
    expect(score.nTasks).toBe(57);
    expect(score.value).toBeCloseTo(mean, 14);
    expect(score.stderr).toBeCloseTo(se, 14);
  });

  it('returns a model’s trajectory with tokens and fraction, ordered by step', async () => {
    const { body } = await t.gql(`{ model(id: "pythia-1b-deduped") { taskTrajectory(task: "arc_easy", metric: "acc") { step tokens fraction value stderr } } }`);
    const points = body.data.model.taskTrajectory;
    const steps = files.filter((f) => f.modelId === 'pythia-1b-deduped').map((f) => f.step).sort((a, b) => a - b);
    expect(points.map((p: { step: number }) => p.step)).toEqual(steps);
    for (const p of points) {
      expect(p).toEqual({ step: p.step, tokens: p.step * 2_097_152, fraction: p.step / 143_000, value: raw('pythia-1b-deduped', p.step).arc_easy.acc, stderr: raw('pythia-1b-deduped', p.step).arc_easy.acc_stderr });
    }
  });

  it('pages checkpoints within a step range', async () => {
    const q = `query($after: String) { model(id: "pythia-70m") { checkpoints(first: 4, after: $after, stepRange: { from: 1000, to: 53000 }) { totalCount pageInfo { hasNextPage endCursor } nodes { step } } } }`;
    const first = (await t.gql(q)).body.data.model.checkpoints;
    const second = (await t.gql(q, { after: first.pageInfo.endCursor })).body.data.model.checkpoints;
    expect(first.totalCount).toBe(7);
    expect(first.nodes.map((n: { step: number }) => n.step)).toEqual([1000, 3000, 13000, 23000]);
    expect(second.nodes.map((n: { step: number }) => n.step)).toEqual([33000, 43000, 53000]);
    expect(second.pageInfo.hasNextPage).toBe(false);
  });
});

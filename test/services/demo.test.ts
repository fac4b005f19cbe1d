import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../services/paths.js';
import type { DemoReport } from '../../services/demo.js';
import { cachedDemoWarehouse } from '../helpers/fixtures.js';
import { outputMismatches, parseOutputPattern } from '../helpers/docOutput.js';
import { docQueries } from '../helpers/readmeExamples.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

describe('the demo pipeline end to end (the demo’s simulated study, services/demoStudy.ts): ONNX → hidden states → encoding → warehouse → API', () => {
  let t: TestServer;
  let report: DemoReport;
  beforeAll(async () => {
    // fillDemoWarehouse over the shared study, once per source state (helpers/fixtures.ts).
    const demo = await cachedDemoWarehouse();
    report = demo.report;
    t = await startTestServer({ db: demo.path });
  }, 300_000);
  afterAll(async () => {
    await t.close();
  });

  it('holds the real Pythia evals and the simulated model with registered ONNX checkpoints', async () => {
    expect(report.pythiaScores).toBe(32508);
    const { body } = await t.gql(`{ models(first: 20) { totalCount } model(id: "sim-tinygpt") { family checkpoints(first: 50) { totalCount nodes { step tokens artifactSha256 } } } }`);
    expect(body.data.models.totalCount).toBe(8);
    expect(body.data.model.checkpoints.totalCount).toBe(report.study.checkpoints);
    for (const c of body.data.model.checkpoints.nodes) expect(c.artifactSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('recovers the planted brain-alignment peak and trough within ±1 checkpoint', async () => {
    const { body } = await t.gql(`{ model(id: "sim-tinygpt") { brainTrajectory(dataset: "sim-narratives", roi: "STS", policy: NEVER) { step value status } } }`);
    const points = body.data.model.brainTrajectory as { step: number; value: number; status: string }[];
    expect(points.every((p) => p.status === 'READY')).toBe(true);
    const steps = points.map((p) => p.step);
    const peak = points.reduce((best, p) => (p.value > best.value ? p : best));
    const afterPeak = points.filter((p) => p.step > peak.step);
    const trough = afterPeak.reduce((low, p) => (p.value < low.value ? p : low));
    const { peakStep, troughStep } = report.study.schedule;
    expect(Math.abs(steps.indexOf(peak.step) - steps.indexOf(peakStep))).toBeLessThanOrEqual(1);
    expect(Math.abs(steps.indexOf(trough.step) - steps.indexOf(troughStep))).toBeLessThanOrEqual(1);
  });

  it('stores internal metrics and task-like evals for the simulated model', async () => {
    const { body } = await t.gql(`{ model(id: "sim-tinygpt") { internalTrajectory(metric: "effectiveRank", layer: 1, dataset: "sim-narratives", policy: NEVER) { step value }
      taskTrajectory(task: "sim_piqa") { step value } } }`);
    expect(body.data.model.internalTrajectory).toHaveLength(report.study.checkpoints);
    expect(body.data.model.taskTrajectory).toHaveLength(report.study.checkpoints);
  });

  it('holds the Pythia models, checkpoints and tasks the README introduction counts', async () => {
    const prose = readFileSync(join(PACKAGE_ROOT, 'README.md'), 'utf8').replace(/\s+/g, ' ');
    const m = /results for (\d+) Pythia models × (\d+) training checkpoints × (\d+) tasks/.exec(prose);
    expect(m, 'the README introduction').not.toBeNull();
    const { body } = await t.gql(`{ models(first: 50) { nodes { id checkpoints(first: 100) { totalCount } } } }`);
    const pythia = (body.data.models.nodes as { id: string; checkpoints: { totalCount: number } }[]).filter((n) => n.id.startsWith('pythia-'));
    const tasks = await t.gql(`query($m: [ID!]) { tasks(models: $m) { task } }`, { m: pythia.map((p) => p.id) });
    expect(tasks.body.errors).toBeUndefined();
    expect([pythia.length, ...new Set(pythia.map((p) => p.checkpoints.totalCount)), tasks.body.data.tasks.length]).toEqual(m!.slice(1).map(Number));
  });

  it('charges what the README says its example requests cost (Limits and cost)', async () => {
    // The prices are prose, so the request each one describes is written out here; the figures are read from the README.
    const prose = readFileSync(join(PACKAGE_ROOT, 'README.md'), 'utf8').replace(/\s+/g, ' ');
    const m = /`detectPhases` of one task signal with `options: \{bootstrap: 10000, minSize: 2\}` costs ([\d,]+) .*? 200 replicates ([\d,]+); `compareModels` of 7 models selecting `series \{ points \{ x value \} \}` on a 10,000-point grid costs ([\d,]+) \(refused\), on 200 points ([\d,]+); one `taskScoreAggregate` of `mmlu` accuracy grouped by model and step, selecting `\{ modelId step mean \}`, ([\d,]+),/.exec(prose);
    expect(m, 'the README paragraph of example prices').not.toBeNull();
    const claimed = m!.slice(1).map((n) => Number(n.replaceAll(',', '')));
    const pythia = JSON.stringify(['pythia-70m', 'pythia-70m-deduped', 'pythia-160m', 'pythia-160m-deduped', 'pythia-410m', 'pythia-410m-deduped', 'pythia-1b-deduped']);
    const phases = (b: number) => `{ detectPhases(model: "pythia-410m", signals: [{ kind: TASK, task: "lambada_openai" }], options: { bootstrap: ${b}, minSize: 2 }) { k } }`;
    const grid = (p: number) => `{ compareModels(models: ${pythia}, task: "lambada_openai", alignBy: TOKENS, grid: { points: ${p} }) { series { points { x value } } } }`;
    const requests = [phases(10000), phases(200), grid(10000), grid(200), '{ taskScoreAggregate(where: { metric: "acc", tasks: ["mmlu"] }, groupBy: [MODEL, STEP]) { modelId step mean } }'];
    // A server whose ceiling refuses everything answers each request with its price.
    const priced = await startTestServer({ db: t.wh.path, limits: { maxCost: 1 } });
    try {
      // Refused on a lower bound until the server has read its table sizes: one cheap request first.
      await priced.gql('{ __typename }');
      const prices = [];
      for (const q of requests) {
        const { body } = await priced.gql(q);
        prices.push(body.errors?.[0]?.extensions?.cost);
      }
      expect(prices).toEqual(claimed);
    } finally {
      await priced.close();
    }
  });

  it('answers every GraphQL example of the README and docs/ that is not illustrative, without errors, as its output block shows', async () => {
    // Illustrative ones (marked, or with a placeholder such as "job_…") and mutations are checked
    // against the schema in test/api/schemaFile.test.ts.
    const demo = docQueries().filter((q) => q.runnable);
    expect(demo.length).toBeGreaterThan(5);
    expect(demo.filter((q) => q.output).length).toBeGreaterThan(4);
    const differences: string[] = [];
    for (const { where, text, output } of demo) {
      const { status, body } = await t.gql(text);
      // An example whose output block shows an error (a refused request) is compared with it; any other answers without errors.
      if (output) differences.push(...outputMismatches(parseOutputPattern(output.text), body).map((m) => `${output.where}: ${m}`));
      else expect([where, text, status, body.errors]).toEqual([where, text, 200, undefined]);
    }
    expect(differences).toEqual([]);
  });
});

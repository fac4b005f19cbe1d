import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectPhases } from '../../compute/phases/detectPhases.js';
import { createNormal, createRng } from '../../compute/random.js';
import { DEFAULT_ENCODING_HASH } from '../../services/encoding.js';
import { writeEncodingCells } from '../../warehouse/brainScoresRepo.js';
import { importEvalDocuments } from '../../services/importEvals.js';
import { readPythiaFiles } from '../helpers/pythiaFiles.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const RESULT = `k kSelectedBy signals bicByK { k bic cost } breakpoints { step tokens x ci { level lowStep highStep lowX highX } }
  segments { index label startStep endStep startX endX nPoints slopes { signal role slope stderr direction } }
  excluded { step reason } triplePattern { present confidence }`;

describe('phase detection through the API', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it('equals compute/phases run on the Pythia JSON values read independently', async () => {
    const { body } = await t.gql(`{ detectPhases(model: "pythia-160m", signals: [{ kind: TASK, task: "lambada_openai" }, { kind: TASK, task: "arc_easy" }],
      options: { bootstrap: 50, seed: 3 }) { ${RESULT} } }`);
    expect(body.errors).toBeUndefined();
    const files = readPythiaFiles().filter((f) => f.modelId === 'pythia-160m').sort((a, b) => a.step - b.step);
    const expected = detectPhases({
      points: files.map((f) => ({ step: f.step, tokens: f.step * 2_097_152, fraction: f.step / 143_000 })),
      signals: [
        { name: 'task:lambada_openai/acc', role: 'TASK', values: Float64Array.from(files, (f) => f.results.lambada_openai.acc) },
        { name: 'task:arc_easy/acc', role: 'TASK', values: Float64Array.from(files, (f) => f.results.arc_easy.acc) },
      ],
      options: { bootstrap: 50, seed: 3 },
    });
    const got = body.data.detectPhases;
    expect(got.k).toBe(expected.k);
    expect(got.breakpoints.map((b: { step: number }) => b.step)).toEqual(expected.breakpoints.map((b) => b.step));
    expect(got.breakpoints.map((b: { ci: { lowStep: number } }) => b.ci.lowStep)).toEqual(expected.breakpoints.map((b) => b.ci!.lowStep));
    expect(got.segments.map((s: { label: string }) => s.label)).toEqual(expected.segments.map((s) => s.label));
    expect(got.bicByK).toEqual(expected.bicByK.map((b) => ({ ...b })));
    expect(got.excluded).toEqual([{ step: 0, reason: 'tokens 0 has no log10 (axis LOG_TOKENS)' }]);
    expect(got.triplePattern.present).toBe(false);
  });

  it('serves Model.phases and caches results until the data changes', async () => {
    const q = `{ model(id: "pythia-70m") { phases(signals: [{ kind: TASK, task: "sciq" }], options: { bootstrap: 20 }) { k breakpoints { step } } } }`;
    const first = await t.gql(q);
    const statements = t.wh.statementCount;
    const second = await t.gql(q);
    expect(second.body).toEqual(first.body);
    expect(t.wh.statementCount).toBe(statements); // served from the phase cache

    // New data for the same model invalidates it: a sudden jump planted at the last checkpoint.
    await importEvalDocuments(t.wh, [{ fileName: 'x_step143000.json', content: { results: { sciq: { acc: 0.001 } }, config: { model_args: 'pretrained=EleutherAI/pythia-70m' } } }]);
    const third = await t.gql(q);
    expect(t.wh.statementCount).toBeGreaterThan(statements);
    expect(third.body.errors).toBeUndefined();
  });

  it('labels a planted rise → dip → rise brain curve with a flat-then-rising task as the three phases', async () => {
    // A model with 40 checkpoints whose brain scores and a task follow the seed paper's story.
    const steps = Array.from({ length: 40 }, (_, i) => Math.round(10 ** (1 + (i * 4) / 39)));
    await t.gql(`mutation { registerModel(input: { id: "story-lm", tokensPerStep: 1000, finalStep: ${steps[39]} }) { id } }`);
    await t.gql(`mutation($c: [CheckpointInput!]!) { registerCheckpoints(model: "story-lm", checkpoints: $c) }`, { c: steps.map((step) => ({ step })) });
    const normal = createNormal(createRng(7));
    const brain = steps.map((_, i) => (i < 14 ? 0.05 + 0.01 * i : i < 26 ? 0.18 - 0.01 * (i - 13) : 0.05 + 0.012 * (i - 25)) + 0.002 * normal());
    const task = steps.map((_, i) => (i < 26 ? 0.25 : 0.25 + 0.02 * (i - 25)) + 0.002 * normal());
    // The dataset the summaries belong to (a brain signal names a dataset that exists), then
    // summaries only (no voxel rows): what the phase detector reads.
    await t.wh.write(async (tx) => {
      await tx.run("INSERT INTO datasets (dataset_id, tr_seconds) VALUES ('sim', 2)");
      await tx.run("INSERT INTO subjects (dataset_id, subject_id, n_voxels) VALUES ('sim', 's1', 100), ('sim', 's2', 100)");
    });
    const none = new Float32Array(0);
    await t.wh.write((tx) => writeEncodingCells(tx, 'run-test', steps.flatMap((step, i) => ['s1', 's2'].map((subjectId) => ({
      cell: { modelId: 'story-lm', step, layer: 3, datasetId: 'sim', subjectId, paramsHash: DEFAULT_ENCODING_HASH }, r: none, alpha: none,
      summaries: [{ roi: 'all', meanR: brain[i], medianR: brain[i], topMeanR: brain[i], nVoxels: 100, nSignificant: 10 }],
    })))));
    await importEvalDocuments(t.wh, steps.map((step, i) => ({ fileName: `story_step${step}.json`, content: { results: { story_task: { acc: task[i] } } } })), { model: 'story-lm' });

    const { body } = await t.gql(`{ detectPhases(model: "story-lm", signals: [{ kind: BRAIN, dataset: "sim" }, { kind: TASK, task: "story_task" }], options: { seed: 1 }) {
      k signals segments { label startStep endStep } breakpoints { step ci { lowStep highStep } } triplePattern { present confidence } } }`);
    expect(body.errors).toBeUndefined();
    const r = body.data.detectPhases;
    expect(r.signals).toEqual(['brain:sim/all/best', 'task:story_task/acc']);
    expect(r.segments.map((s: { label: string }) => s.label)).toEqual(['ALIGNMENT', 'DETACHMENT', 'REALIGNMENT']);
    expect(r.breakpoints.map((b: { step: number }) => steps.indexOf(b.step))).toEqual([expect.closeTo(13, 1), expect.closeTo(25, 1)]);
    expect(r.triplePattern.present).toBe(true);
    expect(r.triplePattern.confidence).toBeGreaterThan(0.5);
  });

  it('compares phases across models on a common axis', async () => {
    const { body } = await t.gql(`{ comparePhases(models: ["pythia-410m", "pythia-410m-deduped"], signals: [{ kind: TASK, task: "lambada_openai" }], alignBy: STEP, options: { k: 2, bootstrap: 0 }) {
      alignBy models { modelId boundaries phases { k breakpoints { step } } } boundaryDifferences { modelA modelB differences log10Ratios reason } correlations { signal modelA modelB r n } } }`);
    expect(body.errors).toBeUndefined();
    const c = body.data.comparePhases;
    expect(c.models.map((m: { phases: { k: number } }) => m.phases.k)).toEqual([2, 2]);
    for (const m of c.models) expect(m.boundaries).toEqual(m.phases.breakpoints.map((b: { step: number }) => b.step));
    const [a, b] = c.models;
    expect(c.boundaryDifferences).toEqual([
      {
        modelA: 'pythia-410m',
        modelB: 'pythia-410m-deduped',
        differences: b.boundaries.map((v: number, i: number) => v - a.boundaries[i]),
        log10Ratios: b.boundaries.map((v: number, i: number) => Math.log10(v / a.boundaries[i])),
        reason: null,
      },
    ]);
    expect(c.correlations).toHaveLength(1);
    expect(c.correlations[0]).toMatchObject({ signal: 'task:lambada_openai/acc', n: 27 });
    expect(c.correlations[0].r).toBeGreaterThan(0.9);
  });

  it('reports bad signals and missing data with codes', async () => {
    const missing = await t.gql(`{ detectPhases(model: "pythia-70m", signals: [{ kind: TASK }, { kind: BRAIN }]) { k } }`);
    expect(missing.body.errors?.[0]).toMatchObject({
      message: 'invalid signals: signals[0] (TASK) needs task; signals[1] (BRAIN) needs dataset',
      extensions: { code: 'BAD_USER_INPUT' },
    });
    const noBrain = await t.gql(`{ detectPhases(model: "pythia-70m", signals: [{ kind: BRAIN, dataset: "lebel2023" }]) { k } }`);
    expect(noBrain.body.errors?.[0]).toMatchObject({ message: expect.stringMatching(/^dataset 'lebel2023' does not exist/), extensions: { code: 'NOT_FOUND' } });
    const unknown = await t.gql(`{ detectPhases(model: "nope", signals: [{ kind: TASK, task: "piqa" }]) { k } }`);
    expect(unknown.body.errors?.[0].extensions.code).toBe('NOT_FOUND');
    const badOptions = await t.gql(`{ detectPhases(model: "pythia-70m", signals: [{ kind: TASK, task: "piqa" }], options: { minSize: 1, ciLevel: 2 }) { k } }`);
    expect(badOptions.body.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
  });
});

import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWith, pythonRequirement } from '../helpers/requirements.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { tempDir } from '../helpers/tmp.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/lm-eval');
const QWEN_DIR = join(FIXTURES, 'v0.4/Qwen__Qwen2.5-1.5B');
const QWEN_FILE = join(QWEN_DIR, readdirSync(QWEN_DIR)[0]);
const MMLU_SUBJECTS = 57;

const pythia = (size: string, step: number) => JSON.parse(readFileSync(join(FIXTURES, `v0.3/pythia-${size}/${size}_step${step}.json`), 'utf8'));

/** Python's json module writes NaN as the harness does: Debian's python3. */
const PYTHON = '/usr/bin/python3';

describeWith(pythonRequirement(PYTHON, 'json'), 'eval provenance, groups as files define them, and duplicate evals through the API', () => {
  let t: TestServer;
  const tmp = tempDir();
  beforeAll(async () => {
    t = await startTestServer({ withPythia: false, importRoots: [FIXTURES, tmp.dir] });
    const imp = (path: string, extra = '') => t.gql(`mutation($p: String!) { importEvals(input: { path: $p${extra} }) { models nullValues } }`, { p: path });
    expect((await imp(join(FIXTURES, 'v0.3'))).body.errors).toBeUndefined();
    expect((await imp(QWEN_DIR, ', step: 1')).body.errors).toBeUndefined();
    // The same Qwen file without its own mmlu row, as a file whose harness wrote no group score would be;
    // with a NaN that Python's json writes (as the harness does).
    const dir = join(tmp.dir, 'no-group');
    mkdirSync(dir);
    execFileSync(PYTHON, ['-c', `
import json, sys
d = json.load(open(sys.argv[1]))
for section in ("results", "groups", "group_subtasks"):
    d[section].pop("mmlu", None)
d["model_name"] = "lab/qwen-without-group"
d["results"]["cola"]["mcc,none"] = float("nan")
json.dump(d, open(sys.argv[2], "w"))
`, QWEN_FILE, join(dir, 'results_step7.json')]);
    expect((await imp(dir)).body).toEqual({ data: { importEvals: { models: ['qwen-without-group'], nullValues: 1 } } });
  });
  afterAll(async () => {
    await t.close();
    tmp.cleanup();
  });

  const score = async (model: string, step: number, task: string, fields = 'value source nTasks groupSubtasks nullReason', metric = 'acc') => {
    const { body } = await t.gql(`{ model(id: "${model}") { checkpoints(first: 1, stepRange: { from: ${step}, to: ${step} }) { nodes { taskScore(task: "${task}", metric: "${metric}") { ${fields} } } } } }`);
    expect(body.errors).toBeUndefined();
    return body.data.model.checkpoints.nodes[0].taskScore;
  };

  it('returns a group score the file holds as that file\'s value (FILE), with its group_subtasks and leaf count', async () => {
    const doc = JSON.parse(readFileSync(QWEN_FILE, 'utf8'));
    expect(await score('Qwen2.5-1.5B', 1, 'mmlu')).toEqual({
      value: doc.results.mmlu['acc,none'], source: 'FILE', nTasks: MMLU_SUBJECTS, groupSubtasks: doc.group_subtasks.mmlu, nullReason: null,
    });
    expect(await score('Qwen2.5-1.5B', 1, 'mmlu_stem', 'value source nTasks')).toEqual({ value: doc.results.mmlu_stem['acc,none'], source: 'FILE', nTasks: 19 });
  });

  it('computes a group only where no file holds it: the mean of exactly its 57 leaf subjects, never the category rows', async () => {
    const doc = JSON.parse(readFileSync(QWEN_FILE, 'utf8'));
    const leaves = Object.keys(doc.results).filter((t) => t.startsWith('mmlu_') && !['mmlu_humanities', 'mmlu_other', 'mmlu_social_sciences', 'mmlu_stem'].includes(t)).sort();
    expect(leaves).toHaveLength(MMLU_SUBJECTS);
    let sum = 0;
    for (const t of leaves) sum += doc.results[t]['acc,none'];
    const got = await score('qwen-without-group', 7, 'mmlu');
    expect(got).toEqual({ value: expect.any(Number), source: 'COMPUTED', nTasks: MMLU_SUBJECTS, groupSubtasks: leaves, nullReason: null });
    expect(got.value).toBeCloseTo(sum / MMLU_SUBJECTS, 14);
    expect(got.value).not.toBe(doc.results.mmlu['acc,none']);

    // v0.3 files (hendrycksTest-*) have no group rows at all.
    const p = pythia('2.8b', 1000);
    const subjects = Object.keys(p.results).filter((t) => t.startsWith('hendrycksTest-'));
    const v3 = await score('pythia-2.8b', 1000, 'mmlu', 'value source nTasks');
    expect(v3).toMatchObject({ source: 'COMPUTED', nTasks: MMLU_SUBJECTS });
    expect(v3.value).toBeCloseTo(subjects.reduce((s, t) => s + p.results[t].acc, 0) / MMLU_SUBJECTS, 14);
  });

  it('says why a value is null (NaN in the file), and leaves it out of aggregates', async () => {
    expect(await score('qwen-without-group', 7, 'cola', 'value source nullReason', 'mcc')).toEqual({ value: null, source: 'FILE', nullReason: 'the file holds NaN for results.cola.mcc,none' });
    const { body } = await t.gql(`{ cola: model(id: "qwen-without-group") { taskTrajectory(task: "cola", metric: "mcc") { step value nullReason } }
      agg: taskScoreAggregate(where: { metric: "mcc", tasks: ["cola"] }, groupBy: [MODEL]) { modelId count } }`);
    expect(body.data.cola.taskTrajectory).toEqual([{ step: 7, value: null, nullReason: 'the file holds NaN for results.cola.mcc,none' }]);
    expect(body.data.agg).toEqual([{ modelId: 'Qwen2.5-1.5B', count: 1 }]);
  });

  it('traces every score to its file: provenance on TaskScore, files on Checkpoint', async () => {
    const doc = JSON.parse(readFileSync(QWEN_FILE, 'utf8'));
    const sha = execFileSync('sha256sum', [QWEN_FILE], { encoding: 'utf8' }).split(' ')[0];
    const got = await score('Qwen2.5-1.5B', 1, 'arc_easy', `provenance { sha256 file format modelName revision harnessVersion gitHash evaluatedAt backend modelArgs dtype batchSize limit
      tasks(names: ["arc_easy", "mmlu"]) { task version nShot filters samples samplesOriginal subtasks } }`);
    expect(got.provenance).toEqual({
      sha256: sha, file: readdirSync(QWEN_DIR)[0], format: 'v0.4', modelName: 'Qwen/Qwen2.5-1.5B', revision: 'main', harnessVersion: null,
      gitHash: doc.git_hash, evaluatedAt: new Date(doc.date * 1000).toISOString(), backend: 'hf', modelArgs: doc.config.model_args,
      dtype: 'torch.bfloat16', batchSize: String(doc.config.batch_size), limit: null,
      tasks: [
        { task: 'arc_easy', version: String(doc.versions.arc_easy), nShot: doc['n-shot'].arc_easy, filters: ['none'], samples: doc['n-samples'].arc_easy.effective, samplesOriginal: doc['n-samples'].arc_easy.original, subtasks: null },
        { task: 'mmlu', version: String(doc.versions.mmlu), nShot: doc['n-shot'].mmlu ?? null, filters: ['none'], samples: null, samplesOriginal: null, subtasks: doc.group_subtasks.mmlu },
      ],
    });
    expect((await score('qwen-without-group', 7, 'mmlu', 'provenance { file }')).provenance).toBeNull();
    const { body } = await t.gql(`{ model(id: "pythia-2.8b") { checkpoints(first: 5) { nodes { step evalSources { file format backend modelArgs tasks(names: ["piqa"]) { nShot version } } } } } }`);
    expect(body.data.model.checkpoints.nodes.map((n: any) => [n.step, n.evalSources])).toEqual([1000, 3000].map((step) => [step, [{
      file: `pythia-2.8b/2.8b_step${step}.json`, format: 'v0.3', backend: 'hf-causal', modelArgs: pythia('2.8b', step).config.model_args,
      tasks: [{ nShot: 0, version: String(pythia('2.8b', step).versions.piqa) }],
    }]]));
  });

  it('flags pythia-2.8b and -deduped at step 1000 (87 bit-identical tasks) and lists the partial overlap at step 3000', async () => {
    const { body } = await t.gql(`{ a: model(id: "pythia-2.8b") { checkpoints(first: 5) { nodes { step evalDuplicateOf { modelId step } } } }
      b: model(id: "pythia-2.8b-deduped") { checkpoints(first: 5) { nodes { step evalDuplicateOf { modelId step } } } }
      full: evalDuplicates(models: ["pythia-2.8b"]) { a { modelId step } b { modelId step } compared identical share }
      partial: evalDuplicates(models: ["pythia-2.8b"], minShare: 0.3) { a { modelId step } b { modelId step } compared identical share } }`);
    expect(body.errors).toBeUndefined();
    expect(body.data.a.checkpoints.nodes).toEqual([{ step: 1000, evalDuplicateOf: { modelId: 'pythia-2.8b-deduped', step: 1000 } }, { step: 3000, evalDuplicateOf: null }]);
    expect(body.data.b.checkpoints.nodes).toEqual([{ step: 1000, evalDuplicateOf: { modelId: 'pythia-2.8b', step: 1000 } }, { step: 3000, evalDuplicateOf: null }]);
    const cells = (doc: any) => Object.entries<Record<string, number>>(doc.results).flatMap(([task, m]) => Object.keys(m).filter((k) => !k.endsWith('_stderr')).map((k) => [task, k, m[k], m[`${k}_stderr`]]));
    const at1000 = cells(pythia('2.8b', 1000));
    expect(body.data.full).toEqual([{ a: { modelId: 'pythia-2.8b', step: 1000 }, b: { modelId: 'pythia-2.8b-deduped', step: 1000 }, compared: at1000.length, identical: at1000.length, share: 1 }]);
    // Counted independently from the two files: cells with the same value and stderr.
    const plain = cells(pythia('2.8b', 3000));
    const deduped = new Map(cells(pythia('2.8b-deduped', 3000)).map(([t, k, v, e]) => [`${t}|${k}`, [v, e]]));
    const identical = plain.filter(([t, k, v, e]) => deduped.get(`${t}|${k}`)?.[0] === v && deduped.get(`${t}|${k}`)?.[1] === e).length;
    expect(identical).toBeGreaterThan(0.3 * plain.length);
    expect(body.data.partial).toEqual([
      body.data.full[0],
      { a: { modelId: 'pythia-2.8b', step: 3000 }, b: { modelId: 'pythia-2.8b-deduped', step: 3000 }, compared: plain.length, identical, share: identical / plain.length },
    ]);
  });

  it('attaches Pythia facts to any id registered with family pythia', async () => {
    const { body } = await t.gql(`mutation { registerModel(input: { id: "Qwen2.5-1.5B", family: "pythia" }) { id family tokensPerStep finalStep params }
      sized: registerModel(input: { id: "lab-pythia-410m-rerun", family: "pythia" }) { tokensPerStep finalStep params nLayers hiddenSize } }`);
    expect(body.data.registerModel).toEqual({ id: 'Qwen2.5-1.5B', family: 'pythia', tokensPerStep: 2_097_152, finalStep: 143_000, params: null });
    expect(body.data.sized).toEqual({ tokensPerStep: 2_097_152, finalStep: 143_000, params: 405_334_016, nLayers: 24, hiddenSize: 1024 });
    // Undo, so the model has no tokens again for the next test.
    await t.wh.write((tx) => tx.run("UPDATE models SET tokens_per_step = NULL, final_step = NULL, family = 'unknown' WHERE model_id = 'Qwen2.5-1.5B'"));
    await t.wh.write((tx) => tx.run("UPDATE checkpoints SET tokens = NULL WHERE model_id = 'Qwen2.5-1.5B'"));
  });

  it('says a model has no tokens per step, and how to register them, where phases or comparisons need tokens', async () => {
    const { body } = await t.gql(`{ c: compareModels(models: ["Qwen2.5-1.5B"], task: "arc_easy", alignBy: TOKENS) { task } }`);
    expect(body.errors?.[0]).toMatchObject({
      message: expect.stringContaining("model 'Qwen2.5-1.5B' has no tokens per step, so its checkpoints have no token counts to place on TOKENS: register them with `cortexql register model Qwen2.5-1.5B --tokens-per-step N`"),
      extensions: { code: 'BAD_USER_INPUT', model: 'Qwen2.5-1.5B', axis: 'TOKENS', missing: 'tokensPerStep' },
    });
    const phases = await t.gql(`{ detectPhases(model: "Qwen2.5-1.5B", signals: [{ kind: TASK, task: "arc_easy" }]) { k } }`);
    expect(phases.body.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', axis: 'LOG_TOKENS', missing: 'tokensPerStep' } });
    const fraction = await t.gql(`{ compareModels(models: ["Qwen2.5-1.5B"], task: "arc_easy", alignBy: FRACTION) { task } }`);
    expect(fraction.body.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', missing: 'finalStep' } });
    const step = await t.gql(`{ compareModels(models: ["Qwen2.5-1.5B"], task: "arc_easy", alignBy: STEP) { series { points { x value } } } }`);
    expect(step.body.errors).toBeUndefined();
  });

  it('exports each file\'s provenance in a bundle, and another warehouse answers the same provenance after importing it', async () => {
    const b = await startTestServer({ withPythia: false, importRoots: [tmp.dir] });
    try {
      const { body } = await t.gql(`mutation { exportBundle(where: { models: ["Qwen2.5-1.5B"] }) { id files { table rows } } }`);
      expect(body.errors).toBeUndefined();
      expect(body.data.exportBundle.files).toContainEqual({ table: 'eval_sources', rows: 1 });
      // Server-side paths lie inside the import roots: the bundle is copied there, as an operator would.
      const folder = join(tmp.dir, 'bundle-copy');
      cpSync(join(t.wh.path, '..', 'exports', body.data.exportBundle.id), folder, { recursive: true });
      expect((await b.gql(`mutation($p: String!) { importBundle(path: $p) { id } }`, { p: folder })).body.errors).toBeUndefined();
      const q = `{ model(id: "Qwen2.5-1.5B") { checkpoints(first: 1) { nodes { taskScore(task: "mmlu") { value source nTasks groupSubtasks
        provenance { sha256 file modelArgs tasks(names: ["mmlu"]) { nShot subtasks } } } } } } }`;
      expect((await b.gql(q)).body).toEqual((await t.gql(q)).body);
    } finally {
      await b.close();
    }
  });
});

import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CortexError } from '../../errors/CortexError.js';
import { importEvalDocuments, importEvalsFromPath } from '../../services/importEvals.js';
import { evalDuplicateOf, evalDuplicatePairs } from '../../warehouse/evalDuplicatesRepo.js';
import { Warehouse } from '../../warehouse/Warehouse.js';
import { PYTHIA_EVALS, readPythiaFiles } from '../helpers/pythiaFiles.js';
import { tempDir } from '../helpers/tmp.js';

type Stored = { model_id: string; step: number; task: string; metric: string; value: number; stderr: number | null };

async function allScores(wh: Warehouse): Promise<Stored[]> {
  return wh.all<Stored>('SELECT model_id, step, task, metric, value, stderr FROM task_scores ORDER BY ALL');
}

describe('importing lm-evaluation-harness results', () => {
  let wh: Warehouse;
  const tmp = tempDir();
  beforeAll(async () => {
    wh = await Warehouse.create({ path: join(tmp.dir, 'import.duckdb') });
  });
  afterAll(async () => {
    await wh.close();
    tmp.cleanup();
  });

  it('stores every metric of every shipped Pythia file with its exact value and stderr', async () => {
    const report = await importEvalsFromPath(wh, PYTHIA_EVALS);
    const files = readPythiaFiles();
    expect(report.files).toBe(189);
    expect(report.models).toEqual([
      'pythia-160m', 'pythia-160m-deduped', 'pythia-1b-deduped', 'pythia-410m',
      'pythia-410m-deduped', 'pythia-70m', 'pythia-70m-deduped',
    ]);
    const stored = new Map((await allScores(wh)).map((r) => [`${r.model_id}|${r.step}|${r.task}|${r.metric}`, r]));
    let expected = 0;
    for (const f of files) {
      for (const [task, metrics] of Object.entries(f.results)) {
        for (const [metric, value] of Object.entries(metrics)) {
          if (metric.endsWith('_stderr')) continue;
          expected++;
          const row = stored.get(`${f.modelId}|${f.step}|${task}|${metric}`);
          expect(row, `${f.modelId} step ${f.step} ${task} ${metric}`).toBeDefined();
          expect(row!.value).toBe(value);
          expect(row!.stderr).toBe(metrics[`${metric}_stderr`] ?? null);
        }
      }
    }
    expect(stored.size).toBe(expected);
    expect(report.scores).toBe(expected);
  });

  it('derives tokens and fraction of training for every checkpoint from the Pythia catalog', async () => {
    const rows = await wh.all<{ step: number; tokens: number }>("SELECT step, tokens FROM checkpoints WHERE model_id = 'pythia-410m' ORDER BY step");
    expect(rows).toHaveLength(27);
    for (const r of rows) expect(r.tokens).toBe(r.step * 2_097_152);
    expect(await wh.all("SELECT tokens_per_step, final_step FROM models WHERE model_id = 'pythia-410m'")).toEqual([
      { tokens_per_step: 2_097_152, final_step: 143_000 },
    ]);
  });

  it('flags the shipped checkpoints whose evals are bit-identical: step 1 = step 0 (zero learning rate at step 1), plain = deduped there', async () => {
    const keys = ['pythia-70m', 'pythia-70m-deduped', 'pythia-1b-deduped'].flatMap((modelId) => [0, 1, 2].map((step) => ({ modelId, step })));
    const found = (await evalDuplicateOf(wh, keys)).map((r) => [`${r.modelId}@${r.step}`, `${r.duplicateOf.modelId}@${r.duplicateOf.step}`]);
    expect(found.sort()).toEqual([
      ['pythia-1b-deduped@0', 'pythia-1b-deduped@1'], ['pythia-1b-deduped@1', 'pythia-1b-deduped@0'],
      ['pythia-70m-deduped@0', 'pythia-70m-deduped@1'], ['pythia-70m-deduped@1', 'pythia-70m-deduped@0'],
      ['pythia-70m@0', 'pythia-70m@1'], ['pythia-70m@1', 'pythia-70m@0'],
    ]);
    const pairs = await evalDuplicatePairs(wh, ['pythia-70m'], 1, 100);
    // Pairs with at least one checkpoint of the models asked about (deduped 0 = deduped 1 is not one).
    expect(pairs.map((p) => `${p.a.modelId}@${p.a.step}=${p.b.modelId}@${p.b.step}`).sort()).toEqual([
      'pythia-70m@0=pythia-70m-deduped@0', 'pythia-70m@0=pythia-70m-deduped@1', 'pythia-70m@0=pythia-70m@1',
      'pythia-70m@1=pythia-70m-deduped@0', 'pythia-70m@1=pythia-70m-deduped@1',
    ]);
  });

  it('is idempotent: importing the same files again replaces, never duplicates', async () => {
    const before = await allScores(wh);
    await importEvalsFromPath(wh, join(PYTHIA_EVALS, 'pythia-70m'));
    expect(await allScores(wh)).toEqual(before);
  });

  it('writes nothing when one file of a call is corrupt, and names the file and field', async () => {
    const before = await allScores(wh);
    const dir = join(tmp.dir, 'corrupt');
    mkdirSync(dir);
    cpSync(join(PYTHIA_EVALS, 'pythia-160m'), join(dir, 'pythia-160m'), { recursive: true });
    const good = JSON.parse(JSON.stringify({ results: { piqa: { acc: 0.9, acc_stderr: 0.01 } }, config: { model_args: 'pretrained=EleutherAI/pythia-160m,revision=step1000' } }));
    writeFileSync(join(dir, 'new_step1000.json'), JSON.stringify(good));
    writeFileSync(join(dir, 'broken.json'), '{"results": {"piqa": {"acc": 0.5,');
    writeFileSync(join(dir, 'bad-field_step5.json'), JSON.stringify({ results: { piqa: { acc: 0.5, acc_stderr: -1 } }, config: { model_args: 'pretrained=x/y' } }));
    const error = await importEvalsFromPath(wh, dir).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(CortexError);
    const { code, details } = (error as CortexError<'IMPORT_FAILED'>).toJSON();
    expect(code).toBe('IMPORT_FAILED');
    expect(details.problems).toEqual([
      { where: 'bad-field_step5.json: results.piqa.acc_stderr', message: 'stderr must be >= 0 (-1)' },
      { where: 'broken.json', message: 'not valid JSON (it ends too early: truncated?)' },
    ]);
    expect(await allScores(wh)).toEqual(before);
  });

  it('reads the v0.4 format: "metric,filter" keys, groups, N/A stderr, model_name', async () => {
    const doc = {
      results: {
        arc_easy: { alias: 'arc_easy', 'acc,none': 0.61, 'acc_stderr,none': 0.01, 'acc_norm,none': 0.55, 'acc_norm_stderr,none': 0.012 },
        gsm8k: { alias: 'gsm8k', 'exact_match,strict-match': 0.02, 'exact_match_stderr,strict-match': 'N/A' },
      },
      groups: { mmlu: { alias: 'mmlu', 'acc,none': 0.26, 'acc_stderr,none': 0.004 } },
      config: { model: 'hf', model_args: 'pretrained=my-org/tiny-lm,dtype=float16' },
      model_name: 'my-org/tiny-lm',
    };
    const report = await importEvalDocuments(wh, [{ fileName: 'results_2024-05-01T10-00-00.json', content: doc }], { step: 2000 });
    expect(report).toEqual({ files: 1, scores: 4, models: ['tiny-lm'], checkpoints: 1, nullValues: 0 });
    expect(await wh.all("SELECT task, metric, value, stderr FROM task_scores WHERE model_id = 'tiny-lm' ORDER BY ALL")).toEqual([
      { task: 'arc_easy', metric: 'acc', value: 0.61, stderr: 0.01 },
      { task: 'arc_easy', metric: 'acc_norm', value: 0.55, stderr: 0.012 },
      { task: 'gsm8k', metric: 'exact_match,strict-match', value: 0.02, stderr: null },
      { task: 'mmlu', metric: 'acc', value: 0.26, stderr: 0.004 },
    ]);
  });

  it('infers the step from the file name and lets the caller override model and step', async () => {
    const doc = { results: { piqa: { acc: 0.7123, acc_stderr: 0.01 } }, config: { model_args: 'pretrained=EleutherAI/pythia-70m' } };
    await importEvalDocuments(wh, [{ fileName: 'custom_step777.json', content: doc }]);
    await importEvalDocuments(wh, [{ fileName: 'custom.json', content: doc }], { model: 'my-model', step: 5 });
    expect(await wh.all("SELECT model_id, step FROM task_scores WHERE value = 0.7123 ORDER BY ALL")).toEqual([
      { model_id: 'my-model', step: 5 },
      { model_id: 'pythia-70m', step: 777 },
    ]);
  });

  it('reports a missing step and model clearly, naming the file and what to add', async () => {
    const error = await importEvalDocuments(wh, [{ fileName: 'nothing.json', content: { results: { piqa: { acc: 0.5 } }, config: { model: 'hf' } } }]).then(
      () => null,
      (e: unknown) => (e as CortexError).toJSON(),
    );
    const problems = [
      {
        where: 'nothing.json: model_name',
        message: "names no model: neither model_name nor config.model_args pretrained/model/path is set (config.model \"hf\" is the harness backend, not a model); pass --model",
      },
      { where: 'nothing.json: config.model_args.revision', message: 'no training step: it names no revision, and the file name has no step<N>; pass --step' },
    ];
    expect(error).toEqual({
      code: 'IMPORT_FAILED',
      message: `import failed, nothing was written: ${problems.map((p) => `${p.where}: ${p.message}`).join('; ')}`,
      details: { problemCount: 2, problems },
    });
  });
});

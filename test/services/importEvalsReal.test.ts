import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CortexError } from '../../errors/CortexError.js';
import { importEvalsFromPath } from '../../services/importEvals.js';
import { Warehouse } from '../../warehouse/Warehouse.js';
import { warehouseFingerprint } from '../helpers/fingerprint.js';
import { itWith, pythonRequirement } from '../helpers/requirements.js';
import { tempDir } from '../helpers/tmp.js';

/** Python's own json module writes the literals, as the harness does: Debian's python3. */
const PYTHON = '/usr/bin/python3';
const PYTHON_JSON = pythonRequirement(PYTHON, 'json');

/** Real results files from other people's runs (test/fixtures/lm-eval/SOURCE.md). */
const FIXTURES = join(import.meta.dirname, '../fixtures/lm-eval');

type Stored = { model_id: string; step: number; task: string; metric: string; value: number | null; stderr: number | null; null_reason: string | null };

function jsonFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.json')).map((f) => join(dir, f)).sort();
}

/**
 * Every metric of a results file as an independent reader sees it: v0.4 "metric,filter" keys
 * (metric "acc" for filter "none") of `results` and `groups`, v0.3 plain keys, never stderr,
 * alias or sample counts — with the file's stderr where it is a number.
 */
function expectedCells(doc: any): Map<string, { value: number; stderr: number | null }> {
  const out = new Map<string, { value: number; stderr: number | null }>();
  for (const section of [doc.results, doc.groups ?? {}]) {
    for (const [task, metrics] of Object.entries<Record<string, unknown>>(section)) {
      for (const [key, value] of Object.entries(metrics)) {
        if (typeof value !== 'number' || ['alias', 'samples', 'sample_len'].includes(key)) continue;
        const [metric, filter] = key.split(',');
        if (metric.endsWith('_stderr') || (key.includes(',') === false && Object.keys(metrics).some((k) => k.includes(',')))) continue;
        const stderr = metrics[filter === undefined ? `${metric}_stderr` : `${metric}_stderr,${filter}`];
        out.set(`${task}|${filter === undefined || filter === 'none' ? metric : key}`, { value, stderr: typeof stderr === 'number' ? stderr : null });
      }
    }
  }
  return out;
}

async function failure(p: Promise<unknown>): Promise<ReturnType<CortexError['toJSON']>> {
  const e = await p.then(() => null, (error: unknown) => error);
  expect(e).toBeInstanceOf(CortexError);
  return (e as CortexError).toJSON();
}

describe('real lm-evaluation-harness files from several labs go in exactly, or are refused naming the file and what to add', () => {
  let wh: Warehouse;
  const tmp = tempDir();
  beforeAll(async () => {
    wh = await Warehouse.create({ path: join(tmp.dir, 'real.duckdb') });
  });
  afterAll(async () => {
    await wh.close();
    tmp.cleanup();
  });

  const scoresOf = (model: string) => wh.all<Stored>('SELECT model_id, step, task, metric, value, stderr, null_reason FROM task_scores WHERE model_id = ? ORDER BY ALL', [model], { cache: false });

  it('refuses the v0.4 folder as a whole, naming each file and that it needs a step (their revision is "main")', async () => {
    const error = await failure(importEvalsFromPath(wh, join(FIXTURES, 'v0.4')));
    expect(error.code).toBe('IMPORT_FAILED');
    const files = jsonFiles(join(FIXTURES, 'v0.4')).map((f) => relative(join(FIXTURES, 'v0.4'), f));
    expect((error.details as { problems: unknown[] }).problems).toEqual(
      files.map((f) => ({ where: `${f}: config.model_args.revision`, message: "no training step: its revision \"main\" names no step, and the file name has no step<N>; pass --step" })),
    );
    expect(await wh.all('SELECT count(*)::INTEGER AS n FROM task_scores', [], { cache: false })).toEqual([{ n: 0 }]);
  });

  it('imports it with a step: five labs\' models each under its own id, every metric exact, nothing that is not a metric', async () => {
    const report = await importEvalsFromPath(wh, join(FIXTURES, 'v0.4'), { step: 1 });
    expect(report.models).toEqual(['Meta-Llama-3-8B-Instruct', 'Qwen2.5-1.5B', 'RWKV7-Goose-0.1B-Pile-HF', 'TinyLlama-1.1B-Chat-v1.0', 'mamba2-130m']);
    expect(report.nullValues).toBe(0);
    let total = 0;
    for (const file of jsonFiles(join(FIXTURES, 'v0.4'))) {
      const doc = JSON.parse(readFileSync(file, 'utf8'));
      const model = String(doc.model_name).split('/')[1];
      const expected = expectedCells(doc);
      const stored = await scoresOf(model);
      expect(stored.map((r) => `${r.task}|${r.metric}`).sort(), file).toEqual([...expected.keys()].sort());
      for (const r of stored) {
        const e = expected.get(`${r.task}|${r.metric}`)!;
        expect([r.step, r.value, r.stderr], `${model} ${r.task} ${r.metric}`).toEqual([1, e.value, e.stderr]);
      }
      total += stored.length;
    }
    expect(report.scores).toBe(total);
    // Bookkeeping keys never become metrics.
    expect(await wh.all("SELECT count(*)::INTEGER AS n FROM task_scores WHERE metric IN ('alias', 'samples', 'sample_len', 'name')")).toEqual([{ n: 0 }]);
  });

  it('keeps three models of a vllm run with dict model_args apart, and refuses its local checkpoint path asking for --model', async () => {
    const dir = join(FIXTURES, 'vllm-dict-args');
    const error = await failure(importEvalsFromPath(wh, dir, { step: 1 }));
    const problems = (error.details as { problems: { where: string; message: string }[] }).problems;
    expect(problems).toEqual([
      { where: 'results_2025-12-17T20-24-58.608862.json: config.model_args.pretrained', message: "is a file-system path, not a model id (another run's path could end the same way); pass --model" },
      { where: 'results_2025-12-17T20-28-43.535870.json: config.model_args.pretrained', message: "is a file-system path, not a model id (another run's path could end the same way); pass --model" },
    ]);
    expect(JSON.stringify(error)).not.toContain('/scratch');

    const hub = join(tmp.dir, 'vllm-hub');
    mkdirSync(hub);
    for (const f of readdirSync(dir).filter((f) => !f.includes('T20-2'))) cpSync(join(dir, f), join(hub, f));
    const report = await importEvalsFromPath(wh, hub, { step: 1 });
    expect(report.models).toEqual(['AutoCFD-7B', 'Qwen3-8B']);
    expect(await wh.all("SELECT count(*)::INTEGER AS n FROM models WHERE model_id = 'vllm'")).toEqual([{ n: 0 }]);
    const local = join(tmp.dir, 'vllm-local');
    mkdirSync(local);
    for (const f of readdirSync(dir).filter((f) => f.includes('T20-2'))) cpSync(join(dir, f), join(local, f));
    expect((await importEvalsFromPath(wh, local, { model: 'nl2foam-sft-0', step: 1 })).models).toEqual(['nl2foam-sft-0']);
    for (const file of jsonFiles(dir)) {
      const doc = JSON.parse(readFileSync(file, 'utf8'));
      const model = file.includes('T20-2') ? 'nl2foam-sft-0' : String(doc.config.model_args.pretrained).split('/')[1];
      for (const [cell, e] of expectedCells(doc)) {
        const [task, metric] = cell.split('|');
        const [row] = await wh.all<Stored>('SELECT value, stderr FROM task_scores WHERE model_id = ? AND task = ? AND metric = ?', [model, task, metric], { cache: false });
        expect([row.value, row.stderr], `${file} ${cell}`).toEqual([e.value, e.stderr]);
      }
    }
  });

  it('refuses two files that give one cell different values (IMPORT_CONFLICT, both files), and writes nothing', async () => {
    const before = await warehouseFingerprint(wh);
    const error = await failure(importEvalsFromPath(wh, join(FIXTURES, 'conflict'), { step: 1 }));
    const [a, b] = jsonFiles(join(FIXTURES, 'conflict')).map((f) => JSON.parse(readFileSync(f, 'utf8')).results.lambada_openai);
    expect(error.code).toBe('IMPORT_CONFLICT');
    // The same acc twice is one cell; the two perplexities are a conflict.
    expect(error.details).toEqual({
      conflictCount: 1,
      conflicts: [{
        modelId: 'rwkv7-168M-pile', step: 1, task: 'lambada_openai', metric: 'perplexity',
        files: ['fla-hub__rwkv7-168M-pile/results_2025-02-25T03-25-17.418442.json', 'fla-hub__rwkv7-168M-pile/results_2025-02-25T03-34-04.874680.json'],
        values: [a['perplexity,none'], b['perplexity,none']], stderrs: [a['perplexity_stderr,none'], b['perplexity_stderr,none']],
      }],
    });
    expect(error.message).toContain('results_2025-02-25T03-25-17.418442.json');
    expect(error.message).toContain('results_2025-02-25T03-34-04.874680.json');
    expect(await warehouseFingerprint(wh)).toEqual(before);
  });

  it('maps Pythia v1.1 names onto the catalog (pythia-v1.1-1b-bf16 is pythia-1b) with tokens per step, values exact', async () => {
    const report = await importEvalsFromPath(wh, join(FIXTURES, 'v0.3'));
    expect(report.models).toEqual(['pythia-1b', 'pythia-2.8b', 'pythia-2.8b-deduped']);
    expect(await wh.all("SELECT step, tokens FROM checkpoints WHERE model_id = 'pythia-1b'", [], { cache: false })).toEqual([{ step: 143000, tokens: 143000 * 2_097_152 }]);
    for (const file of jsonFiles(join(FIXTURES, 'v0.3'))) {
      const doc = JSON.parse(readFileSync(file, 'utf8'));
      const model = file.includes('1b-bf16') ? 'pythia-1b' : file.includes('deduped') ? 'pythia-2.8b-deduped' : 'pythia-2.8b';
      const step = Number(/step(\d+)/.exec(file)![1]);
      const stored = (await scoresOf(model)).filter((r) => r.step === step);
      const expected = expectedCells(doc);
      expect(stored).toHaveLength(expected.size);
      for (const r of stored) expect([r.value, r.stderr]).toEqual([expected.get(`${r.task}|${r.metric}`)!.value, expected.get(`${r.task}|${r.metric}`)!.stderr]);
    }
  });

  it('refuses a GPT-NeoX run naming no model (its model_args is the training config), and takes it under --model', async () => {
    const dir = join(FIXTURES, 'pythia-v0-neox');
    const error = await failure(importEvalsFromPath(wh, dir));
    expect((error.details as { problems: unknown[] }).problems).toEqual([{
      where: 'pythia-70m-0shot-global_step103000_eval_results_11-25-2022-07-44-49.json: model_name',
      message: "names no model: neither model_name nor config.model_args pretrained/model/path is set (config.model \"neox\" is the harness backend, not a model); pass --model",
    }]);
    const report = await importEvalsFromPath(wh, dir, { model: 'pythia-70m-v0' });
    expect(report).toMatchObject({ models: ['pythia-70m-v0'], checkpoints: 1 });
    expect(await wh.all("SELECT family, tokens_per_step FROM models WHERE model_id = 'pythia-70m-v0'", [], { cache: false })).toEqual([{ family: 'pythia', tokens_per_step: 2_097_152 }]);
    expect(await wh.all("SELECT DISTINCT step FROM task_scores WHERE model_id = 'pythia-70m-v0'", [], { cache: false })).toEqual([{ step: 103000 }]);
  });

  itWith(PYTHON_JSON, 'stores NaN and Infinity that Python\'s json writes as null with the reason, keeping the file\'s other metrics', async () => {
    const dir = join(tmp.dir, 'nan');
    mkdirSync(dir);
    // Python's own json module writes the literals, as the harness does (json.dumps(allow_nan=True) is its default).
    const source = jsonFiles(join(FIXTURES, 'v0.4')).find((f) => f.includes('mamba2-130m'))!;
    execFileSync(PYTHON, ['-c', `
import json, sys
d = json.load(open(sys.argv[1]))
d["results"]["cola"]["mcc,none"] = float("nan")
d["results"]["lambada_openai"]["perplexity,none"] = float("inf")
d["results"]["lambada_openai"]["perplexity_stderr,none"] = float("nan")
json.dump(d, open(sys.argv[2], "w"), indent=2)
`, source, join(dir, 'results_nan.json')]);
    expect(readFileSync(join(dir, 'results_nan.json'), 'utf8')).toMatch(/"mcc,none": NaN/);
    const report = await importEvalsFromPath(wh, dir, { model: 'mamba2-130m-nan', step: 1 });
    expect(report.nullValues).toBe(2);
    const stored = await scoresOf('mamba2-130m-nan');
    expect(stored.filter((r) => r.value === null)).toEqual([
      { model_id: 'mamba2-130m-nan', step: 1, task: 'cola', metric: 'mcc', value: null, stderr: expect.any(Number), null_reason: 'the file holds NaN for results.cola.mcc,none' },
      { model_id: 'mamba2-130m-nan', step: 1, task: 'lambada_openai', metric: 'perplexity', value: null, stderr: null, null_reason: 'the file holds Infinity for results.lambada_openai.perplexity,none' },
    ]);
    const original = await scoresOf('mamba2-130m');
    expect(stored.filter((r) => r.value !== null).map((r) => [r.task, r.metric, r.value, r.stderr]))
      .toEqual(original.filter((r) => !(r.task === 'cola' && r.metric === 'mcc') && !(r.task === 'lambada_openai' && r.metric === 'perplexity')).map((r) => [r.task, r.metric, r.value, r.stderr]));
  });

  it('records each file\'s provenance under its sha256', async () => {
    const file = jsonFiles(join(FIXTURES, 'v0.4')).find((f) => f.includes('Qwen'))!;
    const sha = execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0];
    const [row] = await wh.all<Record<string, unknown>>('SELECT * FROM eval_sources WHERE sha256 = ?', [sha], { cache: false });
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    expect(row).toMatchObject({
      file: relative(join(FIXTURES, 'v0.4'), file), format: 'v0.4', model_name: 'Qwen/Qwen2.5-1.5B', revision: 'main', git_hash: doc.git_hash,
      evaluated_at: new Date(doc.date * 1000).toISOString(), backend: 'hf', model_args: doc.config.model_args, dtype: 'torch.bfloat16',
      batch_size: String(doc.config.batch_size), limit: null, transformers_version: doc.transformers_version,
    });
    expect(JSON.parse(String(row.n_shot))).toEqual(doc['n-shot']);
    expect(JSON.parse(String(row.task_versions))).toEqual(Object.fromEntries(Object.entries(doc.versions).map(([k, v]) => [k, String(v)])));
    expect(JSON.parse(String(row.sample_counts)).arc_easy).toEqual(doc['n-samples'].arc_easy);
    expect(JSON.parse(String(row.group_subtasks)).mmlu).toEqual(doc.group_subtasks.mmlu);
    expect(await wh.all('SELECT DISTINCT source_sha256 FROM task_scores WHERE model_id = ?', ['Qwen2.5-1.5B'], { cache: false })).toEqual([{ source_sha256: sha }]);
    expect(statSync(file).size).toBeGreaterThan(0);
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import JSON5 from 'json5';
import { describe, expect, it } from 'vitest';
import type { Problem } from '../../errors/CortexError.js';
import { parsePythonJson } from '../../formats/lmEvalJson.js';
import { isFilePath, modelArgsOf, parseLmEvalResults, stepFrom } from '../../formats/lmEvalResults.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/lm-eval');
const QWEN = join(FIXTURES, 'v0.4/Qwen__Qwen2.5-1.5B/results_2025-03-03T00-05-12.300060.json');

describe('lm-evaluation-harness results (formats/lmEvalResults.ts)', () => {
  it('reads v0.3 documents: metrics with their stderr, the model and step from model_args', () => {
    const problems: Problem[] = [];
    const doc = { results: { piqa: { acc: 0.6, acc_stderr: 0.01, acc_norm: 0.61, acc_norm_stderr: 0.011 } }, config: { model_args: 'pretrained=EleutherAI/pythia-70m,revision=step3000', num_fewshot: 0 } };
    const parsed = parseLmEvalResults(doc, 'a.json', problems);
    expect(problems).toEqual([]);
    expect(parsed).toMatchObject({
      file: 'a.json',
      format: 'v0.3',
      model: { name: 'EleutherAI/pythia-70m', field: 'config.model_args.pretrained', isPath: false },
      revision: 'step3000',
      step: { value: 3000, from: 'revision' },
      scores: [
        { task: 'piqa', metric: 'acc', value: 0.6, stderr: 0.01, nullReason: null, subtasks: null, leafCount: null },
        { task: 'piqa', metric: 'acc_norm', value: 0.61, stderr: 0.011, nullReason: null, subtasks: null, leafCount: null },
      ],
    });
    expect(parsed!.provenance).toMatchObject({ nShot: { piqa: 0 }, filters: { piqa: ['none'] }, modelArgs: 'pretrained=EleutherAI/pythia-70m,revision=step3000' });
  });

  it('reads v0.4 documents: "metric,filter" keys, non-metrics left out, the step from the file name', () => {
    const problems: Problem[] = [];
    const doc = {
      results: { arc_easy: { alias: 'arc_easy', name: 'arc_easy', sample_len: 2376, 'acc,none': 0.7, 'acc_stderr,none': 0.02, 'exact_match,strict-match': 0.5, 'exact_match_stderr,strict-match': 'N/A' } },
      model_name: 'my-lab/my-lm',
    };
    const parsed = parseLmEvalResults(doc, 'my-lm_step500.json', problems);
    expect(problems).toEqual([]);
    expect(parsed).toMatchObject({ model: { name: 'my-lab/my-lm', field: 'model_name' }, step: { value: 500, from: 'file name' }, format: 'v0.4' });
    expect(parsed!.scores.map((s) => [s.task, s.metric, s.value, s.stderr])).toEqual([
      ['arc_easy', 'acc', 0.7, 0.02],
      ['arc_easy', 'exact_match,strict-match', 0.5, null],
    ]);
    expect(parsed!.provenance.sampleCounts).toEqual({ arc_easy: { effective: 2376, original: null } });
    expect(parsed!.provenance.filters).toEqual({ arc_easy: ['none', 'strict-match'] });
  });

  it('takes the model from model_name, then model_args (string or dict) pretrained/model/path — never config.model (the backend)', () => {
    const name = (doc: Record<string, unknown>) => parseLmEvalResults({ results: { t: { 'acc,none': 1 } }, ...doc }, 'x.json', [])!.model;
    expect(name({ config: { model: 'vllm', model_args: { pretrained: 'Qwen/Qwen3-8B', tensor_parallel_size: 8 } }, model_name: '' })).toEqual({ name: 'Qwen/Qwen3-8B', field: 'config.model_args.pretrained', isPath: false });
    expect(name({ config: { model: 'openai-chat-completions', model_args: 'model=gpt-4o-mini,base_url=x' } })).toMatchObject({ name: 'gpt-4o-mini', field: 'config.model_args.model' });
    expect(name({ config: { model: 'gguf', model_args: { path: 'org/model-gguf' } } })).toMatchObject({ name: 'org/model-gguf', field: 'config.model_args.path' });
    expect(name({ config: { model: 'hf', model_args: 'pretrained=a/b' }, model_name: 'c/d' })).toMatchObject({ name: 'c/d', field: 'model_name' });
    expect(name({ config: { model: 'vllm', model_args: { tensor_parallel_size: 8 } } })).toBeNull();
    expect(name({ config: { model: 'vllm', model_args: { pretrained: '/scratch/run/outputs/ckpt_8' } } })).toMatchObject({ isPath: true });
  });

  it('tells file-system paths from hub ids', () => {
    expect(['/a/b', './m', '../m', '~/m', 'C:\\m', 'a/b/c', 'x\\y'].map(isFilePath)).toEqual([true, true, true, true, true, true, true]);
    expect(['Qwen/Qwen2.5-1.5B', 'gpt2', 'EleutherAI/pythia-v1.1-1b-bf16'].map(isFilePath)).toEqual([false, false, false]);
  });

  it('stores non-finite values as null with the reason, keeping the file\'s other metrics', () => {
    const problems: Problem[] = [];
    const doc = { results: { lambada: { 'perplexity,none': Infinity, 'perplexity_stderr,none': NaN, 'acc,none': 0.4, 'acc_stderr,none': 0.01 }, mrpc: { 'f1,none': NaN } }, model_name: 'a/b' };
    const parsed = parseLmEvalResults(doc, 'n.json', problems);
    expect(problems).toEqual([]);
    expect(parsed!.scores.map((s) => [s.task, s.metric, s.value, s.stderr, s.nullReason])).toEqual([
      ['lambada', 'perplexity', null, null, 'the file holds Infinity for results.lambada.perplexity,none'],
      ['lambada', 'acc', 0.4, 0.01, null],
      ['mrpc', 'f1', null, null, 'the file holds NaN for results.mrpc.f1,none'],
    ]);
  });

  it('keeps a group the file aggregated once, with its subtasks and leaf count, and refuses two different values for it', () => {
    const problems: Problem[] = [];
    const doc = JSON.parse(readFileSync(QWEN, 'utf8'));
    const parsed = parseLmEvalResults(doc, 'qwen.json', problems)!;
    expect(problems).toEqual([]);
    const mmlu = parsed.scores.filter((s) => s.task === 'mmlu');
    expect(mmlu).toEqual([{ task: 'mmlu', metric: 'acc', value: 0.5961401509756445, stderr: 0.003908188894751123, nullReason: null,
      subtasks: ['mmlu_stem', 'mmlu_other', 'mmlu_social_sciences', 'mmlu_humanities'], leafCount: 57 }]);
    expect(parsed.scores.find((s) => s.task === 'mmlu_stem')).toMatchObject({ leafCount: 19 });
    expect(parsed.scores.find((s) => s.task === 'mmlu_anatomy')).toMatchObject({ subtasks: null, leafCount: null });

    doc.groups.mmlu['acc,none'] = 0.5;
    parseLmEvalResults(doc, 'qwen.json', problems);
    expect(problems).toEqual([{ where: 'qwen.json: groups.mmlu.acc,none', message: '0.5961401509756445 in results but 0.5 in groups' }]);
  });

  it('lists every bad field with its JSON path', () => {
    const problems: Problem[] = [];
    parseLmEvalResults({ results: { piqa: { acc: 0.5, acc_stderr: -1 }, sciq: 3 } }, 'b.json', problems);
    expect(problems).toEqual([
      { where: 'b.json: results.piqa.acc_stderr', message: 'stderr must be >= 0 (-1)' },
      { where: 'b.json: results.sciq', message: 'expected an object of metrics' },
    ]);
    expect(parseLmEvalResults([], 'c.json', problems)).toBeNull();
    expect(problems.at(-1)).toEqual({ where: 'c.json', message: 'expected a JSON object' });
  });

  it('finds steps in revisions and names, and reads model_args strings and dicts', () => {
    expect([stepFrom('step-3000/model.onnx'), stepFrom('160m_step143000.json'), stepFrom('step7'), stepFrom('pythia-70m-0shot-global_step103000_eval.json'), stepFrom('step1000-tokens4B'), stepFrom('main'), stepFrom('final.onnx')])
      .toEqual([3000, 143000, 7, 103000, 1000, null, null]);
    expect(modelArgsOf('pretrained=x/y,revision=step5')).toEqual({ pretrained: 'x/y', revision: 'step5' });
    expect(modelArgsOf({ pretrained: 'x/y', revision: 'step5' })).toEqual({ pretrained: 'x/y', revision: 'step5' });
    expect(modelArgsOf(null)).toEqual({});
  });
});

describe('Python-written JSON (formats/lmEvalJson.ts)', () => {
  it('parses NaN, Infinity and -Infinity outside strings, and leaves them alone inside strings', () => {
    const r = parsePythonJson('{"a": NaN, "b": [Infinity, -Infinity], "c": "NaN and Infinity", "d": 1}');
    expect(r).toEqual({ ok: true, value: { a: NaN, b: [Infinity, -Infinity], c: 'NaN and Infinity', d: 1 } });
  });

  it('agrees with json5 on a real results file with non-finite values, and with JSON.parse on the file itself', () => {
    const text = readFileSync(QWEN, 'utf8');
    expect(parsePythonJson(text)).toEqual({ ok: true, value: JSON.parse(text) });
    const withNaN = text.replace('"mcc,none": -0.0005447969648709635', '"mcc,none": NaN').replace('"perplexity,none": 5.677708211264297', '"perplexity,none": Infinity');
    const parsed = parsePythonJson(withNaN);
    expect(parsed.ok && parsed.value).toEqual(JSON5.parse(withNaN));
    expect(parsed.ok && (parsed.value as { results: { cola: Record<string, number> } }).results.cola['mcc,none']).toBeNaN();
  });

  it('falls back to json5 where a marker could be mistaken for a string in the file', () => {
    expect(parsePythonJson('{"s": "\\u0000NaN", "v": NaN}')).toEqual({ ok: true, value: { s: '\u0000NaN', v: NaN } });
  });

  it('refuses a number too large for a double (Python writes Infinity), with or without literals elsewhere; 1e308 is a number', () => {
    const refused = { ok: false, message: 'not valid JSON: a number is too large for a double (Python writes Infinity for infinity)' };
    expect(parsePythonJson('{"acc": 1e400}')).toEqual(refused);
    expect(parsePythonJson('{"acc": -1E+999, "b": NaN}')).toEqual(refused);
    expect(parsePythonJson('{"acc": 1e308, "s": "1e400"}')).toEqual({ ok: true, value: { acc: 1e308, s: '1e400' } });
  });

  it('says a file cut short or empty is so', () => {
    expect(parsePythonJson('{"results": {"piqa": {"acc": 0.5,')).toEqual({ ok: false, message: 'not valid JSON (it ends too early: truncated?)' });
    expect(parsePythonJson(' \n')).toEqual({ ok: false, message: 'not valid JSON (empty)' });
  });

  it('reports syntax errors by line and column, never with the file\'s text', () => {
    expect(parsePythonJson('{\n  "secret": 1,\n  "x": }')).toEqual({ ok: false, message: 'not valid JSON (line 3, column 8)' });
    expect(parsePythonJson('{"secret": NaN,\n "x": }')).toEqual({ ok: false, message: 'not valid JSON (line 2, column 7)' });
    expect(parsePythonJson('{"secret": 1')).toMatchObject({ ok: false });
    expect(JSON.stringify(parsePythonJson('{"secret": 1'))).not.toContain('secret');
  });
});

import { describe, expect, it } from 'vitest';
import type { Problem } from '../../errors/CortexError.js';
import { parseLmEvalResults, parseModelArgs, stepFrom } from '../../formats/lmEvalResults.js';

describe('lm-evaluation-harness results (formats/lmEvalResults.ts)', () => {
  it('reads v0.3 documents: metrics with their stderr, the model and step from model_args', () => {
    const problems: Problem[] = [];
    const doc = { results: { piqa: { acc: 0.6, acc_stderr: 0.01, acc_norm: 0.61, acc_norm_stderr: 0.011 } }, config: { model_args: 'pretrained=EleutherAI/pythia-70m,revision=step3000' } };
    expect(parseLmEvalResults(doc, 'a.json', problems)).toEqual({
      file: 'a.json',
      modelName: 'EleutherAI/pythia-70m',
      step: 3000,
      format: 'v0.3',
      scores: [
        { task: 'piqa', metric: 'acc', value: 0.6, stderr: 0.01 },
        { task: 'piqa', metric: 'acc_norm', value: 0.61, stderr: 0.011 },
      ],
    });
    expect(problems).toEqual([]);
  });

  it('reads v0.4 documents: "metric,filter" keys, and the step from the file name', () => {
    const problems: Problem[] = [];
    const doc = { results: { arc_easy: { alias: 'arc_easy', 'acc,none': 0.7, 'acc_stderr,none': 0.02 } }, model_name: 'my-lm' };
    const parsed = parseLmEvalResults(doc, 'my-lm_step500.json', problems);
    expect(parsed).toMatchObject({ modelName: 'my-lm', step: 500, format: 'v0.4', scores: [{ task: 'arc_easy', metric: 'acc', value: 0.7, stderr: 0.02 }] });
    expect(problems).toEqual([]);
  });

  it('lists every bad field with its JSON path', () => {
    const problems: Problem[] = [];
    parseLmEvalResults({ results: { piqa: { acc: 0.5, acc_stderr: -1 }, sciq: 3 } }, 'b.json', problems);
    expect(problems).toEqual([
      { where: 'b.json: results.piqa.acc_stderr', message: 'stderr must be a finite number >= 0 (-1)' },
      { where: 'b.json: results.sciq', message: 'expected an object of metrics' },
    ]);
    expect(parseLmEvalResults([], 'c.json', problems)).toBeNull();
    expect(problems.at(-1)).toEqual({ where: 'c.json', message: 'expected a JSON object' });
  });

  it('finds steps in names and model_args', () => {
    expect([stepFrom('step-3000/model.onnx'), stepFrom('160m_step143000.json'), stepFrom('revision=step7'), stepFrom('final.onnx')]).toEqual([3000, 143000, 7, null]);
    expect(parseModelArgs('pretrained=x/y,revision=step5')).toEqual({ pretrained: 'x/y', revision: 'step5' });
  });
});

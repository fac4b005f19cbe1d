import { describe, expect, it } from 'vitest';
import { Checks, idProblem, MAX_STEP, nameProblem, parseJsonText, parseStepText, stepInName, stepProblem, trSecondsProblem } from '../../formats/validation.js';

describe('the one set of input rules (formats/validation.ts)', () => {
  it('ids: 1–200 of A–Z a–z 0–9 . _ - /, no empty, "." or ".." segment', () => {
    for (const ok of ['pythia-70m', 'EleutherAI/pythia-70m', 'S01', 'a.b_c-d', 'x'.repeat(200), 'v1.0']) expect(idProblem(ok)).toBeNull();
    const bad = ['', ' ', '.', '..', 'a/../b', '/abs', 'a//b', 'a b', 'a\nb', 'tab\t', '\u202Eevil', 'x'.repeat(201), 'é', 'a\u0000', 7, null];
    for (const b of bad) expect(idProblem(b), JSON.stringify(b)).not.toBeNull();
    expect(idProblem('\u202Eevil')).toBe('"\\u202eevil" may only hold letters A–Z a–z, digits, \'.\', \'_\', \'-\' and \'/\'');
  });

  it('names: printable, trimmed, 1–200 characters; no control or format characters', () => {
    for (const ok of ['piqa', 'acc,none', 'exact_match,strict-match', 'mmlu (5-shot)', 'Broca’s area', 'wsc273', '日本語']) expect(nameProblem(ok)).toBeNull();
    for (const bad of ['', '   ', ' lead', 'trail ', 'new\nline', 'nul\u0000', 'rtl\u202E', 'zero\u200Bwidth', 'x'.repeat(201), 'lone\uD800']) {
      expect(nameProblem(bad), JSON.stringify(bad)).not.toBeNull();
    }
  });

  it('steps: integers 0…2^31−1, and in text digits only', () => {
    expect([0, 1000, MAX_STEP].map(stepProblem)).toEqual([null, null, null]);
    for (const bad of [-1, 2 ** 31, 1.5, NaN, Infinity, '5']) expect(stepProblem(bad)).not.toBeNull();
    expect(parseStepText('3000')).toBe(3000);
    for (const bad of ['1e20', '-5', '0x10', '3.0', 'a', '', '2147483648', '99999999999']) expect(typeof parseStepText(bad), bad).toBe('string');
  });

  it('steps in revisions and names: step-5 is not a revision of step 5, step2147483648 is out of range', () => {
    expect(stepInName('step3000', 'revision')).toEqual({ step: 3000 });
    expect(stepInName('global_step3000', 'revision')).toEqual({ step: 3000 });
    expect(stepInName('stage1-step140000-tokens588B', 'revision')).toEqual({ step: 140000 });
    expect(stepInName('main', 'revision')).toBeNull();
    expect(stepInName('step-5', 'revision')).toEqual({ invalid: expect.stringMatching(/revision "step-5" is not stepN/) });
    expect(stepInName('step2147483648', 'revision')).toEqual({ invalid: expect.stringMatching(/above 2147483647/) });
    expect(stepInName('70m_step3000.json', 'name')).toEqual({ step: 3000 });
    expect(stepInName('step-3000', 'name')).toEqual({ step: 3000 });
  });

  it('trSeconds: finite, 0.05…60', () => {
    expect(trSecondsProblem(2)).toBeNull();
    for (const bad of [0, 0.01, 61, 1e308, Infinity, NaN, -2]) expect(trSecondsProblem(bad)).not.toBeNull();
  });

  it('collects every problem of one input, with where it is', () => {
    const checks = new Checks();
    checks.id('model', '..');
    checks.step('step', -1);
    checks.unique('subjects', ['S01', 'S02', 'S01'], 'subject id');
    expect(checks.ok).toBe(false);
    expect(checks.problems).toEqual([
      { where: 'model', message: `".." has an empty, '.' or '..' segment` },
      { where: 'step', message: 'must be an integer from 0 to 2147483647 (got -1)' },
      { where: 'subjects', message: 'subject id "S01" appears more than once' },
    ]);
  });

  it('JSON errors say where, never what: the text is not quoted', () => {
    const secret = 'root:*:19000:0:99999:7:::';
    expect(() => parseJsonText(secret)).toThrow(/^not valid JSON/);
    try {
      parseJsonText(`{"a": 1,\n "b": ${secret}}`);
    } catch (e) {
      expect((e as Error).message).toBe('not valid JSON (line 2, column 7)');
      expect((e as Error).message).not.toContain('root');
    }
    expect(() => parseJsonText('')).toThrow('not valid JSON (empty)');
  });
});

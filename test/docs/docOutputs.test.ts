import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../services/paths.js';
import { outputMismatches, parseOutputPattern, textMismatches } from '../helpers/docOutput.js';
import { comparedOutputs, DOC_FILES, docBlocks, docQueries, runnableCurlBlocks } from '../helpers/readmeExamples.js';

/**
 * What the docs claim an example returns is shown as an output block and compared with the real
 * output (GraphQL in test/services/demo.test.ts, curl and Python in test/docs/docBlocks.test.ts,
 * on the demo warehouse). These checks need no server: every output block is one of those
 * compared, and no claim about an output is left in prose or in a comment where nothing checks it.
 */
describe('the docs’ output blocks', () => {
  it('belong to an example that a test runs and compares', () => {
    const outputs = docBlocks().filter((b) => b.isOutput);
    expect(outputs.length).toBeGreaterThan(5);
    const compared = new Set(comparedOutputs().map((o) => o.where));
    expect(outputs.filter((o) => !compared.has(o.where)).map((o) => o.where)).toEqual([]);
  });

  it('follow every example that runs as one request, so each shows what it returns', () => {
    // Not: a block of several one-line operations, a mutation, a placeholder (`…`) or an illustrative block.
    const one = (where: string) => docQueries().filter((q) => q.where === where);
    const single = docBlocks().filter((b) => (b.lang === 'graphql' && one(b.where).length === 1 && one(b.where)[0].runnable) || runnableCurlBlocks().includes(b));
    expect(single.filter((b) => !b.output).map((b) => b.where)).toEqual([]);
  });

  it('parse: JSON5 for a response, lines for what a program prints', () => {
    for (const o of docBlocks().filter((b) => b.isOutput)) {
      expect([o.where, o.lang]).toEqual([o.where, expect.stringMatching(/^(json5|text)$/)]);
      if (o.lang === 'json5') expect(() => parseOutputPattern(o.text), o.where).not.toThrow();
    }
  });

  it('leave no claim about an output in prose (`→ …`, "returns …") or in an example’s comment (`# → …`)', () => {
    const claims = DOC_FILES.flatMap((file) => {
      const lines = readFileSync(join(PACKAGE_ROOT, file), 'utf8').split('\n');
      const found: { where: string; line: string }[] = [];
      let inBlock = false;
      lines.forEach((line, i) => {
        if (line.startsWith('```')) {
          inBlock = !inBlock;
          // The first line of text after an example: where "→ …" or "returns …" would describe its output.
          const next = lines.findIndex((l, j) => j > i && l.trim() !== '');
          if (!inBlock && next > 0 && /^(→|returns\b)/.test(lines[next])) found.push({ where: `${file}:${next + 1}`, line: lines[next] });
        } else if (inBlock && /(#|\/\/)\s*→/.test(line)) found.push({ where: `${file}:${i + 1}`, line });
      });
      return found;
    });
    expect(claims).toEqual([]);
  });
});

describe('output patterns (helpers/docOutput.ts)', () => {
  const match = (pattern: string, actual: unknown) => outputMismatches(parseOutputPattern(pattern), actual);

  it('compares numbers to the precision printed, and integers exactly', () => {
    expect(match('{ mean: 0.698 }', { mean: 0.6984947 })).toEqual([]);
    expect(match('{ mean: 0.699 }', { mean: 0.6984947 })).toEqual(['$.mean: the docs show 0.699, the output is 0.6984947']);
    expect(match('{ step: 1000, r: 1.5e-6 }', { step: 1000, r: 1.46e-6 })).toEqual([]);
    expect(match('{ step: 1000 }', { step: 1001 })).toHaveLength(1);
    expect(match('{ n: 17.58 }', { n: '17.58' })).toHaveLength(1);
  });

  it('lets `…` stand for left-out keys, elements, characters or a whole value, and nothing else', () => {
    expect(match('{ a: 1, … }', { a: 1, b: 2 })).toEqual([]);
    expect(match('{ a: 1 }', { a: 1, b: 2 })).toEqual(['$: the output also has b (show them, or `…`)']);
    expect(match('{ a: 1, c: 3, … }', { a: 1, b: 2 })).toEqual(['$.c: shown in the docs, not in the output']);
    expect(match('[…, { id: "x", … }, …]', [{ id: 'w' }, { id: 'x', v: 1 }, { id: 'y' }])).toEqual([]);
    expect(match('[{ id: "x" }, …]', [{ id: 'w' }, { id: 'x' }])).toHaveLength(1);
    expect(match('["a", "b"]', ['a', 'b', 'c'])).toHaveLength(1);
    expect(match('{ id: "upl_…", sd: …, // a comment with "quotes" and 1.5\n }', { id: 'upl_3f0a', sd: null })).toEqual([]);
    expect(match("{ s: 'it''s' }".replace("''", "\\'"), { s: "it's" })).toEqual([]);
  });

  it('compares printed text line by line', () => {
    expect(textMismatches("NOT_FOUND ['pythia-70m', …]\n0.42", "NOT_FOUND ['pythia-70m', 'pythia-70m-deduped']\n0.4213\n")).toEqual([]);
    expect(textMismatches('0.42', '0.4263')).toHaveLength(1);
    expect(textMismatches('a\nb', 'a')).toHaveLength(2);
  });
});

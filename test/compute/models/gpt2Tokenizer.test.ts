import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  END_OF_TEXT,
  GPT2_VOCAB_SIZE,
  gpt2Tokenizer,
  gpt2TokenizerConfig,
  gpt2TokenizerJson,
  tokenizerFromFile,
  tokenizerFromJson,
} from '../../../compute/models/gpt2Tokenizer.js';
import { wordTokens } from '../../../compute/models/wordTokens.js';
import { CortexError } from '../../../errors/CortexError.js';

// gpt-3-encoder's own encoder: an independent JavaScript BPE over the same OpenAI files.
const require = createRequire(import.meta.url);
const reference = require('gpt-3-encoder') as { encode(text: string): number[] };

const full = gpt2Tokenizer();
const tmp = mkdtempSync(path.join(os.tmpdir(), 'cortexql-tok-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('gpt2Tokenizer (full GPT-2 vocabulary)', () => {
  it('gives GPT-2’s known ids', () => {
    expect(full.vocabSize).toBe(GPT2_VOCAB_SIZE);
    expect(full.encode('Hello world')).toEqual([15496, 995]);
    expect(full.encode(' the')).toEqual([262]);
    expect(full.encode(END_OF_TEXT)).toEqual([50256]);
  });

  it('agrees with an independent GPT-2 BPE implementation on varied text', () => {
    const texts = [
      "Hello, world! It's a test of GPT-2's tokenizer: unbelievably 12345.",
      'The cartographer examined the weathered compass   in the lighthouse.',
      'naïve café — “quotes” and 🤗 emoji\nnew lines\tand tabs',
      "they'll we've I'm you'd don't CAN'T",
    ];
    for (const t of texts) expect(full.encode(t)).toEqual(reference.encode(t));
    expect(full.decode(full.encode(texts[2]))).toBe(texts[2]);
  });
});

describe('reduced GPT-2 vocabularies', () => {
  const small = gpt2Tokenizer({ merges: 8000 });

  it('keep GPT-2’s ids for the tokens they keep, and renumber <|endoftext|>', () => {
    expect(small.vocabSize).toBe(8257);
    expect(small.encode(' the')).toEqual([262]);
    expect(small.encode(END_OF_TEXT)).toEqual([8256]);
    const text = 'The cartographer unbelievably polished the lighthouse lantern.';
    const ids = small.encode(text);
    expect(ids.every((id) => id < 8256)).toBe(true);
    expect(small.decode(ids)).toBe(text);
    expect(ids.length).toBeGreaterThan(full.encode(text).length); // later merges are missing
    // Every word GPT-2 encodes with ids below 8256 is encoded identically.
    for (const w of [' the', ' keeper', ' walked', ' bridge', ' said']) {
      const gpt2 = full.encode(w);
      if (gpt2.every((id) => id < 8256)) expect(small.encode(w)).toEqual(gpt2);
    }
  });

  it('round-trip through tokenizer.json and tokenizer_config.json files', () => {
    const file = path.join(tmp, 'tokenizer.json');
    writeFileSync(file, JSON.stringify(gpt2TokenizerJson({ merges: 8000 })));
    writeFileSync(path.join(tmp, 'tokenizer_config.json'), JSON.stringify(gpt2TokenizerConfig()));
    const loaded = tokenizerFromFile(file);
    expect(loaded.vocabSize).toBe(8257);
    expect(loaded.encode('Hello world')).toEqual(small.encode('Hello world'));
  });

  it('rejects bad merge counts and unusable tokenizer files with BAD_USER_INPUT', () => {
    expect(() => gpt2TokenizerJson({ merges: 50_001 })).toThrow(new CortexError('BAD_USER_INPUT', 'merges must be an integer in 0…50000, got 50001', { merges: 50_001 }));
    const bad = path.join(tmp, 'broken.json');
    writeFileSync(bad, '{ "model": ');
    try {
      tokenizerFromFile(bad);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(CortexError);
      expect((e as CortexError).code).toBe('BAD_USER_INPUT');
      expect((e as CortexError).message).toMatch(/^.*broken\.json is not valid JSON: /);
      expect((e as CortexError).details).toEqual({ file: bad });
    }
    expect(() => tokenizerFromJson({ model: { type: 'NoSuchModel' } }, {}, 'x/tokenizer.json')).toThrow(/^x\/tokenizer\.json is not a usable tokenizer: /);
  });
});

describe('wordTokens', () => {
  const words = ['The', 'cartographer', 'unbelievably', 'polished', 'a', 'lighthouse-keeper’s', 'lantern.'];

  it('aligns multi-token words and equals the tokenisation of the joined text', () => {
    const wt = wordTokens(full, words);
    expect(Array.from(wt.ids)).toEqual(full.encode(words.join(' ')));
    expect(wt.nWords).toBe(7);
    expect(wt.firstToken[0]).toBe(0);
    expect(wt.firstToken[7]).toBe(wt.ids.length);
    for (let w = 0; w < 7; w++) {
      const own = Array.from(wt.ids.subarray(wt.firstToken[w], wt.firstToken[w + 1]));
      expect(own).toEqual(full.encode(w === 0 ? words[w] : ` ${words[w]}`));
      for (let t = wt.firstToken[w]; t < wt.firstToken[w + 1]; t++) expect(wt.wordOfToken[t]).toBe(w);
    }
    // 'cartographer' and the hyphenated possessive are several tokens each.
    expect(wt.firstToken[2] - wt.firstToken[1]).toBeGreaterThan(1);
    expect(wt.firstToken[6] - wt.firstToken[5]).toBeGreaterThan(2);
  });

  it('rejects words that are empty or contain whitespace, listing each', () => {
    expect(() => wordTokens(full, ['ok', '', 'two words'])).toThrow(
      new CortexError('BAD_USER_INPUT', 'transcript words: word 1 is empty; word 2 ("two words") contains whitespace', {
        problems: ['word 1 is empty', 'word 2 ("two words") contains whitespace'],
        problemCount: 2,
      }),
    );
  });
});

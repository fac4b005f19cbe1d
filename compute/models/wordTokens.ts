/**
 * Word ↔ token alignment of a transcript: the token ids of the text "w₀ w₁ w₂ …" and, for each
 * token, the word it belongs to.
 *
 * Each word is encoded on its own, with the space that precedes it in the text (" w" for every
 * word but the first). For byte-level BPE (GPT-2, Pythia, OLMo, Llama 3 …) this is exactly the
 * tokenisation of the joined text: the pre-tokenizer never lets a token cross into the next
 * space-led chunk. (A word containing whitespace would break that guarantee; it is rejected.)
 * Unique words are encoded once, so long transcripts cost one tokenizer call per distinct word.
 *
 *   const wt = wordTokens(tok, ['Hello', 'world']);
 *   wt.ids          // Int32Array [15496, 995]
 *   wt.wordOfToken  // Int32Array [0, 1]
 *   wt.firstToken   // Int32Array [0, 1, 2]  (word w owns tokens firstToken[w] … firstToken[w+1] − 1)
 */
import { badInput } from '../../errors/CortexError.js';
import type { TextTokenizer } from './gpt2Tokenizer.js';

export interface WordTokens {
  readonly ids: Int32Array;
  /** Word index of every token. */
  readonly wordOfToken: Int32Array;
  /** nWords + 1 offsets: word w's tokens are firstToken[w] … firstToken[w + 1] − 1. */
  readonly firstToken: Int32Array;
  readonly nWords: number;
}

export function wordTokens(tokenizer: TextTokenizer, words: readonly string[]): WordTokens {
  const problems: string[] = [];
  words.forEach((w, i) => {
    if (w.length === 0) problems.push(`word ${i} is empty`);
    else if (/\s/u.test(w)) problems.push(`word ${i} (${JSON.stringify(w)}) contains whitespace`);
  });
  if (problems.length > 0) throw badInput(`transcript words: ${problems.slice(0, 20).join('; ')}`, { problems: problems.slice(0, 50), problemCount: problems.length });

  const cache = new Map<string, number[]>();
  const pieces: number[][] = words.map((w, i) => {
    const text = i === 0 ? w : ` ${w}`;
    let ids = cache.get(text);
    if (ids === undefined) {
      ids = tokenizer.encode(text);
      cache.set(text, ids);
    }
    return ids;
  });
  const empty = pieces.findIndex((p) => p.length === 0);
  if (empty >= 0) throw badInput(`word ${empty} (${JSON.stringify(words[empty])}) has no tokens`, { word: empty });

  const firstToken = new Int32Array(words.length + 1);
  for (let w = 0; w < words.length; w++) firstToken[w + 1] = firstToken[w] + pieces[w].length;
  const n = firstToken[words.length];
  const ids = new Int32Array(n);
  const wordOfToken = new Int32Array(n);
  for (let w = 0; w < words.length; w++) {
    ids.set(pieces[w], firstToken[w]);
    wordOfToken.fill(w, firstToken[w], firstToken[w + 1]);
  }
  return { ids, wordOfToken, firstToken, nWords: words.length };
}

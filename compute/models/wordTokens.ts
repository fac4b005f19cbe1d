/**
 * Word ↔ token alignment of a transcript: the token ids of the text "w₀ w₁ w₂ …" and, for each
 * token, the word it belongs to.
 *
 * The joined text is encoded once — so the tokens are exactly what the model sees for that
 * text, whatever the tokenizer — and each token is given to a word by the characters it spells
 * (tokenPieces.ts recovers them from the token strings: byte-level BPE such as GPT-2, Llama 3 and
 * Qwen, or SentencePiece/Metaspace such as Llama 2, Mistral and Gemma). Spaces carry no word:
 * the non-space bytes of the tokens, in order, must equal those of the words (after the
 * tokenizer's own normalizer, e.g. NFC), and a token belongs to the word its non-space bytes
 * fall in. A token that spells only a space (SentencePiece's lone "▁" before a character with
 * no "▁x" piece) belongs to the word that follows it. A token spanning two words, or text the
 * tokens do not spell, is refused: no silent misalignment. (Encoding each word on its own with a
 * leading space, as earlier versions did, is exact only for byte-level BPE: SentencePiece
 * tokenizers prepend "▁" to every call, adding a lone "▁" token before every word.)
 *
 *   const wt = wordTokens(tok, ['Hello', 'world']);
 *   wt.ids          // Int32Array [15496, 995]          (GPT-2)
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

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** UTF-8 bytes of `text` without its whitespace. */
function nonSpaceBytes(text: string): Uint8Array {
  return encoder.encode(text.replace(/\s/gu, ''));
}

function isSpaceByte(b: number): boolean {
  return b === 0x20 || (b >= 0x09 && b <= 0x0d);
}

function show(bytes: Uint8Array): string {
  return JSON.stringify(decoder.decode(bytes));
}

export function wordTokens(tokenizer: TextTokenizer, words: readonly string[]): WordTokens {
  const problems: string[] = [];
  words.forEach((w, i) => {
    if (w.length === 0) problems.push(`word ${i} is empty`);
    else if (/\s/u.test(w)) problems.push(`word ${i} (${JSON.stringify(w)}) contains whitespace`);
  });
  if (problems.length > 0) throw badInput(`transcript words: ${problems.slice(0, 20).join('; ')}`, { problems: problems.slice(0, 50), problemCount: problems.length });

  const { ids, pieces } = tokenizer.encodePieces(words.join(' '));
  // The words' non-space bytes, as the tokenizer normalises them: the tokens must spell these.
  const wordBytes = words.map((w) => nonSpaceBytes(tokenizer.normalize(w)));
  const empty = wordBytes.findIndex((b) => b.length === 0);
  if (empty >= 0) throw badInput(`word ${empty} (${JSON.stringify(words[empty])}) is empty after the tokenizer's normalisation`, { word: empty });

  const n = ids.length;
  const wordOfToken = new Int32Array(n);
  let word = 0; // word holding the next non-space byte
  let inWord = 0; // bytes of `word` already matched
  const mismatch = (t: number, detail: string): never => {
    throw badInput(`cannot align token ${t} (${show(pieces[t])}) with the transcript at word ${word} (${JSON.stringify(words[word] ?? '')}): ${detail}`, {
      token: t,
      word,
    });
  };
  for (let t = 0; t < n; t++) {
    let first = -1; // word of the token's first non-space byte
    for (const b of pieces[t]) {
      if (isSpaceByte(b)) continue;
      if (word >= words.length) mismatch(t, 'the tokens spell more text than the words');
      if (wordBytes[word][inWord] !== b) mismatch(t, `the tokenizer rewrote the text (expected ${show(wordBytes[word].subarray(inWord))})`);
      if (first === -1) first = word;
      else if (first !== word) mismatch(t, `the token spans words ${first} and ${word}`);
      if (++inWord === wordBytes[word].length) {
        word++;
        inWord = 0;
      }
    }
    // A space-only token belongs to the word that follows it; a token that completed its word
    // was counted into `word` already, so it keeps `first`.
    wordOfToken[t] = first === -1 ? Math.min(word, words.length - 1) : first;
  }
  if (word < words.length) {
    throw badInput(`cannot align the tokens with the transcript: words ${word}… (${JSON.stringify(words[word])}) have no tokens left`, { word });
  }

  const firstToken = new Int32Array(words.length + 1);
  for (let t = 0; t < n; t++) firstToken[wordOfToken[t] + 1]++;
  for (let w = 0; w < words.length; w++) {
    if (firstToken[w + 1] === 0) throw badInput(`word ${w} (${JSON.stringify(words[w])}) has no tokens of its own`, { word: w });
    firstToken[w + 1] += firstToken[w];
  }
  return { ids: Int32Array.from(ids), wordOfToken, firstToken, nWords: words.length };
}

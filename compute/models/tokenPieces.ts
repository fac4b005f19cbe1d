/**
 * The text each token of a Hugging Face `tokenizer.json` spells, as UTF-8 bytes — what
 * word ↔ token alignment needs (wordTokens.ts). @huggingface/tokenizers (the JavaScript port)
 * returns token strings but no character offsets, so the offsets are recovered from the
 * strings themselves, following the two spellings real decoder vocabularies use:
 *
 * - **byte-level** (GPT-2, Pythia, OLMo, Llama 3, Qwen …: a `ByteLevel` pre-tokenizer or
 *   decoder): every character of a token stands for one byte through GPT-2's `bytes_to_unicode`
 *   table (printable bytes map to themselves, the others to U+0100 …; `Ġ` is the space);
 * - **SentencePiece / Metaspace** (Llama 2, Mistral, Gemma …): the token is text in which the
 *   replacement character (`▁` unless the config names another) stands for a space, and, with
 *   `byte_fallback`, `<0xAB>` tokens stand for single bytes.
 *
 * WordPiece / BPE continuation markers (`##`, `</w>`) are dropped. Added tokens (special or not)
 * are their own content.
 *
 *   const spell = tokenPieceSpeller(tokenizerJson);
 *   spell('Ġworld')   // bytes of " world" (byte-level)
 *   spell('▁café')    // bytes of " café"  (SentencePiece)
 *   spell('<0xF0>')   // [0xF0]             (byte fallback)
 */

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Every component config nested in a pre_tokenizer / decoder / normalizer (Sequence included). */
function components(config: unknown): Json[] {
  if (!isObject(config)) return [];
  const nested = [config.pretokenizers, config.decoders, config.normalizers].flatMap((list) => (Array.isArray(list) ? list.flatMap(components) : []));
  return [config, ...nested];
}

/** GPT-2's bytes_to_unicode (openai/gpt-2 encoder.py), inverted: character → byte. */
function byteLevelAlphabet(): Map<string, number> {
  const printable = (b: number): boolean => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const map = new Map<string, number>();
  let next = 0;
  for (let b = 0; b < 256; b++) map.set(String.fromCodePoint(printable(b) ? b : 256 + next++), b);
  return map;
}

const encoder = new TextEncoder();
const BYTE_FALLBACK = /^<0x([0-9A-Fa-f]{2})>$/;

export interface TokenSpelling {
  /** 'byte-level' or 'metaspace' (SentencePiece-style text pieces). */
  readonly kind: 'byte-level' | 'metaspace';
  /** The character that stands for a space in pieces and normalised text ('▁'; ' ' for byte-level). */
  readonly spaceSymbol: string;
}

/** How the tokenizer spells its tokens (see the module comment). */
export function tokenSpelling(json: unknown): TokenSpelling {
  const doc = isObject(json) ? json : {};
  const parts = [...components(doc.pre_tokenizer), ...components(doc.decoder)];
  if (parts.some((p) => p.type === 'ByteLevel')) return { kind: 'byte-level', spaceSymbol: ' ' };
  const metaspace = parts.find((p) => p.type === 'Metaspace' && typeof p.replacement === 'string');
  if (metaspace !== undefined) return { kind: 'metaspace', spaceSymbol: metaspace.replacement as string };
  // Llama 2 / Gemma style: the normalizer replaces ' ' by the symbol.
  const replace = components(doc.normalizer).find((p) => p.type === 'Replace' && isObject(p.pattern) && p.pattern.String === ' ' && typeof p.content === 'string');
  return { kind: 'metaspace', spaceSymbol: replace !== undefined ? (replace.content as string) : '▁' };
}

/**
 * A function from a token string to the UTF-8 bytes it spells (spaces included, as 0x20).
 */
export function tokenPieceSpeller(json: unknown): (token: string) => Uint8Array {
  const doc = isObject(json) ? json : {};
  const model = isObject(doc.model) ? doc.model : {};
  const added = new Set((Array.isArray(doc.added_tokens) ? doc.added_tokens : []).flatMap((t) => (isObject(t) && typeof t.content === 'string' ? [t.content] : [])));
  const prefix = typeof model.continuing_subword_prefix === 'string' && model.continuing_subword_prefix.length > 0 ? model.continuing_subword_prefix : null;
  const suffix = typeof model.end_of_word_suffix === 'string' && model.end_of_word_suffix.length > 0 ? model.end_of_word_suffix : null;
  const spelling = tokenSpelling(doc);
  const cache = new Map<string, Uint8Array>();

  const strip = (token: string): string => {
    let t = token;
    if (prefix !== null && t.startsWith(prefix) && t.length > prefix.length) t = t.slice(prefix.length);
    if (suffix !== null && t.endsWith(suffix) && t.length > suffix.length) t = t.slice(0, -suffix.length);
    return t;
  };

  let spell: (token: string) => Uint8Array;
  if (spelling.kind === 'byte-level') {
    const alphabet = byteLevelAlphabet();
    spell = (token) => {
      const chars = [...strip(token)];
      // A token outside the byte alphabet (an unusual vocabulary entry) is taken as text.
      if (!chars.every((c) => alphabet.has(c))) return encoder.encode(token);
      return Uint8Array.from(chars, (c) => alphabet.get(c)!);
    };
  } else {
    const byteFallback = model.byte_fallback === true;
    spell = (token) => {
      const m = byteFallback ? BYTE_FALLBACK.exec(token) : null;
      if (m !== null) return Uint8Array.of(parseInt(m[1], 16));
      return encoder.encode(strip(token).split(spelling.spaceSymbol).join(' '));
    };
  }
  return (token) => {
    let bytes = cache.get(token);
    if (bytes === undefined) {
      bytes = added.has(token) ? encoder.encode(token) : spell(token);
      cache.set(token, bytes);
    }
    return bytes;
  };
}

import { CortexError } from '../errors/CortexError.js';

/** Codes index a dictionary of at most this many values; 0xFFFF marks NaN (stored as NULL). */
export const NULL_CODE = 0xffff;
const MAX_DICTIONARY = NULL_CODE;

export interface DictionaryEncoded {
  /** The distinct non-NaN values, ascending. */
  readonly dictionary: Float32Array;
  /** Per value: its index in `dictionary`, or NULL_CODE for NaN. */
  readonly codes: Uint16Array;
}

/**
 * Dictionary-encodes a float32 column with few distinct values. A voxel's ridge penalty is one
 * of a small log grid (10–20 values), so its code bit-packs to ~4 bits where the float itself
 * takes ~32 (DuckDB has no dictionary compression for numeric columns).
 */
export function dictionaryEncode(values: Float32Array): DictionaryEncoded {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const seen = new Map<number, number>();
  let lastBits = -1;
  for (let i = 0; i < bits.length; i++) {
    const b = bits[i]!;
    if (b === lastBits || values[i] !== values[i]) continue;
    lastBits = b;
    if (!seen.has(b)) {
      if (seen.size === MAX_DICTIONARY) {
        throw new CortexError('INTERNAL', `dictionaryEncode: more than ${MAX_DICTIONARY} distinct values in one column`);
      }
      seen.set(b, 0);
    }
  }
  const dictionary = Float32Array.from([...seen.keys()].map((b) => new Float32Array(new Uint32Array([b]).buffer)[0]!)).sort();
  const dictBits = new Uint32Array(dictionary.buffer);
  dictBits.forEach((b, i) => seen.set(b, i));
  const codes = new Uint16Array(values.length);
  let lastCode = NULL_CODE;
  lastBits = -1;
  for (let i = 0; i < bits.length; i++) {
    const b = bits[i]!;
    if (values[i] !== values[i]) { codes[i] = NULL_CODE; continue; }
    if (b !== lastBits) { lastBits = b; lastCode = seen.get(b)!; }
    codes[i] = lastCode;
  }
  return { dictionary, codes };
}

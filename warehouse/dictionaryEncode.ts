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
 * takes ~32 (DuckDB has no dictionary compression for numeric columns). Values are keyed by
 * their bits in an open-addressing table: this runs on the write path, at ~10^8 values/s.
 */
export function dictionaryEncode(values: Float32Array): DictionaryEncoded {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const table = new BitsTable();
  const order: number[] = [];
  for (let i = 0; i < bits.length; i++) {
    if (values[i] !== values[i]) continue;
    if (table.insert(bits[i], order.length) === order.length) {
      if (order.length === MAX_DICTIONARY) throw new CortexError('INTERNAL', `dictionaryEncode: more than ${MAX_DICTIONARY} distinct values in one column`);
      order.push(bits[i]);
    }
  }
  // Ascending dictionary: renumber the first-seen codes by rank.
  const dictionary = new Float32Array(new Uint32Array(order).buffer).sort();
  const rank = new Uint16Array(order.length);
  const sortedBits = new Uint32Array(dictionary.buffer);
  for (let k = 0; k < sortedBits.length; k++) rank[table.insert(sortedBits[k], -1)] = k;
  const codes = new Uint16Array(values.length);
  for (let i = 0; i < bits.length; i++) codes[i] = values[i] !== values[i] ? NULL_CODE : rank[table.insert(bits[i], -1)];
  return { dictionary, codes };
}

/** uint32 → first-seen index; grows at half load. Fibonacci hashing takes the product's high bits (float grid values differ in high bits only). */
class BitsTable {
  private keys = new Uint32Array(64);
  private vals = new Int32Array(64).fill(-1);
  private shift = 26;
  private size = 0;

  private home(key: number): number {
    return Math.imul(key, 0x9e3779b1) >>> this.shift;
  }

  /** The index stored for `key`, storing `value` first if absent (value −1: must be present). */
  insert(key: number, value: number): number {
    let mask = this.keys.length - 1;
    let slot = this.home(key);
    while (this.vals[slot] !== -1) {
      if (this.keys[slot] === key) return this.vals[slot];
      slot = (slot + 1) & mask;
    }
    if (value < 0) throw new CortexError('INTERNAL', 'dictionaryEncode: value missing from its own dictionary');
    if (2 * (this.size + 1) > this.keys.length) {
      this.grow();
      mask = this.keys.length - 1;
      slot = this.home(key);
      while (this.vals[slot] !== -1) slot = (slot + 1) & mask;
    }
    this.keys[slot] = key;
    this.vals[slot] = value;
    this.size++;
    return value;
  }

  private grow(): void {
    const [keys, vals] = [this.keys, this.vals];
    this.keys = new Uint32Array(keys.length * 2);
    this.vals = new Int32Array(keys.length * 2).fill(-1);
    this.shift--;
    const mask = this.keys.length - 1;
    for (let i = 0; i < keys.length; i++) {
      if (vals[i] === -1) continue;
      let slot = this.home(keys[i]);
      while (this.vals[slot] !== -1) slot = (slot + 1) & mask;
      this.keys[slot] = keys[i];
      this.vals[slot] = vals[i];
    }
  }
}

import { describe, expect, it } from 'vitest';
import { createRng } from '../../compute/random.js';
import { dictionaryEncode, NULL_CODE } from '../../warehouse/dictionaryEncode.js';

describe('dictionaryEncode', () => {
  it('encodes a penalty column as an ascending dictionary and codes, NaN as NULL_CODE', () => {
    const grid = [1000, 0.1, 10, 31.622776, 1];
    const rng = createRng(3);
    const values = Float32Array.from({ length: 10_000 }, (_, i) => (i % 17 === 0 ? NaN : grid[Math.floor(rng() * grid.length)]));
    const { dictionary, codes } = dictionaryEncode(values);
    expect([...dictionary]).toEqual([0.1, 1, 10, 31.622776, 1000].map(Math.fround));
    values.forEach((v, i) => expect(Number.isNaN(v) ? codes[i] === NULL_CODE : dictionary[codes[i]] === v).toBe(true));
  });

  it('keeps thousands of distinct values exact (the table grows), and −0 apart from 0', () => {
    const values = Float32Array.from({ length: 5000 }, (_, i) => (i === 1 ? -0 : Math.fround(i / 7)));
    const { dictionary, codes } = dictionaryEncode(values);
    expect(dictionary.length).toBe(5000);
    values.forEach((v, i) => expect(Object.is(dictionary[codes[i]], v)).toBe(true));
  });
});

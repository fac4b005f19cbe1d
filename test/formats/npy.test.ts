import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CortexError } from '../../errors/CortexError.js';
import { npyToFloat32, readNpy, writeNpy } from '../../formats/npy.js';
import { itWith, pythonRequirement } from '../helpers/requirements.js';
import { tempDir } from '../helpers/tmp.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const data = Float32Array.from({ length: 12 }, (_, i) => i * 0.5 - 2);

describe('NPY (formats/npy.ts)', () => {
  it('writes NPY 1.0 files that the reader reads back', () => {
    const bytes = writeNpy(data, [3, 4]);
    expect(bytes.length % 64).toBe(48 % 64); // 64-byte header + 48 data bytes
    expect(new TextDecoder('latin1').decode(bytes.subarray(10, 74)).trimEnd()).toBe("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }");
    const back = readNpy(bytes);
    expect(back.shape).toEqual([3, 4]);
    expect(back.data).toEqual(data);
    expect(readNpy(writeNpy(Int32Array.of(1, 2, 3), [3])).shape).toEqual([3]);
    expect(() => writeNpy(data, [5, 5])).toThrow(new CortexError('BAD_USER_INPUT', 'npy: shape (5, 5) does not hold 12 values', { shape: [5, 5], length: 12 }));
  });

  it('reads Fortran-order float64 arrays into C-order float32', () => {
    // numpy.asfortranarray(numpy.arange(6, dtype='<f8').reshape(2, 3)): columns stored first.
    const header = "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }";
    const padded = header.padEnd(64 - 10 - 1, ' ') + '\n';
    const head = new Uint8Array(10 + padded.length);
    head.set([0x93, ...new TextEncoder().encode('NUMPY'), 1, 0]);
    new DataView(head.buffer).setUint16(8, padded.length, true);
    head.set(new TextEncoder().encode(padded), 10);
    const values = new Uint8Array(Float64Array.of(0, 3, 1, 4, 2, 5).buffer);
    const npy = readNpy(Uint8Array.from([...head, ...values]));
    expect(npy.shape).toEqual([2, 3]);
    expect(Array.from(npyToFloat32(npy))).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('says what is wrong with a file that is not NPY (callers add the file name)', () => {
    expect(() => readNpy(new TextEncoder().encode('not numpy'))).toThrow(new Error('not an .npy file (bad magic string)'));
    expect(() => readNpy(writeNpy(data, [3, 4]).subarray(0, 150))).toThrow(new Error('truncated data: shape (3, 4) needs 48 bytes, file has 22'));
  });

  itWith(pythonRequirement('python3', 'numpy'), 'writes files NumPy reads back', () => {
    const file = join(tmp.dir, 'x.npy');
    writeFileSync(file, writeNpy(data, [3, 4]));
    const py = spawnSync('python3', ['-c', `import numpy as n; a = n.load(${JSON.stringify(file)}); print(a.dtype, a.shape, float(a.sum()), float(a[2, 3]))`], { encoding: 'utf8' });
    expect(py.stdout.trim()).toBe('float32 (3, 4) 9.0 3.5');
  });
});

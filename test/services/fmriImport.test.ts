import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { readNpy, writeNpy } from '../../formats/npy.js';
import { importFmri } from '../../services/importFmri.js';
import { subjectData } from '../../warehouse/fmriRepo.js';
import { Warehouse } from '../../warehouse/Warehouse.js';
import { writeNifti1 } from '../helpers/niftiWriter.js';
import { tempDir } from '../helpers/tmp.js';

describe('fMRI import formats', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('reads NPY in C and Fortran order, float32 and float64, as the same C-order matrix', () => {
    // Fortran-order float64 .npy bytes as numpy writes them for np.asfortranarray([[1,2,3],[4,5,6]]).
    const header = "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }";
    const padded = header.padEnd(128 - 10 - 1, ' ') + '\n';
    const bytes = new Uint8Array(128 + 6 * 8);
    bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
    new DataView(bytes.buffer).setUint16(8, padded.length, true);
    bytes.set(new TextEncoder().encode(padded), 10);
    bytes.set(new Uint8Array(Float64Array.from([1, 4, 2, 5, 3, 6]).buffer), 128);
    const f = readNpy(bytes);
    expect([f.dtype, f.shape, Array.from(f.data as Float64Array)]).toEqual(['f8', [2, 3], [1, 2, 3, 4, 5, 6]]);
    const c = readNpy(writeNpy(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]));
    expect([c.dtype, c.shape, Array.from(c.data as Float32Array)]).toEqual(['f4', [2, 3], [1, 2, 3, 4, 5, 6]]);
    expect(() => readNpy(new Uint8Array([1, 2, 3]))).toThrow('not an .npy file (bad magic string)');
  });

  it('imports NIfTI-1 runs (plain and gzipped) through a brain mask, with ROI masks and mm coordinates', async () => {
    const dir = join(tmp.dir, 'nifti');
    mkdirSync(join(dir, 'S01'), { recursive: true });
    const [nx, ny, nz] = [4, 3, 2];
    const spatial = nx * ny * nz;
    const affine = [[2, 0, 0, -10], [0, 2, 0, -20], [0, 0, 3, 5]];
    const mask = new Float32Array(spatial);
    [1, 5, 6, 13, 22].forEach((i) => (mask[i] = 1));
    const roi = new Float32Array(spatial);
    roi[5] = roi[22] = 1;
    const run = (nt: number, seed: number) => Float32Array.from({ length: spatial * nt }, (_, i) => Math.sin(i * 0.37 + seed) * 10 + seed);
    const runs = { r1: run(20, 1), r2: run(20, 2), t1: run(12, 3) };
    for (const [id, data] of Object.entries(runs)) {
      const bytes = writeNifti1(data, [nx, ny, nz, data.length / spatial], affine);
      writeFileSync(join(dir, 'S01', `${id}.nii${id === 'r2' ? '.gz' : ''}`), id === 'r2' ? gzipSync(bytes) : bytes);
    }
    writeFileSync(join(dir, 'S01', 'mask.nii'), writeNifti1(mask, [nx, ny, nz], affine));
    writeFileSync(join(dir, 'S01', 'roi_AC.nii'), writeNifti1(roi, [nx, ny, nz], affine));
    const words = (n: number) => ({ words: Array.from({ length: n }, (_, i) => ({ word: `w${i}`, onset: i, offset: i + 0.5 })) });
    writeFileSync(join(dir, 'r1.json'), JSON.stringify(words(30)));
    writeFileSync(join(dir, 'r2.json'), JSON.stringify(words(30)));
    writeFileSync(join(dir, 't1.json'), JSON.stringify(words(20)));
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({
      format: 'cortexql-fmri/1',
      dataset: { id: 'nifti-ds', trSeconds: 2 },
      runs: [
        { id: 'r1', split: 'train', nTrs: 20, transcript: 'r1.json' },
        { id: 'r2', split: 'train', nTrs: 20, transcript: 'r2.json' },
        { id: 't1', split: 'test', nTrs: 12, transcript: 't1.json' },
      ],
      subjects: [{ id: 'S01', mask: 'S01/mask.nii', rois: { AC: 'S01/roi_AC.nii' },
        responses: { r1: { nifti: 'S01/r1.nii' }, r2: { nifti: 'S01/r2.nii.gz' }, t1: [{ nifti: 'S01/t1.nii' }] } }],
    }));

    const wh = await Warehouse.create({ path: ':memory:' });
    const report = await importFmri(wh, join(dir, 'manifest.json'));
    expect(report).toEqual({ dataset: 'nifti-ds', runs: 3, subjects: 1, voxels: 5, words: 80, replacedScores: 0 });
    const data = await subjectData(wh, 'nifti-ds', 'S01');
    expect(data.roi).toEqual(['other', 'AC', 'other', 'other', 'AC']);
    const r2 = data.responses.get('r2')![0];
    // TR 7, mask voxel 3 (spatial index 13) of run r2, centred on that voxel's mean over the run (in float64):
    let mean = 0;
    for (let t = 0; t < 20; t++) mean += runs.r2[t * spatial + 13];
    mean /= 20;
    expect(r2[7 * 5 + 3]).toBe(Math.fround(runs.r2[7 * spatial + 13] - mean));
    // Spatial index 13 = (i 1, j 0, k 1) → mm (2·1 − 10, 2·0 − 20, 3·1 + 5).
    expect(await wh.all("SELECT x, y, z FROM voxels WHERE dataset_id = 'nifti-ds' AND voxel = 3")).toEqual([{ x: -8, y: -20, z: 8 }]);
    await wh.close();
  });
});

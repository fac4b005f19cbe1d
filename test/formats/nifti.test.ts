import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { maskTimeseries, niftiValue, readNifti, roiVoxels } from '../../formats/nifti.js';
import { writeNifti1 } from '../helpers/niftiWriter.js';

// A 2×2×1 grid, 3 mm voxels, origin at (-3, 6, 9) mm; three volumes whose value is 10·t + voxel.
const AFFINE = [[3, 0, 0, -3], [0, 3, 0, 6], [0, 0, 3, 9], [0, 0, 0, 1]] as const;
const RUN = Float32Array.from({ length: 12 }, (_, i) => 10 * Math.floor(i / 4) + (i % 4));
const MASK = Float32Array.of(1, 0, 1, 1);

describe('NIfTI (formats/nifti.ts)', () => {
  it('reads a 4D run and its affine, from .nii and from .nii.gz', () => {
    for (const bytes of [writeNifti1(RUN, [2, 2, 1, 3], AFFINE), gzipSync(writeNifti1(RUN, [2, 2, 1, 3], AFFINE))]) {
      const image = readNifti(bytes);
      expect(image.dims).toEqual([2, 2, 1, 3]);
      expect(Float32Array.from({ length: RUN.length }, (_, i) => niftiValue(image, i))).toEqual(RUN);
      expect(image.affine.slice(0, 3)).toEqual(AFFINE.slice(0, 3));
      expect(image.affineFrom).toBe('sform');
    }
  });

  it('cuts a run to the mask: TR × voxel time series and each voxel’s mm coordinates', () => {
    const run = readNifti(writeNifti1(RUN, [2, 2, 1, 3], AFFINE));
    const mask = readNifti(writeNifti1(MASK, [2, 2, 1], AFFINE));
    const cut = maskTimeseries(run, mask);
    expect([cut.nTrs, cut.nVoxels]).toEqual([3, 3]);
    expect(Array.from(cut.matrix)).toEqual([0, 2, 3, 10, 12, 13, 20, 22, 23]);
    // Voxels 0, 2, 3 are (i, j) = (0, 0), (0, 1), (1, 1).
    expect(Array.from(cut.coords)).toEqual([-3, 6, 9, -3, 9, 9, 0, 9, 9]);
    expect(roiVoxels(mask, readNifti(writeNifti1(Float32Array.of(0, 1, 1, 0), [2, 2, 1], AFFINE)))).toEqual([1]);
  });

  it('says what is wrong with a file that is not NIfTI or does not fit the mask', () => {
    expect(() => readNifti(new TextEncoder().encode('not an image'))).toThrow(new Error('not a NIfTI file'));
    const run = readNifti(writeNifti1(RUN, [2, 2, 1, 3], AFFINE));
    const wide = readNifti(writeNifti1(new Float32Array(6).fill(1), [3, 2, 1], AFFINE));
    expect(() => maskTimeseries(run, wide)).toThrow(new Error('mask is 3×2×1 but the run is 2×2×1'));
    const empty = readNifti(writeNifti1(new Float32Array(4), [2, 2, 1], AFFINE));
    expect(() => maskTimeseries(run, empty)).toThrow(new Error('the mask selects no voxel: every value is 0 (a voxel is in the mask where its value is non-zero)'));
  });
});

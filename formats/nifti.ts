import * as nifti from 'nifti-reader-js';
import { bestAffine, type Affine } from './niftiAffine.js';

/**
 * A NIfTI image: dims [nx, ny, nz, nt] (nt = 1 for 3D), its voxel values (x fastest, then y, z,
 * t) as stored, in native byte order, and the voxel → mm affine nibabel would give it.
 * `value(i)` applies the header's scaling.
 */
export interface NiftiImage {
  readonly dims: readonly [number, number, number, number];
  readonly affine: Affine;
  /** Which header field the affine came from (nibabel's get_best_affine order). */
  readonly affineFrom: 'sform' | 'qform' | 'pixdim';
  readonly raw: ArrayLike<number>;
  readonly slope: number;
  readonly inter: number;
}

// NIfTI-1/2 datatype codes (nifti1.h) and how to view their bytes.
const TYPES: Record<number, { bytes: number; view: (b: ArrayBuffer) => ArrayLike<number> }> = {
  2: { bytes: 1, view: (b) => new Uint8Array(b) },
  4: { bytes: 2, view: (b) => new Int16Array(b) },
  8: { bytes: 4, view: (b) => new Int32Array(b) },
  16: { bytes: 4, view: (b) => new Float32Array(b) },
  64: { bytes: 8, view: (b) => new Float64Array(b) },
  256: { bytes: 1, view: (b) => new Int8Array(b) },
  512: { bytes: 2, view: (b) => new Uint16Array(b) },
  768: { bytes: 4, view: (b) => new Uint32Array(b) },
};

/**
 * Reads a NIfTI-1 or NIfTI-2 file (.nii or .nii.gz; either byte order) with nifti-reader-js for
 * the header, taking the affine by nibabel's rules (niftiAffine.ts); throws an Error saying what
 * is wrong.
 */
export function readNifti(bytes: Uint8Array): NiftiImage {
  let buffer: ArrayBuffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  if (nifti.isCompressed(buffer)) buffer = nifti.decompress(buffer) as ArrayBuffer;
  if (!nifti.isNIFTI(buffer)) throw new Error('not a NIfTI file');
  const header = nifti.readHeader(buffer);
  if (!header) throw new Error('not a NIfTI file');
  const type = TYPES[header.datatypeCode];
  if (!type) throw new Error(`unsupported NIfTI datatype code ${header.datatypeCode} (integers, float32 and float64 are read)`);
  const rank = header.dims[0];
  const [nx, ny, nz, nt] = [1, 2, 3, 4].map((i) => (i <= rank ? Math.max(1, header.dims[i]) : 1)) as [number, number, number, number];
  if (rank > 4 && header.dims.slice(5, rank + 1).some((d) => d > 1)) throw new Error(`a ${rank}-D image (dims ${header.dims.slice(1, rank + 1).join('×')}); 3-D or 4-D only`);
  const count = nx * ny * nz * nt;
  const image = nifti.readImage(header, buffer);
  if (image.byteLength < count * type.bytes) throw new Error(`truncated image data: expected ${count * type.bytes} bytes, found ${image.byteLength}`);
  const data = image.slice(0, count * type.bytes);
  if (!header.littleEndian && type.bytes > 1) swapBytes(new Uint8Array(data), type.bytes);
  // Scaling applies when scl_slope is non-zero (nifti1.h: "If the scl_slope field is nonzero").
  const scaled = header.scl_slope !== 0 && Number.isFinite(header.scl_slope);
  const { affine, from } = bestAffine({
    qformCode: header.qform_code,
    sformCode: header.sform_code,
    pixdim: header.pixDims,
    dim: header.dims,
    quatern: [header.quatern_b, header.quatern_c, header.quatern_d],
    qoffset: [header.qoffset_x, header.qoffset_y, header.qoffset_z],
    srow: srowOf(buffer, header instanceof nifti.NIFTI2, header.littleEndian),
    float64: header instanceof nifti.NIFTI2,
  });
  return {
    dims: [nx, ny, nz, nt],
    affine,
    affineFrom: from,
    raw: type.view(data),
    slope: scaled ? header.scl_slope : 1,
    inter: scaled && Number.isFinite(header.scl_inter) ? header.scl_inter : 0,
  };
}

/** srow_x/y/z: float32 at bytes 280/296/312 in NIfTI-1, float64 at 400/432/464 in NIfTI-2 (nifti1.h, nifti2.h). */
function srowOf(buffer: ArrayBuffer, nifti2: boolean, littleEndian: boolean): number[][] {
  const view = new DataView(buffer);
  return [0, 1, 2].map((r) =>
    [0, 1, 2, 3].map((c) => (nifti2 ? view.getFloat64(400 + 32 * r + 8 * c, littleEndian) : view.getFloat32(280 + 16 * r + 4 * c, littleEndian))),
  );
}

/** Big-endian → native (little-endian) order, in place. */
function swapBytes(bytes: Uint8Array, size: number): void {
  for (let i = 0; i + size <= bytes.length; i += size) bytes.subarray(i, i + size).reverse();
}

/** The scaled value of voxel `i` (flat index, x fastest). */
export function niftiValue(img: NiftiImage, i: number): number {
  return img.raw[i] * img.slope + img.inter;
}

/** A mask voxel is selected when its value is non-zero (NaN counts as zero): labels such as -1 select, as nibabel users expect. */
function selected(mask: NiftiImage, i: number): boolean {
  const v = niftiValue(mask, i);
  return v !== 0 && !Number.isNaN(v);
}

/** Spatial indices (x fastest) the mask selects, in order; throws when it selects none. */
export function maskIndices(mask: NiftiImage): number[] {
  const [mx, my, mz] = mask.dims;
  const out: number[] = [];
  for (let i = 0; i < mx * my * mz; i++) if (selected(mask, i)) out.push(i);
  if (out.length === 0) throw new Error('the mask selects no voxel: every value is 0 (a voxel is in the mask where its value is non-zero)');
  return out;
}

/**
 * A 4D run restricted to the mask: nt × nMask time series as float64 (scaled, before any
 * narrowing), and each mask voxel's mm coordinates from the mask's affine.
 */
export function maskTimeseries(run: NiftiImage, mask: NiftiImage): { matrix: Float64Array; nTrs: number; coords: Float32Array; nVoxels: number } {
  const [nx, ny, nz, nt] = run.dims;
  const [mx, my, mz] = mask.dims;
  if (mx !== nx || my !== ny || mz !== nz) throw new Error(`mask is ${mx}×${my}×${mz} but the run is ${nx}×${ny}×${nz}`);
  const spatial = nx * ny * nz;
  const inMask = maskIndices(mask);
  const matrix = new Float64Array(nt * inMask.length);
  for (let t = 0; t < nt; t++) {
    const frame = t * spatial;
    for (let v = 0; v < inMask.length; v++) matrix[t * inMask.length + v] = niftiValue(run, frame + inMask[v]);
  }
  return { matrix, nTrs: nt, coords: maskCoordinates(mask, inMask), nVoxels: inMask.length };
}

/** Indices (into the mask's voxels, in mask order) of the voxels where `roi` is non-zero. */
export function roiVoxels(mask: NiftiImage, roi: NiftiImage): number[] {
  if (roi.dims.slice(0, 3).join() !== mask.dims.slice(0, 3).join()) {
    throw new Error(`ROI is ${roi.dims.slice(0, 3).join('×')} but the mask is ${mask.dims.slice(0, 3).join('×')}`);
  }
  const out: number[] = [];
  maskIndices(mask).forEach((i, v) => {
    if (selected(roi, i)) out.push(v);
  });
  return out;
}

/** mm coordinates of voxel indices via the image affine (x-fastest voxel order). */
function maskCoordinates(mask: NiftiImage, voxels: readonly number[]): Float32Array {
  const [nx, ny] = mask.dims;
  const a = mask.affine;
  const out = new Float32Array(voxels.length * 3);
  voxels.forEach((index, v) => {
    const i = index % nx;
    const j = Math.floor(index / nx) % ny;
    const k = Math.floor(index / (nx * ny));
    for (let r = 0; r < 3; r++) out[v * 3 + r] = a[r][0] * i + a[r][1] * j + a[r][2] * k + a[r][3];
  });
  return out;
}

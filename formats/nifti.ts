import * as nifti from 'nifti-reader-js';

/** A NIfTI image: dims [nx, ny, nz, nt] (nt = 1 for 3D), values x-fastest, and the voxel→mm affine. */
export interface NiftiImage {
  readonly dims: readonly [number, number, number, number];
  readonly data: Float32Array;
  readonly affine: readonly (readonly number[])[];
}

// NIfTI-1 datatype codes (nifti1.h) and how to view their bytes.
const VIEWS: Record<number, (b: ArrayBuffer) => ArrayLike<number>> = {
  2: (b) => new Uint8Array(b),
  4: (b) => new Int16Array(b),
  8: (b) => new Int32Array(b),
  16: (b) => new Float32Array(b),
  64: (b) => new Float64Array(b),
  256: (b) => new Int8Array(b),
  512: (b) => new Uint16Array(b),
  768: (b) => new Uint32Array(b),
};

/** Reads a NIfTI-1/2 file (.nii or .nii.gz) with nifti-reader-js; throws an Error saying what is wrong. */
export function readNifti(bytes: Uint8Array): NiftiImage {
  let buffer: ArrayBuffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  if (nifti.isCompressed(buffer)) buffer = nifti.decompress(buffer) as ArrayBuffer;
  if (!nifti.isNIFTI(buffer)) throw new Error('not a NIfTI file');
  const header = nifti.readHeader(buffer);
  if (!header.littleEndian) throw new Error('big-endian NIfTI files are not supported');
  const view = VIEWS[header.datatypeCode];
  if (!view) throw new Error(`unsupported NIfTI datatype code ${header.datatypeCode}`);
  const rank = header.dims[0];
  const [nx, ny, nz, nt] = [1, 2, 3, 4].map((i) => (i <= rank ? Math.max(1, header.dims[i]) : 1)) as [number, number, number, number];
  const count = nx * ny * nz * nt;
  const image = nifti.readImage(header, buffer);
  const bytesPerVoxel = header.numBitsPerVoxel / 8;
  if (image.byteLength < count * bytesPerVoxel) throw new Error(`truncated image data: expected ${count * bytesPerVoxel} bytes, found ${image.byteLength}`);
  const raw = view(image.slice(0, count * bytesPerVoxel));
  // Scaling applies when scl_slope is set (nifti1.h: "If the scl_slope field is nonzero").
  const slope = header.scl_slope && Number.isFinite(header.scl_slope) ? header.scl_slope : 1;
  const inter = header.scl_slope && Number.isFinite(header.scl_inter) ? header.scl_inter : 0;
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = raw[i] * slope + inter;
  return { dims: [nx, ny, nz, nt], data, affine: header.affine };
}

/** A 4D run restricted to a mask: nt × nMask time series and each mask voxel's mm coordinates. */
export function maskTimeseries(run: NiftiImage, mask: NiftiImage): { matrix: Float32Array; nTrs: number; coords: Float32Array; nVoxels: number } {
  const [nx, ny, nz, nt] = run.dims;
  const [mx, my, mz] = mask.dims;
  if (mx !== nx || my !== ny || mz !== nz) throw new Error(`mask is ${mx}×${my}×${mz} but the run is ${nx}×${ny}×${nz}`);
  const spatial = nx * ny * nz;
  const inMask: number[] = [];
  for (let i = 0; i < spatial; i++) if (mask.data[i] > 0) inMask.push(i);
  const matrix = new Float32Array(nt * inMask.length);
  for (let t = 0; t < nt; t++) {
    const frame = t * spatial;
    for (let v = 0; v < inMask.length; v++) matrix[t * inMask.length + v] = run.data[frame + inMask[v]];
  }
  return { matrix, nTrs: nt, coords: maskCoordinates(mask, inMask), nVoxels: inMask.length };
}

/** Indices (into the mask's voxels, in mask order) of the voxels where `roi` is nonzero. */
export function roiVoxels(mask: NiftiImage, roi: NiftiImage): number[] {
  if (roi.dims.slice(0, 3).join() !== mask.dims.slice(0, 3).join()) {
    throw new Error(`ROI is ${roi.dims.slice(0, 3).join('×')} but the mask is ${mask.dims.slice(0, 3).join('×')}`);
  }
  const out: number[] = [];
  let v = 0;
  for (let i = 0; i < mask.data.length / mask.dims[3]; i++) {
    if (mask.data[i] > 0) {
      if (roi.data[i] > 0) out.push(v);
      v++;
    }
  }
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

/**
 * A minimal NIfTI-1 writer for tests (single .nii file, float32, sform affine), following the
 * nifti1.h header layout: 348-byte header, 4-byte extension flag, data at vox_offset 352.
 */
export function writeNifti1(data: Float32Array, dims: readonly number[], affine: readonly (readonly number[])[]): Uint8Array {
  const out = new Uint8Array(352 + data.byteLength);
  const v = new DataView(out.buffer);
  v.setInt32(0, 348, true); // sizeof_hdr
  v.setInt16(40, dims.length, true); // dim[0]
  dims.forEach((d, i) => v.setInt16(42 + 2 * i, d, true)); // dim[1..]
  for (let i = dims.length + 1; i < 8; i++) v.setInt16(40 + 2 * i, 1, true);
  v.setInt16(70, 16, true); // datatype FLOAT32
  v.setInt16(72, 32, true); // bitpix
  v.setFloat32(76, 1, true); // pixdim[0] = qfac
  for (let i = 1; i < 8; i++) v.setFloat32(76 + 4 * i, 1, true);
  v.setFloat32(108, 352, true); // vox_offset
  v.setFloat32(112, 1, true); // scl_slope
  v.setInt16(254, 1, true); // sform_code: scanner anatomical
  for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) v.setFloat32(280 + 16 * r + 4 * c, affine[r][c], true);
  out.set(new TextEncoder().encode('n+1\0'), 344);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 352);
  return out;
}

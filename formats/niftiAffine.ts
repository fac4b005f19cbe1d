/**
 * The voxel → mm affine of a NIfTI-1/2 header, by nibabel's rules (nibabel/nifti1.py,
 * `Nifti1Header.get_best_affine`): the sform whenever `sform_code` is non-zero; else the qform
 * when `qform_code` is non-zero; else the "base affine" from the voxel sizes alone
 * (nibabel/affines.py `shape_zoom_affine`, x flipped, centred on the grid). nibabel fixes two
 * header faults on load, and so does this: negative pixdims are used by magnitude, and a qfac
 * (`pixdim[0]`) other than -1 counts as 1.
 */
export interface AffineHeader {
  readonly qformCode: number;
  readonly sformCode: number;
  /** pixdim[0..3]: qfac, then the voxel sizes. */
  readonly pixdim: readonly number[];
  /** dim[0..3]: rank, then the grid size. */
  readonly dim: readonly number[];
  readonly quatern: readonly [number, number, number];
  readonly qoffset: readonly [number, number, number];
  /** srow_x, srow_y, srow_z. */
  readonly srow: readonly (readonly number[])[];
  /** NIfTI-2 stores the quaternion as float64, NIfTI-1 as float32: nibabel's tolerance for 1 − (b² + c² + d²) < 0 follows. */
  readonly float64: boolean;
}

export type Affine = readonly (readonly number[])[];

export function bestAffine(h: AffineHeader): { affine: Affine; from: 'sform' | 'qform' | 'pixdim' } {
  // (+ 0 turns -0 into 0: the same point, one spelling.)
  const tidy = (a: Affine) => a.map((row) => row.map((v) => v + 0));
  if (h.sformCode !== 0) return { affine: tidy([...h.srow, [0, 0, 0, 1]]), from: 'sform' };
  if (h.qformCode !== 0) return { affine: tidy(qformAffine(h)), from: 'qform' };
  return { affine: tidy(baseAffine(h)), from: 'pixdim' };
}

/** nifti1.h method 2: R from the quaternion (b, c, d) with a = sqrt(1 − b² − c² − d²), scaled by the voxel sizes, z by qfac. */
export function qformAffine(h: AffineHeader): Affine {
  const [b, c, d] = h.quatern;
  let w2 = 1 - (b * b + c * c + d * d);
  // nibabel quaternions.fillpositive: a slightly negative w² is rounding (3 eps of the stored float type).
  const threshold = -3 * (h.float64 ? Number.EPSILON : 2 ** -23);
  if (w2 < 0) {
    if (w2 < threshold) throw new Error(`the qform quaternion (${b}, ${c}, ${d}) is not a rotation: b² + c² + d² > 1`);
    w2 = 0;
  }
  const r = quaternionMatrix(Math.sqrt(w2), b, c, d);
  const zooms = [1, 2, 3].map((i) => Math.abs(h.pixdim[i] ?? 1));
  const qfac = h.pixdim[0] === -1 ? -1 : 1;
  zooms[2] *= qfac;
  return [
    [r[0][0] * zooms[0], r[0][1] * zooms[1], r[0][2] * zooms[2], h.qoffset[0]],
    [r[1][0] * zooms[0], r[1][1] * zooms[1], r[1][2] * zooms[2], h.qoffset[1]],
    [r[2][0] * zooms[0], r[2][1] * zooms[1], r[2][2] * zooms[2], h.qoffset[2]],
    [0, 0, 0, 1],
  ];
}

/** nibabel quaternions.quat2mat: the rotation of the unit quaternion (w, x, y, z) (identity for a zero quaternion). */
function quaternionMatrix(w: number, x: number, y: number, z: number): number[][] {
  const n = w * w + x * x + y * y + z * z;
  if (n < Number.EPSILON) return [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
  const s = 2 / n;
  const [X, Y, Z] = [x * s, y * s, z * s];
  const [wX, wY, wZ, xX, xY, xZ, yY, yZ, zZ] = [w * X, w * Y, w * Z, x * X, x * Y, x * Z, y * Y, y * Z, z * Z];
  return [
    [1 - (yY + zZ), xY - wZ, xZ + wY],
    [xY + wZ, 1 - (xX + zZ), yZ - wX],
    [xZ - wY, yZ + wX, 1 - (xX + yY)],
  ];
}

/** nibabel shape_zoom_affine(shape, zooms, x_flip=True): voxel sizes on the diagonal, x flipped, the grid's centre at 0 mm. */
export function baseAffine(h: AffineHeader): Affine {
  const rank = Math.max(0, Math.min(3, h.dim[0] ?? 3));
  const shape = [1, 2, 3].map((i) => (i <= rank ? h.dim[i] : 1));
  const zooms = [1, 2, 3].map((i) => (i <= rank ? Math.abs(h.pixdim[i]) : 1));
  zooms[0] *= -1;
  const out = [[zooms[0], 0, 0, 0], [0, zooms[1], 0, 0], [0, 0, zooms[2], 0], [0, 0, 0, 1]];
  for (let i = 0; i < 3; i++) out[i][3] = (-(shape[i] - 1) / 2) * zooms[i];
  return out;
}

/**
 * Voxels of a simulated subject: ROI labels, MNI-like coordinates (mm, 3 mm grid) and what drives
 * each ROI's responses.
 *
 * Default ROIs (left hemisphere centres after the language-network literature, e.g. Fedorenko et
 * al. 2010; the early auditory and visual centres as controls):
 *   AC   auditory cortex           driven by low-level features (word rate, word length)
 *   STS  superior temporal sulcus  driven by the brain feature space, strong
 *   IFG  inferior frontal gyrus    driven by the brain feature space, medium
 *   AG   angular gyrus             driven by the brain feature space, weaker
 *   PCC  posterior cingulate       driven by the brain feature space, weak
 *   V1   primary visual cortex     no stimulus drive: noise only (scores ≈ 0)
 * `amplitude` is the voxel's signal SD in units of its noise SD, drawn uniformly from the ROI's
 * range, so a perfect model's expected test r on one presentation is a/√(1 + a²).
 */
import { badInput } from '../../errors/CortexError.js';
import { createNormal, createRng } from '../random.js';

export type RoiDriver = 'brain' | 'lowLevel' | 'none';

export interface RoiSpec {
  readonly name: string;
  readonly center: readonly [number, number, number];
  readonly driver: RoiDriver;
  /** Signal-to-noise SD ratio range [min, max]. */
  readonly amplitude: readonly [number, number];
  /** Relative share of the subject's voxels. */
  readonly share: number;
}

export const DEFAULT_ROIS: readonly RoiSpec[] = [
  { name: 'AC', center: [-50, -22, 8], driver: 'lowLevel', amplitude: [0.4, 1.0], share: 1 },
  { name: 'STS', center: [-54, -34, 0], driver: 'brain', amplitude: [0.5, 1.2], share: 1.5 },
  { name: 'IFG', center: [-48, 22, 12], driver: 'brain', amplitude: [0.35, 0.9], share: 1.2 },
  { name: 'AG', center: [-46, -64, 30], driver: 'brain', amplitude: [0.25, 0.7], share: 1 },
  { name: 'PCC', center: [-6, -52, 28], driver: 'brain', amplitude: [0.15, 0.5], share: 0.8 },
  { name: 'V1', center: [-8, -90, 2], driver: 'none', amplitude: [0, 0], share: 0.7 },
];

export interface VoxelLayout {
  readonly nVoxels: number;
  readonly roi: string[];
  readonly driver: RoiDriver[];
  /** nVoxels × 3 (x, y, z in mm). */
  readonly coords: Float32Array;
  readonly amplitude: Float32Array;
}

/**
 * `nVoxels` voxels split over the ROIs by share; each ROI takes the grid points nearest its
 * centre (jittered by ±3 mm per subject), so ROIs are compact blobs.
 */
export function voxelLayout(options: { readonly seed: number; readonly nVoxels: number; readonly rois?: readonly RoiSpec[] }): VoxelLayout {
  const rois = options.rois ?? DEFAULT_ROIS;
  const { nVoxels, seed } = options;
  if (!Number.isInteger(nVoxels) || nVoxels < rois.length) {
    throw badInput(`a subject needs at least one voxel per ROI (${rois.length}), got ${nVoxels}`, { nVoxels });
  }
  const rng = createRng(seed);
  const normal = createNormal(rng);
  const total = rois.reduce((s, r) => s + r.share, 0);
  const counts = rois.map((r) => Math.max(1, Math.floor((nVoxels * r.share) / total)));
  counts[counts.length - 1] += nVoxels - counts.reduce((a, b) => a + b, 0);

  const roi: string[] = [];
  const driver: RoiDriver[] = [];
  const coords = new Float32Array(nVoxels * 3);
  const amplitude = new Float32Array(nVoxels);
  const used = new Set<string>();
  let v = 0;
  rois.forEach((spec, k) => {
    const c = spec.center.map((x) => x + 3 * Math.max(-1, Math.min(1, normal())));
    // Grid points within a radius that holds enough of them, nearest first.
    const radius = Math.ceil(Math.cbrt((3 * 2 * counts[k]) / (4 * Math.PI)) + 2) * 3; // room for twice the count
    const points: [number, number, number, number][] = [];
    for (let dx = -radius; dx <= radius; dx += 3) {
      for (let dy = -radius; dy <= radius; dy += 3) {
        for (let dz = -radius; dz <= radius; dz += 3) {
          const p: [number, number, number] = [3 * Math.round(c[0] / 3) + dx, 3 * Math.round(c[1] / 3) + dy, 3 * Math.round(c[2] / 3) + dz];
          points.push([...p, (p[0] - c[0]) ** 2 + (p[1] - c[1]) ** 2 + (p[2] - c[2]) ** 2]);
        }
      }
    }
    points.sort((a, b) => a[3] - b[3] || a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
    // A grid point belongs to one voxel: ROIs that touch split the boundary, first come first served.
    let taken = 0;
    for (const point of points) {
      if (taken === counts[k]) break;
      const key = point.slice(0, 3).join(',');
      if (used.has(key)) continue;
      used.add(key);
      roi.push(spec.name);
      driver.push(spec.driver);
      coords.set(point.slice(0, 3), v * 3);
      amplitude[v] = spec.amplitude[0] + (spec.amplitude[1] - spec.amplitude[0]) * rng();
      taken++;
      v++;
    }
  });
  return { nVoxels, roi, driver, coords, amplitude };
}

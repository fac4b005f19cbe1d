import { noiseCeilingStats } from '../warehouse/brainScoresRepo.js';
import type { Warehouse } from '../warehouse/Warehouse.js';
import { requireDataset, requireRoi, requireSubject } from './requireKnown.js';

/** How the stored ceilings are estimated (compute/encoding/noiseCeiling.ts), as the API states it. */
export const NOISE_CEILING_ESTIMATOR =
  'CC_max of Schoppe, Harper, Willmore, King & Schnupp 2016 (Front. Comput. Neurosci. 10:10; Sahani & Linden 2003): ' +
  'the largest correlation a model can reach with the repeat-averaged test response, from the signal power of the ' +
  'repeated test presentations (each centred per run, runs concatenated)';

export interface NoiseCeilingSummary {
  readonly datasetId: string;
  readonly roi: string;
  readonly subjectId: string | null;
  readonly available: boolean;
  /** Why `available` is false. */
  readonly reason: string | null;
  readonly estimator: string;
  readonly repeats: number | null;
  readonly nVoxels: number;
  readonly nWithCeiling: number;
  readonly mean: number | null;
  readonly median: number | null;
}

/** The noise ceiling of a dataset's ROI (one subject, or all): available with its statistics, or not, with the reason. */
export async function noiseCeiling(wh: Warehouse, datasetId: string, roi: string, subjectId: string | null): Promise<NoiseCeilingSummary> {
  const catalog = await requireDataset(wh, datasetId);
  requireRoi(catalog, roi);
  if (subjectId !== null) requireSubject(catalog, subjectId);
  const stats = await noiseCeilingStats(wh, datasetId, roi, subjectId);
  const available = stats.nWithCeiling > 0;
  const reason = available
    ? null
    : stats.repeats === null
      ? 'no test run of this dataset was presented more than once (one response file per test run), so there is nothing to estimate trial-to-trial noise from'
      : 'no voxel of the selection has repeatable signal (signal power ≤ 0 in every voxel), or the dataset was imported before ceilings were stored: import it again';
  return { datasetId, roi, subjectId, available, reason, estimator: NOISE_CEILING_ESTIMATOR, ...stats };
}

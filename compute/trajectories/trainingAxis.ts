/**
 * Where a checkpoint sits in training, on the axes trajectories are drawn, compared and segmented
 * on. The one place an axis is picked: phase detection, model comparison and phase comparison all
 * place checkpoints through `axisPosition`.
 */

/** One checkpoint, in training order. */
export interface CheckpointPoint {
  readonly step: number;
  /** Tokens seen at this checkpoint; null when unknown. */
  readonly tokens: number | null;
  /** Fraction of the training run completed (0–1); null when unknown. */
  readonly fraction: number | null;
}

/** The common axes on which models are compared (GraphQL `AlignBy`). */
export const TrainingAxis = {
  STEP: 'STEP',
  TOKENS: 'TOKENS',
  FRACTION: 'FRACTION',
} as const;
export type TrainingAxis = (typeof TrainingAxis)[keyof typeof TrainingAxis];

/** The axes phase detection segments on: the training axes, and log10 of tokens or steps. */
export const PhaseAxis = {
  LOG_TOKENS: 'LOG_TOKENS',
  TOKENS: 'TOKENS',
  STEP: 'STEP',
  LOG_STEP: 'LOG_STEP',
  FRACTION: 'FRACTION',
} as const;
export type PhaseAxis = (typeof PhaseAxis)[keyof typeof PhaseAxis];
export const PHASE_AXES: readonly PhaseAxis[] = Object.values(PhaseAxis);

/** x of a checkpoint on `axis`, or the reason it has none. */
export function axisPosition(p: CheckpointPoint, axis: PhaseAxis): number | string {
  switch (axis) {
    case 'STEP':
      return p.step;
    case 'LOG_STEP':
      return p.step > 0 ? Math.log10(p.step) : `step ${p.step} has no log10`;
    case 'TOKENS':
      return p.tokens === null ? 'tokens unknown' : p.tokens;
    case 'LOG_TOKENS':
      if (p.tokens === null) return 'tokens unknown';
      return p.tokens > 0 ? Math.log10(p.tokens) : `tokens ${p.tokens} has no log10`;
    case 'FRACTION':
      return p.fraction === null ? 'fraction unknown' : p.fraction;
  }
}

/** x of a checkpoint on `axis`, or null where it has none (see `axisPosition` for why). */
export function axisValue(p: CheckpointPoint, axis: PhaseAxis): number | null {
  const x = axisPosition(p, axis);
  return typeof x === 'number' ? x : null;
}

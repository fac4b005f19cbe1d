import type { CheckpointPoint, PhaseAxis } from '../compute/trajectories/trainingAxis.js';
import { badInput } from '../errors/CortexError.js';
import type { ModelRow } from '../warehouse/modelsRepo.js';

/**
 * Refuses an axis a model cannot be placed on, saying which fact is missing and how to add it —
 * rather than letting every checkpoint drop out and the numerics report "0 values". Tokens need
 * tokens per step (or per-checkpoint token counts); a fraction of training needs the final step.
 */
export function requireAxisFacts(model: Pick<ModelRow, 'modelId' | 'tokensPerStep' | 'finalStep'>, points: readonly CheckpointPoint[], axis: PhaseAxis): void {
  const id = model.modelId;
  if ((axis === 'TOKENS' || axis === 'LOG_TOKENS') && points.length > 0 && points.every((p) => p.tokens === null)) {
    throw badInput(
      `model '${id}' has no tokens per step, so its checkpoints have no token counts to place on ${axis}: register them with ` +
        `\`cortexql register model ${id} --tokens-per-step N\` (or \`--family pythia\` for a Pythia-style run), or the registerModel ` +
        `mutation's tokensPerStep; or use the STEP axis`,
      { model: id, axis, missing: 'tokensPerStep' },
    );
  }
  if (axis === 'FRACTION' && points.length > 0 && points.every((p) => p.fraction === null)) {
    throw badInput(
      `model '${id}' has no final step, so its checkpoints have no fraction of training: register it with ` +
        `\`cortexql register model ${id} --final-step N\` (or \`--family pythia\`), or the registerModel mutation's finalStep; or use STEP or TOKENS`,
      { model: id, axis, missing: 'finalStep' },
    );
  }
}

/**
 * An lm-evaluation-harness v0.3 results document (the format of EleutherAI's Pythia evals, which
 * formats/lmEvalResults.ts reads): `results.<task>.acc` and `acc_stderr`, `versions`,
 * and `config.model_args = "pretrained=<model>,revision=step<N>"`, from which the importer takes
 * the model and the step.
 *
 *   lmEvalV03Document('sim-tinygpt', 1000, [{ task: 'sim_piqa', acc: 0.5, accStderr: 0.0117 }])
 */
import type { PlantedTaskScore } from './plantedSchedule.js';

export function lmEvalV03Document(model: string, step: number, scores: readonly PlantedTaskScore[]): Record<string, unknown> {
  return {
    results: Object.fromEntries(scores.map((s) => [s.task, { acc: s.acc, acc_stderr: s.accStderr }])),
    versions: Object.fromEntries(scores.map((s) => [s.task, 0])),
    config: {
      model: 'gpt2',
      model_args: `pretrained=${model},revision=step${step}`,
      num_fewshot: 0,
      batch_size: 16,
      device: 'cpu',
      no_cache: true,
      limit: null,
      bootstrap_iters: 100000,
      description_dict: {},
    },
  };
}

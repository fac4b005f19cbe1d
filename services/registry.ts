import { badInput, notFound, type CortexError, type Problem } from '../errors/CortexError.js';
import { Checks, MAX_LAYER, MAX_STEP } from '../formats/validation.js';
import { familyFacts, lookupModel, unknownModel, type ModelFacts } from './catalog.js';
import { modelsByIds, refreshCheckpointTokens, upsertCheckpoint, upsertModel, type CheckpointUpsert, type ModelRow } from '../warehouse/modelsRepo.js';
import type { Warehouse } from '../warehouse/Warehouse.js';

export type ModelRegistration = Partial<Omit<ModelFacts, 'aliases' | 'modelId'>> & { readonly modelId: string };

/**
 * Registers a model or updates its facts: given fields win, then what is already stored, then
 * the facts of a family given here (`family: "pythia"` gives any id Pythia's tokens per step,
 * final step and, when the id names a size, its architecture), then the catalog. Changing tokens
 * per step re-derives every checkpoint's token count. Every bad field is reported at once.
 */
export async function registerModel(wh: Warehouse, input: ModelRegistration): Promise<ModelRow> {
  const checks = new Checks();
  checks.id('id', input.modelId);
  for (const [field, max] of [['params', Number.MAX_SAFE_INTEGER], ['nLayers', MAX_LAYER], ['hiddenSize', 2 ** 31 - 1], ['tokensPerStep', Number.MAX_SAFE_INTEGER], ['finalStep', MAX_STEP]] as const) {
    const v = input[field];
    if (v !== undefined && v !== null) checks.int(field, v, 1, max);
  }
  for (const field of ['family', 'source', 'description'] as const) {
    const v = input[field];
    if (v !== undefined && v !== null) checks.text(field, v, field === 'description' ? 2000 : 500);
  }
  if (!checks.ok) throw invalid('model registration', checks.problems);
  const [stored] = await modelsByIds(wh, [input.modelId]);
  const base: ModelFacts = lookupModel(input.modelId) ?? unknownModel(input.modelId);
  // A family given here lends its facts (Pythia: tokens per step, final step, sizes) to any id.
  const family = input.family ? familyFacts(input.family, input.modelId) : null;
  const given = (v: unknown) => v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0);
  const pick = <K extends keyof ModelRegistration & keyof ModelFacts>(k: K) =>
    ([input[k], (stored as unknown as Record<string, unknown> | undefined)?.[k], family?.[k]].find(given) ?? base[k]) as ModelFacts[K];
  const facts: ModelFacts = {
    ...base,
    family: pick('family'),
    params: pick('params'),
    nLayers: pick('nLayers'),
    hiddenSize: pick('hiddenSize'),
    tokensPerStep: pick('tokensPerStep'),
    finalStep: pick('finalStep'),
    languages: pick('languages'),
    source: pick('source'),
    description: pick('description'),
  };
  await wh.write(async (tx) => {
    await upsertModel(tx, facts);
    await refreshCheckpointTokens(tx, input.modelId);
  });
  return (await modelsByIds(wh, [input.modelId]))[0];
}

/**
 * Registers (or updates) checkpoints of an existing model, all or none. Steps follow the step rule
 * and appear once; artifacts are not taken here — registerCheckpointArtifacts opens and checks
 * the files (a bare artifact URI would be opened later, unchecked, by feature extraction).
 */
export async function registerCheckpoints(wh: Warehouse, modelId: string, checkpoints: readonly CheckpointUpsert[]): Promise<number> {
  const checks = new Checks();
  checks.id('model', modelId);
  checkpoints.forEach((c, i) => {
    checks.step(`checkpoints.${i}.step`, c.step);
    if (c.tokens !== undefined && c.tokens !== null) checks.int(`checkpoints.${i}.tokens`, c.tokens, 0, Number.MAX_SAFE_INTEGER);
    if (c.artifactUri != null || c.artifactSha256 != null) {
      checks.problems.push({ where: `checkpoints.${i}`, message: 'artifactUri and artifactSha256 are not taken here: register ONNX files with registerCheckpointArtifacts (cortexql register checkpoints --onnx), which opens and checks them' });
    }
  });
  checks.unique('checkpoints', checkpoints.map((c) => c.step), 'step');
  if (!checks.ok) throw invalid('checkpoints', checks.problems);
  const [model] = await modelsByIds(wh, [modelId]);
  if (!model) throw notFound('model', modelId);
  await wh.write(async (tx) => {
    for (const c of checkpoints) await upsertCheckpoint(tx, modelId, c);
  });
  return checkpoints.length;
}

/** BAD_USER_INPUT listing every problem of a call's arguments (`problems`, as imports do). */
function invalid(what: string, problems: readonly Problem[]): CortexError<'BAD_USER_INPUT'> {
  const text = problems.map((p) => `${p.where}: ${p.message}`).join('; ');
  return badInput(problems.length === 1 ? text : `invalid ${what}: ${text}`, { field: problems[0].where.split(/[.:]/)[0], problems, problemCount: problems.length });
}

import { badInput, notFound } from '../errors/CortexError.js';
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
  const problems: { field: string; message: string }[] = [];
  if (!/^[\w.\-/]{1,200}$/.test(input.modelId)) {
    problems.push({ field: 'id', message: `model id '${input.modelId}' must be 1–200 letters, digits, '.', '-', '_' or '/'` });
  }
  for (const field of ['params', 'nLayers', 'hiddenSize', 'tokensPerStep', 'finalStep'] as const) {
    const v = input[field];
    if (v !== undefined && v !== null && (!Number.isInteger(v) || v <= 0)) problems.push({ field, message: `${field} must be a positive whole number (got ${v})` });
  }
  if (problems.length === 1) throw badInput(problems[0].message, { field: problems[0].field });
  if (problems.length > 1) throw badInput(`invalid model registration: ${problems.map((p) => p.message).join('; ')}`, { problems });
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

/** Registers (or updates) checkpoints of an existing model, all or none. */
export async function registerCheckpoints(wh: Warehouse, modelId: string, checkpoints: readonly CheckpointUpsert[]): Promise<number> {
  const [model] = await modelsByIds(wh, [modelId]);
  if (!model) throw notFound('model', modelId);
  const bad = checkpoints.filter((c) => !Number.isInteger(c.step) || c.step < 0);
  if (bad.length) throw badInput(`steps must be whole numbers >= 0 (got ${bad.map((c) => c.step).join(', ')})`, { field: 'step' });
  await wh.write(async (tx) => {
    for (const c of checkpoints) await upsertCheckpoint(tx, modelId, c);
  });
  return checkpoints.length;
}

import type { ModelRow } from '../warehouse/modelsRepo.js';

/**
 * What cortexql knows about model families without being told: tokens per step (so every
 * checkpoint has a token count and a fraction of training) and the published architecture of
 * well-known suites. A model not in the catalog can still be registered by mutation or CLI.
 */
export interface ModelFacts extends ModelRow {
  readonly family: string;
  /** Other names the same weights go by (Hugging Face ids, v1.1 re-releases). */
  readonly aliases: readonly string[];
}

/** Pythia (Biderman et al. 2023): batch 1024 × 2048 tokens, 143,000 steps (~300B tokens). */
const PYTHIA_TOKENS_PER_STEP = 2_097_152;
const PYTHIA_FINAL_STEP = 143_000;

// [size, total parameters, layers, hidden size] from the Pythia paper, Table 1.
const PYTHIA_SIZES: readonly [string, number, number, number][] = [
  ['70m', 70_426_624, 6, 512],
  ['160m', 162_322_944, 12, 768],
  ['410m', 405_334_016, 24, 1024],
  ['1b', 1_011_781_632, 16, 2048],
  ['1.4b', 1_414_647_808, 24, 2048],
  ['2.8b', 2_775_208_960, 32, 2560],
  ['6.9b', 6_857_302_016, 32, 4096],
  ['12b', 11_846_072_320, 36, 5120],
];

function pythia(size: string, params: number, nLayers: number, hiddenSize: number, deduped: boolean): ModelFacts {
  const name = `pythia-${size}${deduped ? '-deduped' : ''}`;
  return {
    modelId: name,
    family: 'pythia',
    params,
    nLayers,
    hiddenSize,
    tokensPerStep: PYTHIA_TOKENS_PER_STEP,
    finalStep: PYTHIA_FINAL_STEP,
    languages: ['en'],
    source: `https://huggingface.co/EleutherAI/${name}`,
    description: `EleutherAI Pythia ${size.toUpperCase()}${deduped ? ', trained on the deduplicated Pile' : ', trained on the Pile'}`,
    aliases: [
      `EleutherAI/${name}`,
      `EleutherAI/pythia-v1.1-${size}${deduped ? '-deduped' : ''}`,
      `pythia-v1.1-${size}${deduped ? '-deduped' : ''}`,
    ],
  };
}

export const KNOWN_MODELS: readonly ModelFacts[] = PYTHIA_SIZES.flatMap(([size, params, layers, hidden]) => [
  pythia(size, params, layers, hidden, false),
  pythia(size, params, layers, hidden, true),
]);

const BY_NAME = new Map<string, ModelFacts>();
for (const m of KNOWN_MODELS) for (const name of [m.modelId, ...m.aliases]) BY_NAME.set(name.toLowerCase(), m);

/**
 * Every name EleutherAI's Pythia weights go by, optionally after "EleutherAI/":
 * `pythia[-v1|-v1.1]-<size>[-deduped][-bf16][-v0]`. v1 and v1.1 (the names of EleutherAI's own
 * eval files, e.g. `pythia-v1.1-1b-bf16`) are the current suite: `-bf16` marks the 1B model, the
 * only one trained in bf16 (Pythia README), and maps to `pythia-1b`. `-v0` names the original
 * suite (retrained in April 2023): other weights, so its own id (`pythia-160m-v0`), with the same
 * facts — Hugging Face labels its steps on the 2M-token scale.
 */
const PYTHIA_NAME = /^(?:eleutherai\/)?pythia-(?:v1(?:\.1)?-)?(\d+(?:\.\d+)?[mb])((?:-deduped|-bf16|-v0)*)$/i;

/** Catalog facts for a model name or alias, or null if the catalog does not know it. */
export function lookupModel(name: string): ModelFacts | null {
  const known = BY_NAME.get(name.toLowerCase());
  if (known) return known;
  const m = PYTHIA_NAME.exec(name);
  if (!m) return null;
  const suffixes = m[2].toLowerCase().split('-').filter(Boolean);
  const size = PYTHIA_SIZES.find(([s]) => s === m[1].toLowerCase());
  if (!size || new Set(suffixes).size !== suffixes.length) return null;
  const facts = pythia(size[0], size[1], size[2], size[3], suffixes.includes('deduped'));
  if (!suffixes.includes('v0')) return facts;
  const modelId = `${facts.modelId}-v0`;
  return { ...facts, modelId, source: `https://huggingface.co/EleutherAI/${modelId}`, description: `${facts.description} (original v0 suite)`, aliases: [`EleutherAI/${modelId}`] };
}

/** Facts a family gives any model registered with it (`register model ID --family pythia`), sized by the id when it names a size. */
export function familyFacts(family: string, modelId: string): Partial<ModelFacts> | null {
  if (family.toLowerCase() !== 'pythia') return null;
  const sized = lookupModel(modelId);
  const size = /(?:^|[^0-9.])(\d+(?:\.\d+)?[mb])(?![a-z0-9])/i.exec(modelId)?.[1]?.toLowerCase();
  const row = sized ? null : PYTHIA_SIZES.find(([s]) => s === size);
  const base = sized ?? (row ? pythia(row[0], row[1], row[2], row[3], false) : null);
  return {
    family: 'pythia',
    tokensPerStep: PYTHIA_TOKENS_PER_STEP,
    finalStep: PYTHIA_FINAL_STEP,
    languages: ['en'],
    ...(base ? { params: base.params, nLayers: base.nLayers, hiddenSize: base.hiddenSize } : {}),
  };
}

/**
 * The model id an eval file's model name maps to: the catalog id when known
 * ("EleutherAI/pythia-v1.1-70m" → "pythia-70m"), otherwise the name after the last '/'
 * ("Qwen/Qwen2.5-1.5B" → "Qwen2.5-1.5B").
 */
export function modelIdFor(name: string): string {
  return lookupModel(name)?.modelId ?? name.slice(name.lastIndexOf('/') + 1);
}

/** Facts for a model the catalog does not know: only the id, to be completed by registration. */
export function unknownModel(modelId: string): ModelFacts {
  return {
    modelId,
    family: 'unknown',
    params: null,
    nLayers: null,
    hiddenSize: null,
    tokensPerStep: null,
    finalStep: null,
    languages: [],
    source: null,
    description: null,
    aliases: [],
  };
}

/**
 * A GPT-2-style decoder small enough to generate, store and run anywhere: its configuration,
 * its parameters (named as in Hugging Face `GPT2LMHeadModel`, so an exported graph looks like a
 * real one), seeded initialisation, and linear combinations of weights — the "training
 * trajectory" of the generated checkpoint series.
 *
 *   const init = tinyGptWeights({ seed: 1, vocabSize: 4353, dModel: 64, nLayers: 4, nHeads: 4, dFF: 256, maxPositions: 256 });
 *   const final = tinyGptWeights({ ...init.config, seed: 2 });
 *   const series = weightsAlongTrajectory(init, final, [0, 0.25, 0.5, 1]); // 4 checkpoints
 *
 * Parameters (d = dModel, V = vocabSize, P = maxPositions, F = dFF), GPT-2's Conv1D layout
 * (weights stored [in, out], so y = x·W + b):
 *   transformer.wte.weight [V, d]   transformer.wpe.weight [P, d]
 *   transformer.h.{i}.ln_1.{weight,bias} [d]
 *   transformer.h.{i}.attn.c_attn.{weight [d, 3d], bias [3d]}   (q | k | v column blocks)
 *   transformer.h.{i}.attn.c_proj.{weight [d, d], bias [d]}
 *   transformer.h.{i}.ln_2.{weight,bias} [d]
 *   transformer.h.{i}.mlp.c_fc.{weight [d, F], bias [F]}
 *   transformer.h.{i}.mlp.c_proj.{weight [F, d], bias [d]}
 *   transformer.ln_f.{weight,bias} [d]
 * The LM head is tied to wte (logits = ln_f(h)·wteᵀ), as in GPT-2.
 */
import { badInput } from '../../errors/CortexError.js';
import { createNormal, createRng } from '../random.js';

export interface TinyGptConfig {
  readonly vocabSize: number;
  readonly dModel: number;
  readonly nLayers: number;
  readonly nHeads: number;
  readonly dFF: number;
  readonly maxPositions: number;
  /** LayerNorm ε (GPT-2: 1e-5). */
  readonly layerNormEpsilon?: number;
}

export const DEFAULT_LAYER_NORM_EPSILON = 1e-5;

export interface TinyGptParam {
  readonly name: string;
  readonly dims: readonly number[];
  /** How the parameter is initialised: a weight matrix, a bias, a LayerNorm gain or shift. */
  readonly kind: 'embedding' | 'position' | 'weight' | 'residualWeight' | 'bias' | 'gain' | 'shift';
}

export interface TinyGptWeights {
  readonly config: TinyGptConfig;
  /** Every parameter of `tinyGptParams(config)`, by name, row-major float32. */
  readonly params: Readonly<Record<string, Float32Array>>;
}

export interface TinyGptInit {
  /** Std of embedding and weight matrices (GPT-2: 0.02); position embeddings use half. */
  readonly std?: number;
  /** Std of biases (GPT-2 initialises them to 0; tests use non-zero biases to exercise them). */
  readonly biasStd?: number;
  /** Std of LayerNorm gains around 1 and shifts around 0 (GPT-2: 0). */
  readonly layerNormStd?: number;
}

/** Checks a configuration; reports every problem at once. */
export function checkTinyGptConfig(config: TinyGptConfig): void {
  const problems: string[] = [];
  for (const key of ['vocabSize', 'dModel', 'nLayers', 'nHeads', 'dFF', 'maxPositions'] as const) {
    const v = config[key];
    if (!Number.isInteger(v) || v < 1) problems.push(`${key} must be a positive integer, got ${v}`);
  }
  if (Number.isInteger(config.dModel) && Number.isInteger(config.nHeads) && config.nHeads > 0 && config.dModel % config.nHeads !== 0) {
    problems.push(`dModel ${config.dModel} is not a multiple of nHeads ${config.nHeads}`);
  }
  const eps = config.layerNormEpsilon ?? DEFAULT_LAYER_NORM_EPSILON;
  if (!(eps > 0) || !Number.isFinite(eps)) problems.push(`layerNormEpsilon must be a positive number, got ${eps}`);
  if (problems.length > 0) throw badInput(`tiny GPT config: ${problems.join('; ')}`, { problems });
}

/** The parameter list of a configuration, in a fixed order (the order of the ONNX initializers). */
export function tinyGptParams(config: TinyGptConfig): TinyGptParam[] {
  const { vocabSize: v, dModel: d, nLayers, dFF: f, maxPositions: p } = config;
  const params: TinyGptParam[] = [
    { name: 'transformer.wte.weight', dims: [v, d], kind: 'embedding' },
    { name: 'transformer.wpe.weight', dims: [p, d], kind: 'position' },
  ];
  for (let i = 0; i < nLayers; i++) {
    const h = `transformer.h.${i}`;
    params.push(
      { name: `${h}.ln_1.weight`, dims: [d], kind: 'gain' },
      { name: `${h}.ln_1.bias`, dims: [d], kind: 'shift' },
      { name: `${h}.attn.c_attn.weight`, dims: [d, 3 * d], kind: 'weight' },
      { name: `${h}.attn.c_attn.bias`, dims: [3 * d], kind: 'bias' },
      { name: `${h}.attn.c_proj.weight`, dims: [d, d], kind: 'residualWeight' },
      { name: `${h}.attn.c_proj.bias`, dims: [d], kind: 'bias' },
      { name: `${h}.ln_2.weight`, dims: [d], kind: 'gain' },
      { name: `${h}.ln_2.bias`, dims: [d], kind: 'shift' },
      { name: `${h}.mlp.c_fc.weight`, dims: [d, f], kind: 'weight' },
      { name: `${h}.mlp.c_fc.bias`, dims: [f], kind: 'bias' },
      { name: `${h}.mlp.c_proj.weight`, dims: [f, d], kind: 'residualWeight' },
      { name: `${h}.mlp.c_proj.bias`, dims: [d], kind: 'bias' },
    );
  }
  params.push({ name: 'transformer.ln_f.weight', dims: [d], kind: 'gain' }, { name: 'transformer.ln_f.bias', dims: [d], kind: 'shift' });
  return params;
}

/** Number of scalar parameters. */
export function tinyGptParamCount(config: TinyGptConfig): number {
  return tinyGptParams(config).reduce((s, p) => s + p.dims.reduce((a, b) => a * b, 1), 0);
}

/**
 * Seeded GPT-2 initialisation (Radford et al. 2019; HF `GPT2PreTrainedModel._init_weights`):
 * N(0, std²) weights and token embeddings, N(0, (std/2)²) position embeddings, residual output
 * projections scaled by 1/√(2L), biases and LayerNorm shifts 0, gains 1 — unless `init` asks for
 * perturbed ones. Parameters are drawn in `tinyGptParams` order from one stream, so a given
 * (config, seed, init) always yields the same weights.
 */
export function tinyGptWeights(options: TinyGptConfig & { readonly seed: number; readonly init?: TinyGptInit }): TinyGptWeights {
  const { seed, init = {}, ...rest } = options;
  const config: TinyGptConfig = { ...rest, layerNormEpsilon: rest.layerNormEpsilon ?? DEFAULT_LAYER_NORM_EPSILON };
  checkTinyGptConfig(config);
  const std = init.std ?? 0.02;
  const biasStd = init.biasStd ?? 0;
  const lnStd = init.layerNormStd ?? 0;
  const normal = createNormal(createRng(seed));
  const residualStd = std / Math.sqrt(2 * config.nLayers);
  const params: Record<string, Float32Array> = {};
  for (const p of tinyGptParams(config)) {
    const n = p.dims.reduce((a, b) => a * b, 1);
    const a = new Float32Array(n);
    const [mean, sd] =
      p.kind === 'embedding' || p.kind === 'weight' ? [0, std]
      : p.kind === 'position' ? [0, std / 2]
      : p.kind === 'residualWeight' ? [0, residualStd]
      : p.kind === 'bias' ? [0, biasStd]
      : p.kind === 'gain' ? [1, lnStd]
      : [0, lnStd];
    for (let i = 0; i < n; i++) a[i] = sd === 0 ? mean : mean + sd * normal();
    params[p.name] = a;
  }
  return { config, params };
}

function sameShape(a: TinyGptConfig, b: TinyGptConfig): boolean {
  return (
    a.vocabSize === b.vocabSize &&
    a.dModel === b.dModel &&
    a.nLayers === b.nLayers &&
    a.nHeads === b.nHeads &&
    a.dFF === b.dFF &&
    a.maxPositions === b.maxPositions &&
    (a.layerNormEpsilon ?? DEFAULT_LAYER_NORM_EPSILON) === (b.layerNormEpsilon ?? DEFAULT_LAYER_NORM_EPSILON)
  );
}

/**
 * Σ_k c_k·W_k, parameter by parameter (accumulated in float64): the general interpolation of
 * which a straight trajectory is the two-term case. Every term must have the same configuration.
 */
export function tinyGptMix(terms: readonly { readonly weights: TinyGptWeights; readonly coefficient: number }[]): TinyGptWeights {
  if (terms.length === 0) throw badInput('tinyGptMix needs at least one term');
  const config = terms[0].weights.config;
  const problems: string[] = [];
  terms.forEach((t, k) => {
    if (!sameShape(t.weights.config, config)) problems.push(`term ${k} has a different configuration`);
    if (!Number.isFinite(t.coefficient)) problems.push(`term ${k} has coefficient ${t.coefficient}`);
  });
  if (problems.length > 0) throw badInput(`tinyGptMix: ${problems.join('; ')}`, { problems });
  const params: Record<string, Float32Array> = {};
  for (const p of tinyGptParams(config)) {
    const n = p.dims.reduce((a, b) => a * b, 1);
    const acc = new Float64Array(n);
    for (const { weights, coefficient } of terms) {
      const src = weights.params[p.name];
      for (let i = 0; i < n; i++) acc[i] += coefficient * src[i];
    }
    params[p.name] = Float32Array.from(acc);
  }
  return { config, params };
}

/** Checkpoints on the straight line from `start` (α = 0) to `end` (α = 1): (1 − α)·start + α·end. */
export function weightsAlongTrajectory(start: TinyGptWeights, end: TinyGptWeights, alphas: readonly number[]): TinyGptWeights[] {
  return alphas.map((alpha) =>
    tinyGptMix([
      { weights: start, coefficient: 1 - alpha },
      { weights: end, coefficient: alpha },
    ]),
  );
}

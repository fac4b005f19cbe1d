/**
 * Per-layer, per-word hidden states of an ONNX decoder on a transcript — the features of the
 * encoding models (compute/encoding/features.ts consumes `data` as a run's `WordRun.words`).
 *
 *   const model = await HiddenStateModel.open('models/sim/step-1000.onnx');
 *   const words = wordTokens(tokenizerFromFile('models/sim/tokenizer.json'), transcriptWords);
 *   const result = await extractWordFeatures(model, words, { windowTokens: 256, strideTokens: 128 });
 *   result.layers[3]   // { layer: 3, nWords, dim, data: Float32Array nWords×dim }
 *   result.provider    // 'cpu' | 'cuda' | 'webgpu': the provider that ran
 *   await model.release();
 *
 * Long transcripts (Huth et al. 2016 and later LLM-encoding work use the same scheme): windows of
 * `windowTokens` tokens start every `strideTokens` tokens; each token's state is taken from the
 * window in which it has the most left context, i.e. the earliest window that contains it. So the
 * first window's tokens see 0 … W − 1 tokens of context, every later token at least W − stride.
 * A transcript no longer than one window is one full-context pass. Windows run `batchWindows` at
 * a time, right-padded (a causal decoder's real positions never see padding to their right); only
 * the batch's outputs and the per-word result are held, so memory is bounded by
 * batch × window × layers × dim + words × layers × dim floats.
 *
 * Word features: 'last' = the state of the word's last token (it has seen the whole word),
 * 'mean' = the mean over the word's tokens.
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import ort from 'onnxruntime-node';
import { NO_SPINNING } from '../onnx/noSpinning.js';
import { badInput, CortexError } from '../../errors/CortexError.js';
import { decodeOnnxModel } from '../onnx/onnxProto.js';
import { chooseExecutionProvider, sessionProviders } from './executionProviders.js';
import { loadSessionSource } from './externalData.js';
import { feedTensor, planFeeds, type FeedPlan, type InputSpec } from './feedPlan.js';
import { applyHiddenStatePlan, planHiddenStates } from './hiddenStateSurgery.js';
import type { HiddenStatePlan, LayerManifest } from './hiddenStateSurgery.js';
import type { WordTokens } from './wordTokens.js';

export interface HiddenStateModelOptions {
  /** Candidate execution providers, first working one wins (default CUDA, WebGPU, CPU). */
  readonly providers?: readonly string[];
  /** Intra-op threads (default os.availableParallelism()). */
  readonly threads?: number;
  /** Explicit layer → tensor names; skips the heuristics of hiddenStateSurgery.ts. */
  readonly manifest?: LayerManifest;
  /** Name used in error messages (default: the path, or 'model'). */
  readonly label?: string;
}

export class HiddenStateModel {
  private constructor(
    private readonly session: ort.InferenceSession,
    /** The execution provider the session runs on. */
    readonly provider: string,
    readonly plan: HiddenStatePlan,
    private readonly feeds: readonly FeedPlan[],
    readonly label: string,
  ) {}

  /** Number of hidden states (L + 1: the embedding output and each block's output). */
  get layerCount(): number {
    return this.plan.tensors.length;
  }

  /** Opens an ONNX file (path) or ONNX bytes; adds hidden-state outputs by graph surgery if needed. */
  static async open(source: string | Uint8Array, options: HiddenStateModelOptions = {}): Promise<HiddenStateModel> {
    const label = options.label ?? (typeof source === 'string' ? source : 'model');
    let bytes: Uint8Array;
    if (typeof source === 'string') {
      try {
        bytes = await readFile(source);
      } catch (e) {
        throw badInput(`cannot read ONNX model ${label}: ${(e as NodeJS.ErrnoException).code ?? 'unreadable'}`, { file: label });
      }
    } else {
      bytes = source;
    }
    const model = decodeOnnxModel(bytes, label, { structureOnly: true });
    const plan = planHiddenStates(model, options.manifest, label);
    const patched = applyHiddenStatePlan(bytes, model, plan);
    const { provider } = await chooseExecutionProvider(options.providers);
    const threads = options.threads ?? os.availableParallelism();
    let session: ort.InferenceSession;
    const loaded = await loadSessionSource(patched, model, typeof source === 'string' ? source : undefined, patched !== bytes, label);
    try {
      const sessionOptions: ort.InferenceSession.SessionOptions = {
        executionProviders: sessionProviders(provider),
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
        logSeverityLevel: 3,
        extra: { ...NO_SPINNING },
      };
      session =
        typeof loaded.source === 'string'
          ? await ort.InferenceSession.create(loaded.source, sessionOptions)
          : await ort.InferenceSession.create(loaded.source, sessionOptions);
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      throw new CortexError('BAD_USER_INPUT', `${label}: onnxruntime cannot load the model: ${reason}`, { file: label, reason });
    } finally {
      await loaded.cleanup();
    }
    try {
      const inputs: InputSpec[] = session.inputMetadata.map((m) => ({ name: m.name, isTensor: m.isTensor, type: m.isTensor ? m.type : 'non-tensor', shape: m.isTensor ? m.shape : [] }));
      return new HiddenStateModel(session, provider, plan, planFeeds(inputs, label), label);
    } catch (e) {
      await session.release();
      throw e;
    }
  }

  /**
   * Runs one padded batch: `ids` is batch × seq (row-major), `lengths` the real length of each
   * row. Returns, per requested layer, the batch × seq × dim float32 states.
   */
  async run(ids: Int32Array, batch: number, seq: number, lengths: readonly number[], layers: readonly number[]): Promise<{ states: Float32Array[]; dim: number; seconds: number }> {
    const feeds: Record<string, ort.Tensor> = {};
    for (const f of this.feeds) feeds[f.name] = feedTensor(f, ids, batch, seq, lengths);
    const fetches = layers.map((l) => this.plan.tensors[l]);
    const started = performance.now();
    const out = await this.session.run(feeds, fetches);
    const seconds = (performance.now() - started) / 1000;
    let dim = -1;
    const states = fetches.map((name) => {
      const t = out[name];
      const [b, s, d] = t.dims;
      if (t.dims.length !== 3 || b !== batch || s !== seq || (dim >= 0 && d !== dim)) {
        throw new CortexError('BAD_USER_INPUT', `${this.label}: tensor ${name} has shape [${t.dims.join(', ')}], expected [${batch}, ${seq}, d] like every layer`, {
          file: this.label,
          tensor: name,
          dims: [...t.dims],
        });
      }
      dim = d;
      return asFloat32(t, name, this.label);
    });
    return { states, dim, seconds };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** A float32 view of an output (float16 outputs are widened). */
function asFloat32(t: ort.Tensor, name: string, label: string): Float32Array {
  if (t.type === 'float32') return t.data as Float32Array;
  if (t.type === 'float16') {
    const src = t.data as Uint16Array;
    const out = new Float32Array(src.length);
    for (let i = 0; i < src.length; i++) out[i] = halfToFloat(src[i]);
    return out;
  }
  throw badInput(`${label}: hidden state ${name} has type ${t.type}; float32 or float16 expected`, { file: label, tensor: name, type: t.type });
}

/** IEEE 754 binary16 → number. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac === 0 ? sign * Infinity : NaN;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

export interface ExtractOptions {
  /** Tokens per window (default 256). Must not exceed the model's positions. */
  readonly windowTokens?: number;
  /** Tokens between window starts (default windowTokens / 2). */
  readonly strideTokens?: number;
  /** Windows per session.run (default 8). */
  readonly batchWindows?: number;
  /** 'last' (default): a word's last token; 'mean': mean over its tokens. */
  readonly wordFeature?: 'last' | 'mean';
  /** Which hidden states to return (default all, 0 … L). */
  readonly layers?: readonly number[];
  /** Id written into padding positions (never attended to; default 0). */
  readonly padTokenId?: number;
  readonly onProgress?: (p: { readonly windowsDone: number; readonly windows: number }) => void;
}

/** One layer's word × feature matrix: what the encoding engine takes as a run's word features. */
export interface LayerWordFeatures {
  readonly layer: number;
  readonly nWords: number;
  readonly dim: number;
  /** nWords × dim, row-major. */
  readonly data: Float32Array;
}

export interface HiddenStateResult {
  readonly layers: LayerWordFeatures[];
  /** Tokens of the transcript. */
  readonly tokens: number;
  /** Tokens run through the model (overlapping windows count each time). */
  readonly tokensComputed: number;
  readonly windows: number;
  readonly seconds: number;
  /** Wall time inside onnxruntime's session.run. */
  readonly sessionSeconds: number;
  /** Transcript tokens per second of wall time. */
  readonly tokensPerSecond: number;
  readonly provider: string;
  readonly method: HiddenStatePlan['method'];
  readonly windowTokens: number;
  readonly strideTokens: number;
  readonly wordFeature: 'last' | 'mean';
}

/** Start of the window whose state token t takes: the earliest window containing t. */
export function ownerWindow(t: number, window: number, stride: number): number {
  return t < window ? 0 : Math.ceil((t - window + 1) / stride);
}

export async function extractWordFeatures(model: HiddenStateModel, words: WordTokens, options: ExtractOptions = {}): Promise<HiddenStateResult> {
  const started = performance.now();
  const window = options.windowTokens ?? 256;
  const stride = options.strideTokens ?? Math.max(1, Math.floor(window / 2));
  const batchWindows = options.batchWindows ?? 8;
  const mode = options.wordFeature ?? 'last';
  const layers = options.layers ?? Array.from({ length: model.layerCount }, (_, i) => i);
  const problems: string[] = [];
  if (!Number.isInteger(window) || window < 1) problems.push(`windowTokens must be a positive integer, got ${window}`);
  if (!Number.isInteger(stride) || stride < 1 || stride > window) problems.push(`strideTokens must be an integer in 1…windowTokens, got ${stride}`);
  if (!Number.isInteger(batchWindows) || batchWindows < 1) problems.push(`batchWindows must be a positive integer, got ${batchWindows}`);
  if (mode !== 'last' && mode !== 'mean') problems.push(`wordFeature must be 'last' or 'mean', got ${String(mode)}`);
  if (layers.length === 0 || layers.some((l) => !Number.isInteger(l) || l < 0 || l >= model.layerCount)) {
    problems.push(`layers must be a non-empty list of integers in 0…${model.layerCount - 1}`);
  }
  if (words.nWords === 0) problems.push('the transcript has no words');
  if (problems.length > 0) throw badInput(`hidden-state extraction: ${problems.join('; ')}`, { problems });

  const n = words.ids.length;
  const nWindows = n <= window ? 1 : 1 + Math.ceil((n - window) / stride);
  const pad = options.padTokenId ?? 0;
  const outputs: Float32Array[] = layers.map(() => new Float32Array(0));
  let dim = -1;
  let sessionSeconds = 0;
  let tokensComputed = 0;

  for (let w0 = 0; w0 < nWindows; w0 += batchWindows) {
    const batch = Math.min(batchWindows, nWindows - w0);
    const starts = Array.from({ length: batch }, (_, b) => (w0 + b) * stride);
    const lengths = starts.map((s) => Math.min(window, n - s));
    const seq = Math.max(...lengths);
    const ids = new Int32Array(batch * seq).fill(pad);
    for (let b = 0; b < batch; b++) ids.set(words.ids.subarray(starts[b], starts[b] + lengths[b]), b * seq);
    tokensComputed += lengths.reduce((a, c) => a + c, 0);
    const run = await model.run(ids, batch, seq, lengths, layers);
    sessionSeconds += run.seconds;
    if (dim < 0) {
      dim = run.dim;
      for (let k = 0; k < layers.length; k++) outputs[k] = new Float32Array(words.nWords * dim);
    }
    for (let b = 0; b < batch; b++) {
      const k = w0 + b;
      // Tokens this window owns: those whose earliest containing window is k.
      const own0 = k === 0 ? 0 : (k - 1) * stride + window;
      const own1 = Math.min(n, k * stride + window);
      for (let t = own0; t < own1; t++) {
        const word = words.wordOfToken[t];
        const isLast = t === words.firstToken[word + 1] - 1;
        if (mode === 'last' && !isLast) continue;
        const src = (b * seq + (t - starts[b])) * dim;
        const dst = word * dim;
        for (let li = 0; li < layers.length; li++) {
          const from = run.states[li];
          const to = outputs[li];
          if (mode === 'last') to.set(from.subarray(src, src + dim), dst);
          else for (let j = 0; j < dim; j++) to[dst + j] += from[src + j];
        }
      }
    }
    options.onProgress?.({ windowsDone: w0 + batch, windows: nWindows });
  }
  if (mode === 'mean') {
    for (let w = 0; w < words.nWords; w++) {
      const inv = 1 / (words.firstToken[w + 1] - words.firstToken[w]);
      for (const out of outputs) for (let j = 0; j < dim; j++) out[w * dim + j] *= inv;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    layers: layers.map((layer, k) => ({ layer, nWords: words.nWords, dim, data: outputs[k] })),
    tokens: n,
    tokensComputed,
    windows: nWindows,
    seconds,
    sessionSeconds,
    tokensPerSecond: n / seconds,
    provider: model.provider,
    method: model.plan.method,
    windowTokens: window,
    strideTokens: stride,
    wordFeature: mode,
  };
}

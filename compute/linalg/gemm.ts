/**
 * THE matrix-product module of cortexql: every large product (encoding fits, Gram matrices,
 * pairwise distances) runs here, through onnxruntime-node sessions of a one-node ONNX graph
 * (`MatMul`, or `Gemm` with transA/transB), built in memory once per (dtype, transA, transB) and
 * cached. DESIGN.md "Scale to design for": a real encoding fit is ~10^13 FLOPs, so products must
 * reach an optimised BLAS-like kernel (onnxruntime's MLAS), never a JS loop.
 *
 * Layout: row-major typed arrays with explicit dims. Dims always describe the array *as stored*;
 * `transA` means "use Aᵀ", so with transA an A stored [k, m] contributes an m×k factor.
 *
 *   const engine = await GemmEngine.create();            // CPU, os.availableParallelism() threads
 *   const c = await engine.matmul(a, [m, k], b, [k, n]);  // Float32Array m×n
 *   const g = await engine.matmulF64(x, [n, p], x, [n, p], { transA: true }); // XᵀX, float64
 *
 * float32 is the working precision of the big products (DESIGN.md); float64 products serve the
 * small matrices that feed a float64 decomposition (XᵀX before eigh), where float32 rounding of
 * the Gram would cap eigenvalue accuracy near 1e-7·λmax.
 */
import os from 'node:os';
import ort from 'onnxruntime-node';
import { NO_SPINNING } from '../onnx/noSpinning.js';
import { badInput, CortexError } from '../../errors/CortexError.js';
import { gemmModelBytes } from './onnxGemmModel.js';
import type { GemmDType } from './onnxGemmModel.js';

export type { GemmDType } from './onnxGemmModel.js';

/** [rows, cols] of a row-major matrix as stored. */
export type Dims2 = readonly [number, number];

export interface GemmOptions<T extends Float32Array | Float64Array> {
  /** Multiply by Aᵀ instead of A (A is then stored [k, m]). */
  readonly transA?: boolean;
  /** Multiply by Bᵀ instead of B (B is then stored [n, k]). */
  readonly transB?: boolean;
  /** Optional output buffer of length m·n; written and returned. Must not alias A or B. */
  readonly out?: T;
}

export interface GemmEngineOptions {
  /** Intra-op threads of each session; default os.availableParallelism(). */
  readonly threads?: number;
  /**
   * Execution providers to try, in order; the first one a session can be created with is used
   * for every product (default ['cpu']). See `availableGemmProviders()`.
   */
  readonly providers?: readonly string[];
}

/** Cumulative work done by an engine: what bench/ and run provenance report. */
export interface GemmStats {
  readonly calls: number;
  /** 2·m·n·k per product. */
  readonly flops: number;
  /** Wall time spent inside session.run. */
  readonly seconds: number;
}

export interface GemmProvider {
  readonly name: string;
  /** Whether the provider ships inside the onnxruntime-node package (else it needs extra libraries). */
  readonly bundled: boolean;
}

/** Execution providers this onnxruntime-node build knows about, e.g. cpu (bundled), cuda (not bundled). */
export function availableGemmProviders(): GemmProvider[] {
  return ort.listSupportedBackends().map((b) => ({ name: b.name, bundled: b.bundled }));
}

type Session = ort.InferenceSession;

export class GemmEngine {
  /** The execution provider every session of this engine runs on. */
  readonly provider: string;
  readonly threads: number;
  private readonly sessions = new Map<string, Promise<Session>>();
  private tail: Promise<unknown> = Promise.resolve();
  private calls = 0;
  private flops = 0;
  private seconds = 0;

  private constructor(provider: string, threads: number, probe: Session) {
    this.provider = provider;
    this.threads = threads;
    this.sessions.set(sessionKey('float32', false, false), Promise.resolve(probe));
  }

  /** Creates an engine, picking the first provider of `options.providers` that works. */
  static async create(options: GemmEngineOptions = {}): Promise<GemmEngine> {
    const threads = options.threads ?? os.availableParallelism();
    if (!Number.isInteger(threads) || threads < 1) {
      throw badInput(`gemm threads must be a positive integer, got ${threads}`, { threads });
    }
    const providers = options.providers ?? ['cpu'];
    const failures: Record<string, string> = {};
    for (const provider of providers) {
      try {
        const probe = await createSession(gemmModelBytes('float32', false, false), provider, threads);
        return new GemmEngine(provider, threads, probe);
      } catch (e) {
        failures[provider] = e instanceof Error ? e.message : String(e);
      }
    }
    throw new CortexError('INTERNAL', `no execution provider could run the GEMM graph (tried ${providers.join(', ')})`, {
      failures,
    });
  }

  /** float32 product op(A)·op(B). */
  matmul(a: Float32Array, aDims: Dims2, b: Float32Array, bDims: Dims2, options: GemmOptions<Float32Array> = {}): Promise<Float32Array> {
    return this.enqueue('float32', a, aDims, b, bDims, options);
  }

  /** float64 product op(A)·op(B), for the small matrices that feed float64 decompositions. */
  matmulF64(a: Float64Array, aDims: Dims2, b: Float64Array, bDims: Dims2, options: GemmOptions<Float64Array> = {}): Promise<Float64Array> {
    return this.enqueue('float64', a, aDims, b, bDims, options);
  }

  stats(): GemmStats {
    return { calls: this.calls, flops: this.flops, seconds: this.seconds };
  }

  resetStats(): void {
    this.calls = 0;
    this.flops = 0;
    this.seconds = 0;
  }

  /** Frees the native sessions; the engine must not be used afterwards. */
  async release(): Promise<void> {
    await this.tail.catch(() => undefined);
    const sessions = await Promise.all(this.sessions.values());
    this.sessions.clear();
    await Promise.all(sessions.map((s) => s.release()));
  }

  /**
   * Products run one at a time, in call order: callers may fire many without awaiting each, and
   * the sessions (each already using every intra-op thread) are never oversubscribed.
   */
  private enqueue<T extends Float32Array | Float64Array>(
    dtype: GemmDType,
    a: T,
    aDims: Dims2,
    b: T,
    bDims: Dims2,
    options: GemmOptions<T>,
  ): Promise<T> {
    let shape: GemmShape;
    try {
      shape = gemmShape(a.length, aDims, b.length, bDims, options);
    } catch (e) {
      return Promise.reject(e); // an async API rejects, it does not throw
    }
    const result = this.tail.then(() => this.runNow(dtype, a, b, shape, options));
    this.tail = result.catch(() => undefined);
    return result;
  }

  private async runNow<T extends Float32Array | Float64Array>(
    dtype: GemmDType,
    a: T,
    b: T,
    shape: GemmShape,
    options: GemmOptions<T>,
  ): Promise<T> {
    const { m, n, k } = shape;
    const out = (options.out ?? (dtype === 'float32' ? new Float32Array(m * n) : new Float64Array(m * n))) as T;
    if (out.length !== m * n) {
      throw badInput(`gemm output buffer has ${out.length} elements, expected ${m}×${n} = ${m * n}`, { m, n, length: out.length });
    }
    if (m === 0 || n === 0) return out;
    if (k === 0) return out.fill(0) as T; // an empty sum
    const transA = options.transA === true;
    const transB = options.transB === true;
    const session = await this.session(dtype, transA, transB);
    const feeds = {
      A: new ort.Tensor(dtype, a, transA ? [k, m] : [m, k]),
      B: new ort.Tensor(dtype, b, transB ? [n, k] : [k, n]),
    };
    const started = performance.now();
    // The output tensor wraps `out`, so onnxruntime writes the product in place (no copy).
    await session.run(feeds, { Y: new ort.Tensor(dtype, out, [m, n]) });
    this.seconds += (performance.now() - started) / 1000;
    this.calls += 1;
    this.flops += 2 * m * n * k;
    return out;
  }

  private session(dtype: GemmDType, transA: boolean, transB: boolean): Promise<Session> {
    const key = sessionKey(dtype, transA, transB);
    let session = this.sessions.get(key);
    if (session === undefined) {
      session = createSession(gemmModelBytes(dtype, transA, transB), this.provider, this.threads);
      this.sessions.set(key, session);
    }
    return session;
  }
}

interface GemmShape {
  readonly m: number;
  readonly n: number;
  readonly k: number;
}

/** Checks the dims against the arrays and each other; returns the m, n, k of the product. */
export function gemmShape(
  aLength: number,
  aDims: Dims2,
  bLength: number,
  bDims: Dims2,
  options: { readonly transA?: boolean; readonly transB?: boolean } = {},
): GemmShape {
  for (const [name, dims, length] of [['A', aDims, aLength], ['B', bDims, bLength]] as const) {
    if (dims.length !== 2 || !dims.every((d) => Number.isInteger(d) && d >= 0)) {
      throw badInput(`gemm: dims of ${name} must be two non-negative integers, got [${dims.join(', ')}]`, { matrix: name, dims: [...dims] });
    }
    if (dims[0] * dims[1] !== length) {
      throw badInput(`gemm: ${name} has ${length} elements but dims [${dims[0]}, ${dims[1]}] need ${dims[0] * dims[1]}`, {
        matrix: name,
        dims: [...dims],
        length,
      });
    }
  }
  const [m, ka] = options.transA === true ? [aDims[1], aDims[0]] : [aDims[0], aDims[1]];
  const [kb, n] = options.transB === true ? [bDims[1], bDims[0]] : [bDims[0], bDims[1]];
  if (ka !== kb) {
    throw badInput(`gemm: inner dims differ: op(A) is ${m}×${ka}, op(B) is ${kb}×${n}`, {
      aDims: [...aDims],
      bDims: [...bDims],
      transA: options.transA === true,
      transB: options.transB === true,
    });
  }
  return { m, n, k: ka };
}

function sessionKey(dtype: GemmDType, transA: boolean, transB: boolean): string {
  return `${dtype}:${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}`;
}

function createSession(bytes: Uint8Array, provider: string, threads: number): Promise<Session> {
  return ort.InferenceSession.create(bytes, {
    executionProviders: [provider],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    extra: { ...NO_SPINNING },
  });
}

let defaultEngine: Promise<GemmEngine> | undefined;

/**
 * The process-wide engine, created on first use: CPU unless CORTEXQL_GEMM_PROVIDERS lists others
 * to try first (e.g. "cuda,cpu" where onnxruntime-node was installed with CUDA), with
 * CORTEXQL_GEMM_THREADS intra-op threads (default: one per core; fewer where several processes
 * share the cores, as parallel test files or workers do).
 */
export function defaultGemmEngine(): Promise<GemmEngine> {
  const providers = process.env.CORTEXQL_GEMM_PROVIDERS?.split(',').map((p) => p.trim()).filter(Boolean);
  const threads = process.env.CORTEXQL_GEMM_THREADS ? Number(process.env.CORTEXQL_GEMM_THREADS) : undefined;
  defaultEngine ??= GemmEngine.create({ ...(providers?.length ? { providers } : {}), ...(threads !== undefined ? { threads } : {}) }).catch((e: unknown) => {
    defaultEngine = undefined;
    throw e;
  });
  return defaultEngine;
}

/** op(A)·op(B) in float32 on the default engine. */
export async function matmul(
  a: Float32Array,
  aDims: Dims2,
  b: Float32Array,
  bDims: Dims2,
  options: GemmOptions<Float32Array> = {},
): Promise<Float32Array> {
  return (await defaultGemmEngine()).matmul(a, aDims, b, bDims, options);
}

/** op(A)·op(B) in float64 on the default engine. */
export async function matmulF64(
  a: Float64Array,
  aDims: Dims2,
  b: Float64Array,
  bDims: Dims2,
  options: GemmOptions<Float64Array> = {},
): Promise<Float64Array> {
  return (await defaultGemmEngine()).matmulF64(a, aDims, b, bDims, options);
}

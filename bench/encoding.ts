/**
 * bench/encoding — the issue-3 encoding benchmark: n = 3000 training TRs, 256 features × 4 FIR
 * delays (p = 1024), V = 20,000 voxels, 13 alphas, 5 contiguous folds (+ a 300-TR test run).
 *
 *   npx tsc -p tsconfig.json && node dist/bench/encoding.js [--voxels 20000] [--batch N] [--no-sklearn]
 *     [--permutations 1000 (0: skip)] [--block-trs N (default: from the autocorrelation)]
 *
 * Prints: wall time of ridgeCV, the GEMM FLOPs it issued and the achieved rate, onnxruntime's raw
 * MatMul rate on this machine measured here, peak RSS (sampled from a worker thread, because a
 * running GEMM blocks the main thread, and the kernel's VmHWM), and, when /usr/bin/python3 has
 * scikit-learn, `RidgeCV(alphas, alpha_per_target=True)` on the same data; then the same fit with
 * the block-permutation test the default parameters run, and its ratio to the fit alone. Figures, no asserts.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { GemmEngine } from '../compute/linalg/gemm.js';
import { defaultEighBackend } from '../compute/linalg/eigh.js';
import { lapackStatus } from '../compute/linalg/eighLapack.js';
import { runDelays, runZScore } from '../compute/encoding/features.js';
import { DEFAULT_ALPHAS } from '../compute/encoding/cvFolds.js';
import { ridgeCV } from '../compute/encoding/ridgeCV.js';
import { blockLengthFromAutocorrelation } from '../compute/encoding/blockLength.js';
import { bhAdjust, blockPermutations, colBlockPermutationPValues } from '../compute/encoding/blockPermutation.js';
import { writeNpy } from '../formats/npy.js';
import { hasFlag, numberArg } from './args.js';

const N_TRAIN = 3000;
const N_TEST = 300;
const RUN = 300; // TRs per run: 10 training runs + 1 test run
const FEATURES = 256;
const DELAYS = [1, 2, 3, 4];
const P = FEATURES * DELAYS.length;
const V = numberArg('--voxels', 20_000);
const BATCH = hasFlag('--batch') ? numberArg('--batch', 0) : undefined;
const FOLDS = 5;
const ALPHAS = DEFAULT_ALPHAS;

/** mulberry32 + Box–Muller: reproducible data without a dependency. */
function normalGenerator(seed: number): () => number {
  let s = seed >>> 0;
  const uniform = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** Stimulus features: AR(1)-smooth per-TR features, z-scored per run, delayed 1–4 TRs. */
function designMatrix(nRows: number, seed: number): Float32Array {
  const g = normalGenerator(seed);
  const raw = new Float32Array(nRows * FEATURES);
  for (let t = 0; t < nRows; t++) {
    for (let j = 0; j < FEATURES; j++) {
      const prev = t % RUN === 0 ? 0 : raw[(t - 1) * FEATURES + j];
      raw[t * FEATURES + j] = 0.7 * prev + g();
    }
  }
  const runs = new Array<number>(nRows / RUN).fill(RUN);
  return runDelays(runZScore(raw, [nRows, FEATURES], runs), [nRows, FEATURES], runs, DELAYS);
}

/** Peak RSS sampled every 10 ms from a worker thread (runs while the main thread is in a GEMM). */
function rssSampler(): { stop: () => Promise<number> } {
  const shared = new Float64Array(new SharedArrayBuffer(16));
  const worker = new Worker(
    `const { workerData } = require('node:worker_threads');
     const peak = new Float64Array(workerData);
     setInterval(() => { const r = process.memoryUsage.rss(); if (r > peak[0]) peak[0] = r; }, 10);`,
    { eval: true, workerData: shared.buffer },
  );
  return {
    stop: async () => {
      await worker.terminate();
      return shared[0];
    },
  };
}

function vmHwmBytes(): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

function resetVmHwm(): void {
  try {
    writeFileSync('/proc/self/clear_refs', '5'); // Linux: reset the peak-RSS counter of this process
  } catch {
    /* not Linux or not permitted: VmHWM then covers the whole process lifetime */
  }
}

const SKLEARN_SCRIPT = `
import json, sys, time
import numpy as np
from sklearn.linear_model import RidgeCV
import threadpoolctl
x = np.load(sys.argv[1]).astype(np.float64); y = np.load(sys.argv[2]).astype(np.float64)
alphas = json.loads(sys.argv[3])
t = time.perf_counter()
RidgeCV(alphas=alphas, alpha_per_target=True, fit_intercept=False).fit(x, y)
print(json.dumps({"seconds": time.perf_counter() - t, "threads": threadpoolctl.threadpool_info()[0].get("num_threads") if threadpoolctl.threadpool_info() else None}))
`;

function sklearnSeconds(x: Float32Array, y: Float32Array): { seconds: number; threads: number | null } | string {
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import sklearn, threadpoolctl'], { encoding: 'utf8' });
  if (probe.status !== 0) return 'skipped: /usr/bin/python3 has no scikit-learn (apt-get install python3-sklearn)';
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cortexql-bench-'));
  try {
    writeFileSync(path.join(dir, 'x.npy'), writeNpy(x, [N_TRAIN, P]));
    writeFileSync(path.join(dir, 'y.npy'), writeNpy(y, [N_TRAIN, V]));
    writeFileSync(path.join(dir, 'ridgecv.py'), SKLEARN_SCRIPT);
    const run = spawnSync('/usr/bin/python3', [path.join(dir, 'ridgecv.py'), path.join(dir, 'x.npy'), path.join(dir, 'y.npy'), JSON.stringify(ALPHAS)], {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    });
    if (run.status !== 0) return `failed: ${run.stderr.trim().split('\n').pop() ?? ''}`;
    return JSON.parse(run.stdout.trim().split('\n').pop() as string) as { seconds: number; threads: number | null };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * onnxruntime's raw MatMul rate on the shape of the fit's dominant products (held-out TRs × p)·
 * (p × voxel batch): best and median of 10 timed runs. Shared or throttled CPUs make single
 * timings noisy, so the bench measures it before and after the fit and prints both.
 */
async function rawMatmulRate(engine: GemmEngine, n: number): Promise<{ best: number; median: number }> {
  const [m, k] = [600, P];
  const g = normalGenerator(7);
  const a = Float32Array.from({ length: m * k }, g);
  const b = Float32Array.from({ length: k * n }, g);
  const out = new Float32Array(m * n);
  await engine.matmul(a, [m, k], b, [k, n], { out }); // warm-up
  const rates: number[] = [];
  for (let i = 0; i < 10; i++) {
    const started = performance.now();
    await engine.matmul(a, [m, k], b, [k, n], { out });
    rates.push((2 * m * k * n) / ((performance.now() - started) / 1000) / 1e9);
  }
  rates.sort((x, y) => x - y);
  return { best: rates[rates.length - 1], median: rates[rates.length >> 1] };
}

const gb = (bytes: number): string => `${(bytes / 2 ** 30).toFixed(2)} GiB`;

async function main(): Promise<void> {
  const engine = await GemmEngine.create();
  console.log(`bench/encoding: n=${N_TRAIN} train TRs (+${N_TEST} test), p=${P} (${FEATURES}×${DELAYS.length} delays), V=${V}, ${ALPHAS.length} alphas, ${FOLDS} folds`);
  console.log(`machine: ${os.cpus()[0]?.model ?? 'cpu'} × ${os.availableParallelism()}, node ${process.version}`);
  console.log(`gemm: onnxruntime-node ${engine.provider}, ${engine.threads} threads; eigh: ${defaultEighBackend()} (${lapackStatus().library ?? 'no LAPACK'})`);

  // Data: Y = X·W·snr + noise, with per-voxel SNR spread over two decades.
  const x = designMatrix(N_TRAIN + N_TEST, 1);
  const g = normalGenerator(2);
  const w = Float32Array.from({ length: P * V }, () => g() / Math.sqrt(P));
  const clean = await engine.matmul(x, [N_TRAIN + N_TEST, P], w, [P, V]);
  const y = new Float32Array(clean.length);
  for (let t = 0; t < N_TRAIN + N_TEST; t++) {
    for (let v = 0; v < V; v++) y[t * V + v] = clean[t * V + v] * 10 ** (1 - (2 * v) / V) + g();
  }
  const data = {
    xTrain: x.subarray(0, N_TRAIN * P),
    yTrain: y.subarray(0, N_TRAIN * V),
    xTest: x.subarray(N_TRAIN * P),
    yTest: y.subarray(N_TRAIN * V),
    nTrain: N_TRAIN,
    nTest: N_TEST,
    features: P,
    voxels: V,
  };

  const rawN = Math.min(V, 4096);
  const rawBefore = await rawMatmulRate(engine, rawN);

  if (typeof global.gc === 'function') global.gc();
  const rssBefore = process.memoryUsage.rss();
  resetVmHwm();
  const sampler = rssSampler();
  engine.resetStats();
  const started = performance.now();
  const fit = await ridgeCV(data, { alphas: ALPHAS, folds: FOLDS, engine, ...(BATCH !== undefined ? { voxelBatch: BATCH } : {}) });
  const seconds = (performance.now() - started) / 1000;
  const peakSampled = await sampler.stop();
  const hwm = vmHwmBytes();
  const stats = engine.stats();
  const achieved = stats.flops / seconds / 1e9;
  const rawAfter = await rawMatmulRate(engine, rawN);
  const raw = (rawBefore.median + rawAfter.median) / 2;
  const fmt = (r: { best: number; median: number }): string => `median ${r.median.toFixed(1)}, best ${r.best.toFixed(1)}`;
  console.log(`onnxruntime raw MatMul (600×${P}·${P}×${rawN}, float32), GFLOP/s: before the fit ${fmt(rawBefore)}; after ${fmt(rawAfter)}`);

  const rs = fit.r.filter((r): r is number => r !== null).sort((a, b) => a - b);
  console.log(`ridgeCV: ${seconds.toFixed(2)} s wall (form ${fit.provenance.form}, eigh ${fit.provenance.eighBackend}, voxel batch ${fit.provenance.voxelBatch})`);
  console.log(`  GEMMs: ${stats.calls} calls, ${(stats.flops / 1e12).toFixed(3)} TFLOP, ${stats.seconds.toFixed(2)} s inside onnxruntime (${(stats.flops / stats.seconds / 1e9).toFixed(1)} GFLOP/s there)`);
  console.log(`  achieved: ${achieved.toFixed(1)} GFLOP/s over the whole fit = ${((100 * achieved) / raw).toFixed(0)}% of the raw MatMul rate (mean of the two medians; goal ≥ 60%)`);
  console.log(`  time outside GEMMs (eigh, scoring loops, copies): ${(seconds - stats.seconds).toFixed(2)} s`);
  console.log(`  peak RSS: ${gb(peakSampled)} sampled, ${hwm !== undefined ? gb(hwm) : 'n/a'} VmHWM (RSS before the fit ${gb(rssBefore)}, inputs ${gb((x.byteLength + y.byteLength))})`);
  console.log(`  test r: median ${rs[Math.floor(rs.length / 2)].toFixed(3)}, null ${fit.nullReasons.length}`);

  // The same fit with block-permutation p-values, as the default encoding parameters run it
  // (1000 permutations, blocks from the test responses' autocorrelation; `--block-trs N` fixes
  // the length): its added cost over the fit alone (whose significance, the t test, is O(V)).
  const nPerm = numberArg('--permutations', 1000);
  if (nPerm > 0) {
    const t0 = performance.now();
    const auto = blockLengthFromAutocorrelation(data.yTest, [N_TEST, V], [N_TEST]);
    const blockLength = hasFlag('--block-trs') ? numberArg('--block-trs', 10) : auto.blockTrs;
    const blockSeconds = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    await ridgeCV(data, { alphas: ALPHAS, folds: FOLDS, engine, permutationTest: { permutations: nPerm, blockLength }, ...(BATCH !== undefined ? { voxelBatch: BATCH } : {}) });
    const withPerm = (performance.now() - t1) / 1000 + blockSeconds;
    console.log(
      `ridgeCV with ${nPerm} block permutations (blocks of ${blockLength} TRs; from the autocorrelation: ${auto.blockTrs}, chosen in ${blockSeconds.toFixed(2)} s): ` +
        `${withPerm.toFixed(2)} s wall vs ${seconds.toFixed(2)} s without = ${(withPerm / seconds).toFixed(2)}× the fit alone (+${(withPerm - seconds).toFixed(2)} s)`,
    );
    // The test by itself on the same shape (its cost does not depend on the values), best of 3:
    // on a shared machine the difference of two long fits is noisy, this is not.
    const predicted = Float32Array.from(data.yTest, (v, i) => v + Math.sin(i));
    const perms = blockPermutations(Math.floor(N_TEST / blockLength), nPerm, 0);
    let alone = Infinity;
    for (let k = 0; k < 3; k++) {
      const t2 = performance.now();
      bhAdjust(colBlockPermutationPValues(predicted, data.yTest, [N_TEST, V], perms, blockLength));
      alone = Math.min(alone, (performance.now() - t2) / 1000);
    }
    console.log(`  the permutation test alone (${N_TEST} test TRs × ${V} voxels, + BH): ${alone.toFixed(2)} s (best of 3) = ${((seconds + alone + blockSeconds) / seconds).toFixed(3)}× the fit alone`);
  }

  if (hasFlag('--no-sklearn')) return;
  const sk = sklearnSeconds(data.xTrain, data.yTrain);
  if (typeof sk === 'string') {
    console.log(`scikit-learn RidgeCV: ${sk}`);
  } else {
    console.log(
      `scikit-learn RidgeCV(alphas, alpha_per_target=True, fit_intercept=False), float64, ${sk.threads ?? '?'} BLAS threads: ${sk.seconds.toFixed(2)} s ` +
        `→ cortexql is ${(sk.seconds / seconds).toFixed(2)}× faster (sklearn/cortexql time ratio). ` +
        'Note: RidgeCV scores alphas by efficient leave-one-out (GCV), not by 5 contiguous folds.',
    );
  }
  await engine.release();
}

await main();

/**
 * bench/conventions — how much each encoding convention (docs/encoding.md "Conventions") moves
 * the brain scores of the simulated study, and what block-permutation significance costs at the
 * demo's size. Figures, no asserts.
 *
 *   npm run build && node dist/bench/conventions.js [--scale 0.25] [--permutations 1000] [--significance-only]
 *
 * The study (docs/simulated-study.md, seed 1) is written at `scale`, imported into a temporary
 * warehouse, and hidden states are extracted at three checkpoints (first, planted peak, last).
 * Each convention is then fitted at the planted brain layer for every subject, through the
 * engine the jobs use (fitEncodingCells), and compared voxel by voxel with the defaults: max and
 * mean |Δr|, the share of voxels whose α changes, mean r (with the t test: r and α do not depend
 * on the significance test). Then the default fit (block permutations, blocks sized from the
 * autocorrelation) against the same fit with the t test (`permutations: 0`) gives the added cost of
 * significance, and the recovery of each: how many planted-signal voxels (every ROI but V1) and how
 * many pure-noise voxels (V1, amplitude 0: docs/simulated-study.md) have q ≤ 0.05.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolve } from 'node:path';
import { bhAdjust, blockPermutations, colBlockPermutationPValues } from '../compute/encoding/blockPermutation.js';
import { fitEncodingCells, type EncodingParams } from '../compute/encoding/encodingCells.js';
import { studentTSurvival } from '../compute/encoding/studentT.js';
import { DEFAULT_ROIS } from '../compute/simulate/voxelLayout.js';
import { registerCheckpointArtifacts } from '../services/checkpoints.js';
import { encodingParams, loadEncodingInputs } from '../services/encoding.js';
import { extractFeatures } from '../services/features.js';
import { importFmri } from '../services/importFmri.js';
import { registerModel } from '../services/registry.js';
import { writeSimulatedStudy } from '../services/simulatedStudy.js';
import { Warehouse } from '../warehouse/Warehouse.js';
import { hasFlag, numberArg } from './args.js';

const SCALE = numberArg('--scale', 0.25);
const PERMUTATIONS = numberArg('--permutations', 1000);
/** Only the significance figures (cost and recovery), e.g. at scale 1 where every convention takes long. */
const SIGNIFICANCE_ONLY = hasFlag('--significance-only');
/** ROIs of the simulated study without planted signal (V1: no driver, amplitude 0). */
const NOISE_ROIS = DEFAULT_ROIS.filter((r) => r.driver === 'none').map((r) => r.name);

const OPTIONS: readonly [string, Partial<EncodingParams>][] = [
  ['cvMetric R (Huth bootstrap_ridge)', { cvMetric: 'r' }],
  ['cvMetric R2 (himalaya)', { cvMetric: 'r2' }],
  ['delays 0–3', { delays: [0, 1, 2, 3] }],
  ['delays 1–6', { delays: [1, 2, 3, 4, 5, 6] }],
  ['folds 10', { folds: 10 }],
  ['foldBy RUN (whole runs)', { foldBy: 'run', folds: 3 }],
  ['responseZscore GLOBAL', { responseZscore: 'global' }],
  ['featureZscore GLOBAL', { featureZscore: 'global' }],
  ['intercept', { intercept: true }],
  ['intercept + both GLOBAL (sklearn Pipeline)', { intercept: true, responseZscore: 'global', featureZscore: 'global' }],
];

async function main(): Promise<void> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'cortexql-bench-conventions-'));
  const wh = await Warehouse.create({ path: path.join(tmp, 'w.duckdb') });
  try {
    let t0 = performance.now();
    const study = await writeSimulatedStudy({ outDir: path.join(tmp, 'study'), seed: 1, scale: SCALE, threads: 1 });
    await registerModel(wh, { modelId: study.modelId, tokensPerStep: 1000, finalStep: Math.max(...study.checkpoints.map((c) => c.step)) });
    await registerCheckpointArtifacts(wh, study.modelId, study.checkpoints.map((c) => ({ step: c.step, path: resolve(study.dir, c.file) })), study.tokenizerFile);
    await importFmri(wh, study.fmriManifest);
    const steps = [study.checkpoints[0].step, study.schedule.peakStep, study.checkpoints[study.checkpoints.length - 1].step];
    for (const step of steps) await extractFeatures(wh, { modelId: study.modelId, step, datasetId: study.datasetId, layers: [study.brainLayer] });
    console.log(`simulated study (scale ${SCALE}): written and imported, features at steps ${steps.join(', ')}, layer ${study.brainLayer}, in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    for (const step of steps) {
      const inputs = await loadEncodingInputs(wh, { modelId: study.modelId, step, datasetId: study.datasetId, layers: [study.brainLayer] });
      const nVox = inputs.subjects.reduce((s, x) => s + x.nVoxels, 0);
      const nTrain = inputs.runs.filter((r) => r.split === 'train').reduce((s, r) => s + r.nTrs, 0);
      const nTest = inputs.runs.filter((r) => r.split === 'test').reduce((s, r) => s + r.nTrs, 0);
      t0 = performance.now();
      const tTest = encodingParams({ permutations: 0 });
      const base = await fitEncodingCells(inputs, tTest);
      const baseSeconds = (performance.now() - t0) / 1000;
      const flat = (cells: typeof base.cells, f: 'r' | 'alpha') => cells.flatMap((c) => Array.from(c[f]));
      const r0 = flat(base.cells, 'r');
      const a0 = flat(base.cells, 'alpha');
      const mean = (xs: number[]) => xs.filter(Number.isFinite).reduce((s, x) => s + x, 0) / xs.filter(Number.isFinite).length;
      console.log(`\nstep ${step}: ${inputs.subjects.length} subjects, ${nVox} voxels, ${nTrain} training / ${nTest} test TRs; defaults: mean r ${mean(r0).toFixed(4)} (${baseSeconds.toFixed(2)} s)`);
      if (!SIGNIFICANCE_ONLY) console.log('  convention                                    max|Δr|  mean|Δr|  α changed  mean r');
      for (const [name, partial] of SIGNIFICANCE_ONLY ? [] : OPTIONS) {
        const fit = await fitEncodingCells(inputs, encodingParams({ ...partial, permutations: 0 }));
        const r = flat(fit.cells, 'r');
        const a = flat(fit.cells, 'alpha');
        const d = r.map((x, i) => Math.abs(x - r0[i])).filter(Number.isFinite);
        const changed = a.filter((x, i) => x !== a0[i]).length / a.length;
        console.log(`  ${name.padEnd(44)} ${Math.max(...d).toFixed(4)}   ${mean(d).toFixed(4)}    ${(100 * changed).toFixed(1).padStart(5)} %   ${mean(r).toFixed(4)}`);
      }
      const timed = async (params: EncodingParams) => {
        const times: number[] = [];
        let last = base;
        for (let k = 0; k < 3; k++) {
          const s = performance.now();
          last = await fitEncodingCells(inputs, params);
          times.push((performance.now() - s) / 1000);
        }
        return { seconds: times.sort((x, y) => x - y)[1], fit: last };
      };
      const plain = await timed(tTest);
      const perm = await timed(encodingParams({ permutations: PERMUTATIONS }));
      const blocks = [...new Set(perm.fit.cells.map((c) => c.blockTrs))].join(', ');
      console.log(
        `  significance: t test ${plain.seconds.toFixed(3)} s, ${PERMUTATIONS} block permutations (blocks of ${blocks} TRs) ${perm.seconds.toFixed(3)} s` +
          ` — ×${(perm.seconds / plain.seconds).toFixed(2)}, +${(perm.seconds - plain.seconds).toFixed(3)} s (median of 3)`,
      );
      // The test by itself on each subject's shape (its cost does not depend on the values), best
      // of 3: on a shared machine the difference of two fits is noisier than the test's cost.
      let alone = 0;
      for (const [k, subject] of inputs.subjects.entries()) {
        const block = perm.fit.cells.find((c) => c.subjectId === subject.id)!.blockTrs!;
        const perms = blockPermutations(Math.floor(nTest / block), PERMUTATIONS, 0);
        const [a, b] = [0, 1].map((j) => Float32Array.from({ length: nTest * subject.nVoxels }, (_, i) => Math.sin(i * (j + 1) + k)));
        let best = Infinity;
        for (let rep = 0; rep < 3; rep++) {
          const t1 = performance.now();
          bhAdjust(colBlockPermutationPValues(a, b, [nTest, subject.nVoxels], perms, block));
          best = Math.min(best, (performance.now() - t1) / 1000);
        }
        alone += best;
      }
      console.log(`  the permutation tests alone (${inputs.subjects.length} subjects, + BH): ${alone.toFixed(3)} s = ${(100 * alone / plain.seconds).toFixed(1)} % of the t-test fit`);
      // Recovery: voxels with q ≤ fdrQ per ROI, summed over subjects; V1 is pure noise.
      const byRoi = (f: typeof base) => {
        const out = new Map<string, { n: number; sig: number }>();
        for (const c of f.cells) {
          for (const x of c.summaries) {
            const e = out.get(x.roi) ?? { n: 0, sig: 0 };
            out.set(x.roi, { n: e.n + x.nVoxels, sig: e.sig + x.nSignificant });
          }
        }
        return out;
      };
      const [tRoi, pRoi] = [byRoi(plain.fit), byRoi(perm.fit)];
      const noise = NOISE_ROIS.filter((r) => tRoi.has(r));
      const total = (m: Map<string, { n: number; sig: number }>, rois: readonly string[]) => rois.reduce((s, r) => ({ n: s.n + (m.get(r)?.n ?? 0), sig: s.sig + (m.get(r)?.sig ?? 0) }), { n: 0, sig: 0 });
      const signal = [...tRoi.keys()].filter((r) => r !== 'all' && !noise.includes(r));
      const line = (m: Map<string, { n: number; sig: number }>) => {
        const [s, z] = [total(m, signal), total(m, noise)];
        return `planted signal ${s.sig}/${s.n} (${((100 * s.sig) / s.n).toFixed(1)} %), pure noise ${z.sig}/${z.n} (${((100 * z.sig) / Math.max(1, z.n)).toFixed(1)} %); ` +
          `by ROI ${signal.map((r) => `${r} ${m.get(r)!.sig}/${m.get(r)!.n}`).join(', ')}`;
      };
      console.log(`  recovery (q ≤ 0.05), t test:       ${line(tRoi)}`);
      console.log(`  recovery (q ≤ 0.05), permutations: ${line(pRoi)}`);
      // Calibration: under a test whose null is right, ~5 % of the pure-noise voxels have an
      // uncorrected p ≤ 0.05 (BH's q above is lenient when most voxels carry signal, so q alone does not show it).
      let [noiseVoxels, tLow, pLow] = [0, 0, 0];
      for (const cell of perm.fit.cells) {
        const subject = inputs.subjects.find((x) => x.id === cell.subjectId)!;
        cell.r.forEach((r, v) => {
          if (!noise.includes(subject.roi[v]) || !Number.isFinite(r)) return;
          noiseVoxels += 1;
          if (studentTSurvival(r * Math.sqrt((nTest - 2) / (1 - r * r)), nTest - 2) <= 0.05) tLow += 1;
          if (cell.pValue![v] <= 0.05) pLow += 1;
        });
      }
      console.log(`  pure-noise voxels with uncorrected p ≤ 0.05 (calibrated: ~5 %): t test ${tLow}/${noiseVoxels} (${((100 * tLow) / noiseVoxels).toFixed(1)} %), permutations ${pLow}/${noiseVoxels} (${((100 * pLow) / noiseVoxels).toFixed(1)} %)`);
    }
  } finally {
    await wh.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

await main();

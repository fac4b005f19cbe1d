/**
 * bench/conventions — how much each encoding convention (docs/encoding.md "Conventions") moves
 * the brain scores of the simulated study, and what block-permutation significance costs at the
 * demo's size. Figures, no asserts.
 *
 *   npm run build && node dist/bench/conventions.js [--scale 0.25] [--permutations 1000]
 *
 * The study (docs/simulated-study.md, seed 1) is written at `scale`, imported into a temporary
 * warehouse, and hidden states are extracted at three checkpoints (first, planted peak, last).
 * Each convention is then fitted at the planted brain layer for every subject, through the
 * engine the jobs use (fitEncodingCells), and compared voxel by voxel with the defaults: max and
 * mean |Δr|, the share of voxels whose α changes, mean r. Then the default fit with and without
 * permutations (blocks sized from the autocorrelation) gives the added cost of significance.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolve } from 'node:path';
import { fitEncodingCells, type EncodingParams } from '../compute/encoding/encodingCells.js';
import { registerCheckpointArtifacts } from '../services/checkpoints.js';
import { encodingParams, loadEncodingInputs } from '../services/encoding.js';
import { extractFeatures } from '../services/features.js';
import { importFmri } from '../services/importFmri.js';
import { registerModel } from '../services/registry.js';
import { writeSimulatedStudy } from '../services/simulatedStudy.js';
import { Warehouse } from '../warehouse/Warehouse.js';

const args = process.argv.slice(2);
const argValue = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const SCALE = argValue('--scale', 0.25);
const PERMUTATIONS = argValue('--permutations', 1000);

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
      const base = await fitEncodingCells(inputs, encodingParams());
      const baseSeconds = (performance.now() - t0) / 1000;
      const flat = (cells: typeof base.cells, f: 'r' | 'alpha') => cells.flatMap((c) => Array.from(c[f]));
      const r0 = flat(base.cells, 'r');
      const a0 = flat(base.cells, 'alpha');
      const mean = (xs: number[]) => xs.filter(Number.isFinite).reduce((s, x) => s + x, 0) / xs.filter(Number.isFinite).length;
      console.log(`\nstep ${step}: ${inputs.subjects.length} subjects, ${nVox} voxels, ${nTrain} training / ${nTest} test TRs; defaults: mean r ${mean(r0).toFixed(4)} (${baseSeconds.toFixed(2)} s)`);
      console.log('  convention                                    max|Δr|  mean|Δr|  α changed  mean r');
      for (const [name, partial] of OPTIONS) {
        const fit = await fitEncodingCells(inputs, encodingParams(partial));
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
      const plain = await timed(encodingParams());
      const perm = await timed(encodingParams({ permutations: PERMUTATIONS }));
      const blocks = [...new Set(perm.fit.cells.map((c) => c.blockTrs))].join(', ');
      const sig = (f: typeof base) => f.cells.reduce((s, c) => s + c.summaries.find((x) => x.roi === 'all')!.nSignificant, 0);
      console.log(
        `  significance: t test ${plain.seconds.toFixed(3)} s, ${PERMUTATIONS} block permutations (blocks of ${blocks} TRs) ${perm.seconds.toFixed(3)} s` +
          ` — ×${(perm.seconds / plain.seconds).toFixed(2)}, +${(perm.seconds - plain.seconds).toFixed(3)} s (median of 3); nSignificant (q ≤ 0.05): t test ${sig(plain.fit)}, permutations ${sig(perm.fit)} of ${nVox}`,
      );
    }
  } finally {
    await wh.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

await main();

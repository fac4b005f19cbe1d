// A separate process that starts encoding fits on worker threads and cancels each at a random
// moment (seeded), then runs one fit to the end on the same warm threads. Terminating a worker
// inside a native call aborts the whole process, so the test only checks that this process
// exits 0 and prints its summary. Imports the build (npm test builds first).
import { runFitOnWorker } from '../../dist/services/jobs/runFit.js';

let seed = 12345;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const nRuns = 4, trs = 120, words = 300, dim = 64, voxels = 1000;
const runs = Array.from({ length: nRuns }, (_, i) => ({
  id: `r${i}`, split: i === nRuns - 1 ? 'test' : 'train', nTrs: trs,
  onsets: Float64Array.from({ length: words }, (_, w) => (w * trs * 2) / words),
}));
const matrix = Float32Array.from({ length: nRuns * words * dim }, random);
const responses = Object.fromEntries(runs.map((r) => [r.id, [Float32Array.from({ length: trs * voxels }, random)]]));
const request = {
  kind: 'encoding',
  inputs: { trSeconds: 2, runs, layers: [{ layer: 1, dim, matrix }, { layer: 2, dim, matrix }], subjects: [{ id: 'S', nVoxels: voxels, roi: Array(voxels).fill('A'), responses }] },
  params: { alphas: [1, 10, 100, 1000], folds: 3, delays: [1, 2, 3, 4], downsample: 'mean', cvMetric: 'mse', fdrQ: 0.05 },
};

const [count] = process.argv.slice(2).map(Number);
// Cancel within a fit's own duration on this machine (a warm one, measured here), so the cancels
// land mid-fit on a fast machine and a slow one alike.
await runFitOnWorker(request, () => {}).result;
const t0 = performance.now();
await runFitOnWorker(request, () => {}).result;
const fitMs = performance.now() - t0;
let cancelled = 0;
for (let i = 0; i < count; i++) {
  const handle = runFitOnWorker(request, () => {});
  // Every fourth at once (it must stop at its first check), the others at a random moment: those
  // that land after a fit's last check let it finish, which is fine — none may abort the process.
  const delay = random() * 0.8 * fitMs;
  const timer = setTimeout(() => handle.cancel(), i % 4 === 0 ? 0 : delay);
  await handle.result.then(() => clearTimeout(timer), (error) => {
    if (error.message !== 'cancelled') throw error;
    cancelled++;
  });
}
const last = await runFitOnWorker(request, () => {}).result;
console.log(JSON.stringify({ cancelled, cellsAfter: last.cells.length, fitMs: Math.round(fitMs) }));

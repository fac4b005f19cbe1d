/**
 * Phase-detection benchmark (a script, not a test): times detectPhases on a synthetic study of
 * n = 360 checkpoints × 3 signals (brain, task, internal) with planted breakpoints.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/phases.js
 *
 * Goals (DESIGN.md scale): BIC over k = 0..4 without bootstrap < 20 ms; with 200 bootstrap
 * replicates < 1 s. Prints the median (and min/max) over repeated runs after a warm-up.
 */
import { detectPhases } from '../compute/phases/detectPhases.js';
import type { DetectPhasesOptions, PhaseSignal } from '../compute/phases/detectPhases.js';
import { createNormal, createRng } from '../compute/random.js';

/** A Pythia-like schedule: steps 1..N geometric then linear, tokens = 2M per step. */
function study(n: number, seed: number): { points: { step: number; tokens: number; fraction: number }[]; signals: PhaseSignal[] } {
  const rng = createRng(seed);
  const normal = createNormal(rng);
  const points = Array.from({ length: n }, (_, t) => {
    const step = Math.round(10 ** (1 + (4.2 * t) / (n - 1))) + t; // strictly increasing, uneven spacing
    return { step, tokens: step * 2_097_152, fraction: 0 };
  });
  const last = points[n - 1].step;
  for (const p of points) p.fraction = p.step / last;
  const x = points.map((p) => Math.log10(p.tokens));
  const [x0, x1] = [x[0], x[n - 1]];
  const knot = (v: number): number => x0 + v * (x1 - x0);
  // rise → dip → rise brain; flat-then-rising task; internal metric with the same kinks.
  const brain = (u: number): number => (u < knot(0.35) ? u - x0 : u < knot(0.7) ? knot(0.35) - x0 - 0.8 * (u - knot(0.35)) : knot(0.35) - x0 - 0.8 * (knot(0.7) - knot(0.35)) + 1.5 * (u - knot(0.7)));
  const task = (u: number): number => (u < knot(0.7) ? 0 : 2 * (u - knot(0.7)));
  const internal = (u: number): number => (u < knot(0.35) ? 0.5 * (u - x0) : u < knot(0.7) ? 0.5 * (knot(0.35) - x0) + 1.5 * (u - knot(0.35)) : 3);
  const make = (f: (u: number) => number, sigma: number): Float64Array => Float64Array.from(x, (u) => f(u) + sigma * normal());
  return {
    points,
    signals: [
      { name: 'brain', role: 'BRAIN', values: make(brain, 0.1) },
      { name: 'task', role: 'TASK', values: make(task, 0.1) },
      { name: 'intrinsic_dim', role: 'INTERNAL', values: make(internal, 0.1) },
    ],
  };
}

function time(label: string, runs: number, options: DetectPhasesOptions, data: ReturnType<typeof study>): void {
  const ms: number[] = [];
  let result = detectPhases({ ...data, options }); // warm-up (JIT)
  result = detectPhases({ ...data, options });
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    result = detectPhases({ ...data, options });
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  const median = ms[Math.floor(runs / 2)];
  const labels = result.segments.map((s) => s.label).join(' → ');
  console.log(
    `${label}: median ${median.toFixed(2)} ms (min ${ms[0].toFixed(2)}, max ${ms[runs - 1].toFixed(2)}, ${runs} runs); ` +
      `k = ${result.k}, breakpoints at steps [${result.breakpoints.map((b) => b.step).join(', ')}], ${labels}, ` +
      `triple pattern ${result.triplePattern.present} (confidence ${result.triplePattern.confidence ?? 'n/a'})`,
  );
}

const data = study(360, 7);
console.log(`phase detection, n = ${data.points.length} checkpoints × ${data.signals.length} signals, node ${process.version}`);
time('BIC k = 0..4, no bootstrap       (goal < 20 ms)', 20, { kMax: 4, bootstrap: 0 }, data);
time('BIC k = 0..4, 200 bootstrap reps (goal < 1 s) ', 7, { kMax: 4, bootstrap: 200, seed: 1 }, data);
const small = study(120, 7);
time('continuous, n = 120, BIC k = 0..4, no bootstrap', 5, { kMax: 4, bootstrap: 0, continuous: true }, small);
time('continuous, n = 120, k = 2, 200 bootstrap reps ', 3, { k: 2, bootstrap: 200, continuous: true, seed: 1 }, small);

/**
 * The demo's simulated study (services/demo.ts, docs/simulated-study.md): seed 1, the generator's
 * sizes at scale 0.25 (a 3-layer tiny GPT, 2 subjects × 300 voxels, 5 stories of 200 words) with
 * 16 checkpoints — enough for phase detection to find the three planted phases with their planted
 * boundaries, and about 4.5× quicker to build than scale 0.5, which finds the same phases
 * (25 against 115 CPU seconds on one thread; 8 checkpoints: 13 s). The test suite builds this same demo (test/helpers/fixtures.ts),
 * so what the docs show the demo returning is checked on what `npm start` builds.
 * `CORTEXQL_DEMO_SCALE` or `demo build --scale` builds the generator's defaults at another scale.
 */
export const DEMO_STUDY = { seed: 1, scale: 0.25, checkpoints: 16 } as const;

/** The study options of a demo build: the demo's, or the generator's defaults at `scale`. */
export function demoStudyOptions(scale?: number): { seed: number; scale: number; checkpoints?: number } {
  return scale === undefined ? DEMO_STUDY : { seed: DEMO_STUDY.seed, scale };
}

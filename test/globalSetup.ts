/**
 * Runs once before the test files: makes the shared fixtures that several files read (the
 * simulated study, the warehouse of Pythia evals), unless this source state made them already
 * (see helpers/fixtures.ts). The demo warehouse is made by its one reader, test/services/demo.test.ts,
 * while the other files run.
 */
import { cachedPythiaWarehouse, cachedSimulatedStudy } from './helpers/fixtures.js';

export default async function setup(): Promise<void> {
  await cachedSimulatedStudy();
  await cachedPythiaWarehouse();
}

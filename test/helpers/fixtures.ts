/**
 * Fixtures that are expensive to make and the same in every run — the simulated study, the
 * demo warehouse built from it through the full pipeline, a warehouse holding the shipped Pythia
 * evals — built once and kept under .cache/test-fixtures/<key>/, where the key hashes every
 * source file that can change them (the generator, the pipeline, the warehouse, the shipped data,
 * the installed packages). Any change to those files makes a new key, so a fixture is never older
 * than the code under test; test/globalSetup.ts makes the cheap ones before the run.
 *
 * A fixture is built under a temporary name and renamed into place, so a run that dies mid-build
 * leaves nothing a later run would trust. Tests copy the warehouse files they open.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { DemoReport } from '../../services/demo.js';
import { importEvalsFromPath } from '../../services/importEvals.js';
import { PACKAGE_ROOT } from '../../services/paths.js';
import type { SimulatedStudy } from '../../services/simulatedStudy.js';
import { Warehouse } from '../../warehouse/Warehouse.js';
import { PYTHIA_EVALS } from './pythiaFiles.js';

/** What the fixtures are made from: these folders' sources, the shipped evals and the lock file. */
const INPUTS = ['errors', 'formats', 'compute', 'warehouse', 'services', 'data/pythia-evals', 'package-lock.json'];
const CACHE = join(PACKAGE_ROOT, '.cache', 'test-fixtures');
/** The simulated study the tests share: the demo's generator at a quarter of its size. */
export const STUDY_OPTIONS = { seed: 1, scale: 0.25, threads: 1 } as const;

function filesUnder(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(path, e.name)) : [join(path, e.name)]));
}

/** sha256 over the paths and contents of every input, first 16 hex digits. */
export function fixtureKey(): string {
  const hash = createHash('sha256').update(JSON.stringify(STUDY_OPTIONS));
  for (const file of INPUTS.flatMap((i) => filesUnder(join(PACKAGE_ROOT, i))).sort()) {
    hash.update(relative(PACKAGE_ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

const KEY = fixtureKey();
const DIR = join(CACHE, KEY);

/** Builds `name` in DIR with `make` (given a temporary path) unless it is there; returns its path. */
async function cached(name: string, make: (path: string) => Promise<void>): Promise<string> {
  const path = join(DIR, name);
  if (existsSync(path)) return path;
  mkdirSync(DIR, { recursive: true });
  const building = `${path}.building-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  await make(building);
  if (!existsSync(path)) renameSync(building, path);
  else rmSync(building, { recursive: true, force: true });
  // Keep this key's fixtures and the previous key's (another worktree state), drop older ones.
  const keys = readdirSync(CACHE).map((k) => ({ k, t: statSync(join(CACHE, k)).mtimeMs })).sort((a, b) => b.t - a.t);
  for (const { k } of keys.slice(2)) if (k !== KEY) rmSync(join(CACHE, k), { recursive: true, force: true });
  return path;
}

/**
 * The shared simulated study, written once. Its files hold relative paths only, so the folder
 * can be renamed into place; the returned index is re-rooted at the final folder.
 */
export async function cachedSimulatedStudy(): Promise<SimulatedStudy> {
  const ROOT = '<study>';
  const dir = await cached('study', async (building) => {
    // Loaded here, not at the top: most test files only need the Pythia warehouse.
    const { writeSimulatedStudy } = await import('../../services/simulatedStudy.js');
    const files = join(building, 'files');
    const study = await writeSimulatedStudy({ ...STUDY_OPTIONS, outDir: files });
    writeFileSync(join(building, 'index.json'), JSON.stringify(study).replaceAll(JSON.stringify(files).slice(1, -1), ROOT));
  });
  return JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8').replaceAll(ROOT, JSON.stringify(join(dir, 'files')).slice(1, -1))) as SimulatedStudy;
}

/** A warehouse holding the shipped Pythia evals (what most API tests start from), as a file to copy. */
export async function cachedPythiaWarehouse(): Promise<string> {
  const dir = await cached('pythia', async (building) => {
    mkdirSync(building, { recursive: true });
    const wh = await Warehouse.create({ path: join(building, 'warehouse.duckdb') });
    try {
      await importEvalsFromPath(wh, PYTHIA_EVALS);
      await wh.checkpoint();
    } finally {
      await wh.close();
    }
  });
  return join(dir, 'warehouse.duckdb');
}

/**
 * The demo warehouse (Pythia evals + the shared simulated study through the full pipeline:
 * ONNX → hidden states → encoding → brain scores, internal metrics), and the report of its build.
 */
export async function cachedDemoWarehouse(): Promise<{ path: string; report: DemoReport }> {
  const study = await cachedSimulatedStudy();
  const dir = await cached('demo', async (building) => {
    const { fillDemoWarehouse } = await import('../../services/demo.js');
    mkdirSync(building, { recursive: true });
    const wh = await Warehouse.create({ path: join(building, 'warehouse.duckdb') });
    try {
      const report = await fillDemoWarehouse(wh, { pythiaEvals: PYTHIA_EVALS, study });
      await wh.checkpoint();
      writeFileSync(join(building, 'report.json'), JSON.stringify(report));
    } finally {
      await wh.close();
    }
  });
  return { path: join(dir, 'warehouse.duckdb'), report: JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as DemoReport };
}

/** A private copy of a cached warehouse file in `dir`, for a test to open and write. */
export function copyWarehouse(file: string, dir: string): string {
  const copy = join(dir, 'test.duckdb');
  cpSync(file, copy);
  return copy;
}

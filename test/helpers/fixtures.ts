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
import { DEMO_STUDY } from '../../services/demoStudy.js';
import { importEvalsFromPath } from '../../services/importEvals.js';
import { PACKAGE_ROOT } from '../../services/paths.js';
import type { SimulatedStudy } from '../../services/simulatedStudy.js';
import { Warehouse } from '../../warehouse/Warehouse.js';
import { PYTHIA_EVALS } from './pythiaFiles.js';

/** What the fixtures are made from: these folders' sources, the shipped evals and the lock file. */
const INPUTS = ['errors', 'formats', 'compute', 'warehouse', 'services', 'data/pythia-evals', 'package-lock.json'];
const CACHE = join(PACKAGE_ROOT, '.cache', 'test-fixtures');
/** The simulated study the generator's own tests read (test/services/simulatedStudy.test.ts): 8 checkpoints. */
export const STUDY_OPTIONS = { seed: 1, scale: 0.25, threads: 1 } as const;

function filesUnder(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(path, e.name)) : [join(path, e.name)]));
}

/** sha256 over the paths and contents of every input, first 16 hex digits. */
export function fixtureKey(): string {
  const hash = createHash('sha256').update(JSON.stringify([STUDY_OPTIONS, DEMO_STUDY]));
  for (const file of INPUTS.flatMap((i) => filesUnder(join(PACKAGE_ROOT, i))).sort()) {
    hash.update(relative(PACKAGE_ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

const KEY = fixtureKey();
const DIR = join(CACHE, KEY);

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Builds `name` in DIR with `make` (given a temporary path) unless it is there; returns its path. */
async function cached(name: string, make: (path: string) => Promise<void>): Promise<string> {
  const path = join(DIR, name);
  if (existsSync(path)) return path;
  mkdirSync(DIR, { recursive: true });
  // One builder at a time: test files that need the demo start together, and building it twice
  // on two cores takes twice as long. The lock names its builder; a dead builder's lock is taken over.
  const lock = `${path}.lock`;
  for (;;) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch {
      if (existsSync(path)) return path;
      let owner = 0;
      try {
        owner = Number(readFileSync(lock, 'utf8'));
      } catch {
        continue; // released meanwhile
      }
      if (owner > 0 && !processAlive(owner)) rmSync(lock, { force: true });
      else await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    if (existsSync(path)) return path;
    const building = `${path}.building-${process.pid}`;
    rmSync(building, { recursive: true, force: true });
    await make(building);
    renameSync(building, path);
  } finally {
    rmSync(lock, { force: true });
  }
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
  return cachedStudy('study', STUDY_OPTIONS);
}

/** A simulated study written once under `name` (its files hold relative paths only). */
async function cachedStudy(name: string, options: { seed: number; scale: number; threads: number; checkpoints?: number }): Promise<SimulatedStudy> {
  const ROOT = '<study>';
  const dir = await cached(name, async (building) => {
    // Loaded here, not at the top: most test files only need the Pythia warehouse.
    const { writeSimulatedStudy } = await import('../../services/simulatedStudy.js');
    const files = join(building, 'files');
    const study = await writeSimulatedStudy({ ...options, outDir: files });
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
 * The demo warehouse — the same build as `npm start`'s (services/demoStudy.ts: seed, scale), so
 * the docs' output blocks are checked on the data a user gets: the Pythia evals + the demo's
 * simulated study through the full pipeline (ONNX → hidden states → encoding → brain scores,
 * internal metrics), and the report of its build.
 */
export async function cachedDemoWarehouse(): Promise<{ path: string; report: DemoReport }> {
  const study = await cachedStudy('demo-study', { ...DEMO_STUDY, threads: 1 });
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

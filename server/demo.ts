import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildDemoStudy, demoStudyDir, fillDemoWarehouse, type DemoProgress, type DemoReport } from '../services/demo.js';
import { Warehouse } from '../warehouse/Warehouse.js';
import { SHIPPED_DATA } from '../services/paths.js';

/** A scale asked for (`--scale`, CORTEXQL_DEMO_SCALE), or none: the demo's own sizes (services/demoStudy.ts). */
const demoScale = (scale?: number) => scale ?? (process.env.CORTEXQL_DEMO_SCALE ? Number(process.env.CORTEXQL_DEMO_SCALE) : undefined);
export const DEMO_PYTHIA_EVALS = join(SHIPPED_DATA, 'pythia-evals');

/** Present while the demo's simulated study is not completely built into the warehouse. */
const pendingMarker = (path: string) => `${path}.demo-pending`;

/**
 * Builds the demo warehouse (services/demo.ts) under a temporary name and renames it when
 * complete, so an interrupted build never leaves a half-built demo behind (`cortexql demo build`).
 */
export async function buildDemoWarehouse(path: string, options: { scale?: number; onProgress?: DemoProgress } = {}): Promise<DemoReport> {
  const building = `${path}.building`;
  rmSync(building, { force: true });
  rmSync(`${building}.wal`, { force: true });
  const wh = await Warehouse.create({ path: building });
  let report: DemoReport;
  try {
    report = await fillDemoWarehouse(wh, { pythiaEvals: DEMO_PYTHIA_EVALS, studyDir: demoStudyDir(path), scale: demoScale(options.scale), onProgress: options.onProgress });
    await wh.checkpoint();
  } finally {
    await wh.close();
  }
  rmSync(path, { force: true });
  renameSync(building, path);
  rmSync(pendingMarker(path), { force: true });
  return report;
}

/**
 * Whether the demo at `path` still needs its simulated study built: on a first start (no file
 * yet), or after a start that stopped before the study was complete.
 */
export function demoStudyPending(path: string): boolean {
  return !existsSync(path) || existsSync(pendingMarker(path));
}

/** Marks the study pending (once the warehouse is open), so an interrupted build is resumed by the next start. */
export function markDemoStudyPending(path: string): void {
  writeFileSync(pendingMarker(path), 'the simulated study of the demo is not completely built; the next start builds it\n');
}

/** Where a background build of the demo's study stands (`/healthz`: `demo`). */
export interface DemoBuildStatus {
  readonly state: 'building' | 'ready' | 'failed' | 'stopped';
  /** The stage running now ("simulate …", "sim checkpoints"), and how far it is. */
  readonly stage: string | null;
  readonly done: number;
  readonly total: number;
  readonly seconds: number;
}

/**
 * The demo's simulated study built in the background of a serving server (the Pythia evals are
 * there already, services/demo.ts importDemoEvals): the server answers from the first second and
 * the study's model, fMRI and brain scores appear as they are written. `stop` interrupts it
 * between checkpoints (shutdown); the pending marker stays, so the next start builds it again.
 */
export class DemoStudyBuild {
  private status: DemoBuildStatus = { state: 'building', stage: 'starting', done: 0, total: 0, seconds: 0 };
  private readonly abort = new AbortController();
  private readonly started = performance.now();
  readonly finished: Promise<void>;

  constructor(wh: Warehouse, path: string, log: { info: (o: object, m: string) => void; error: (o: object, m: string) => void }, scale?: number) {
    const onProgress: DemoProgress = (stage, done, total) => {
      if (stage !== this.status.stage) log.info({ stage, total }, 'demo study: building');
      this.status = { state: 'building', stage, done, total, seconds: this.elapsed() };
    };
    this.finished = buildDemoStudy(wh, { pythiaEvals: DEMO_PYTHIA_EVALS, studyDir: demoStudyDir(path), scale: demoScale(scale), onProgress, signal: this.abort.signal })
      .then(async (study) => {
        await wh.checkpoint();
        rmSync(pendingMarker(path), { force: true });
        this.status = { ...this.status, state: 'ready', stage: null, seconds: this.elapsed() };
        log.info({ model: study.modelId, checkpoints: study.checkpoints, seconds: Math.round(this.elapsed()) }, 'demo study: built');
      })
      .catch((error: unknown) => {
        const stopped = this.abort.signal.aborted;
        this.status = { ...this.status, state: stopped ? 'stopped' : 'failed', seconds: this.elapsed() };
        if (!stopped) log.error({ err: error }, 'demo study: the build failed (it is tried again at the next start)');
      });
  }

  private elapsed(): number {
    return Math.round((performance.now() - this.started) / 100) / 10;
  }

  current(): DemoBuildStatus {
    return this.status;
  }

  /** Interrupts the build between checkpoints and resolves once it has let go of the warehouse. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.finished;
  }
}

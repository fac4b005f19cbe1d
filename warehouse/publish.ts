import { constants } from 'node:fs';
import { copyFile, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Copies `source` to `target` so that a reader of `target` sees the old file or the new one,
 * never a mix: copy to a temporary name in the target's folder (a reflink where the file
 * system has them), fsync it, rename it over the target (atomic on POSIX), fsync the folder.
 * Returns the bytes copied.
 */
export async function copyFileAtomically(source: string, target: string): Promise<number> {
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`);
  await mkdir(dirname(target), { recursive: true });
  try {
    await copyFile(source, tmp, constants.COPYFILE_FICLONE);
    await fsync(tmp);
    await rename(tmp, target);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
  await fsync(dirname(target));
  return (await stat(target)).size;
}

async function fsync(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** The warehouse as publishing and watching see it (named structurally: Warehouse.ts imports this file). */
interface Published {
  readonly path: string;
  readonly dataVersion: number;
  reopen(): Promise<void>;
  publish(target: string): Promise<{ bytes: number; ms: number }>;
}

export interface Watcher {
  stop(): void;
}

/**
 * A read replica's side: polls the published file every `intervalMs` and, when a publisher has
 * renamed a new version over it (another inode, size or time), reopens the warehouse on it.
 * A version that fails to open (still being written elsewhere, another schema) is reported and
 * retried at the next poll; the old one keeps serving meanwhile.
 */
export function watchPublished(wh: Published, intervalMs: number, report: (event: { reopened?: true; error?: unknown }) => void): Watcher {
  const identity = async () => {
    const s = await stat(wh.path);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  };
  let current: string | null = null;
  let busy = false;
  void identity().then((id) => (current ??= id), () => undefined);
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    try {
      const id = await identity();
      if (current !== null && id !== current) {
        await wh.reopen();
        report({ reopened: true });
      }
      current = id;
    } catch (error) {
      report({ error });
    } finally {
      busy = false;
    }
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/**
 * A writer's side: publishes to `target` now, then every `everyMs` if data changed since (the
 * copy holds the write lock for its duration: writes wait, reads go on).
 */
export function publishWhenChanged(wh: Published, target: string, everyMs: number, report: (event: { bytes?: number; ms?: number; error?: unknown }) => void): Watcher & { done: Promise<void> } {
  let published = -1;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    if (wh.dataVersion === published) return running;
    const version = wh.dataVersion;
    running = wh.publish(target).then(
      (r) => { published = version; report(r); },
      (error: unknown) => report({ error }),
    );
    return running;
  };
  const done = tick();
  const timer = setInterval(() => void running.then(tick), everyMs);
  timer.unref();
  return { done, stop: () => clearInterval(timer) };
}

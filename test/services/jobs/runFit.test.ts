import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../services/paths.js';

describe('cancelling fits on worker threads', () => {
  // Worker.terminate() inside LAPACK (koffi) or onnxruntime aborted the whole process
  // ("FATAL ERROR: Error::ThrowAsJavaScriptException napi_throw"); fits now stop between steps.
  it('never takes the process down, and the threads serve the next fit', () => {
    const child = spawnSync(process.execPath, [join(PACKAGE_ROOT, 'test', 'helpers', 'cancelFitsChild.mjs'), '20'], { encoding: 'utf8', timeout: 240_000 });
    expect({ status: child.status, signal: child.signal, stderr: child.stderr }).toEqual({ status: 0, signal: null, stderr: '' });
    const summary = JSON.parse(child.stdout.trim()) as { cancelled: number; cellsAfter: number; fitMs: number };
    // 5 of the 20 are cancelled at once and must stop; how many of the others land before a fit's last check depends on the machine.
    expect(summary.cancelled, JSON.stringify(summary)).toBeGreaterThanOrEqual(5);
    expect(summary.cellsAfter).toBe(2);
  }, 300_000);
});

import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CortexError } from '../errors/CortexError.js';
import { PACKAGE_ROOT } from './paths.js';

/**
 * The compiled worker script `name` (e.g. 'fitWorker.js') beside the module at `moduleUrl`.
 * Under the test runner the sources are TypeScript, which a worker thread cannot load, so the
 * build's copy runs (npm test builds first).
 */
export function workerScript(moduleUrl: string, name: string): string {
  const here = fileURLToPath(moduleUrl);
  const sibling = join(dirname(here), name);
  if (here.endsWith('.js') && existsSync(sibling)) return sibling;
  const built = join(PACKAGE_ROOT, 'dist', relative(PACKAGE_ROOT, dirname(here)), name);
  if (!existsSync(built)) throw new CortexError('INTERNAL', `worker script ${built} is missing: run npm run build`);
  return built;
}

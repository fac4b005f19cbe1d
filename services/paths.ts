import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root, whether running from the sources (tests) or from dist/ (npm start). */
export const PACKAGE_ROOT = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cortexql: package.json not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
  return dir;
})();

/** Data shipped in the repository (each data folder has a SOURCE.md). */
export const SHIPPED_DATA = join(PACKAGE_ROOT, 'data');
export const DEFAULT_WAREHOUSE = join(PACKAGE_ROOT, 'data', 'warehouse', 'cortexql.duckdb');

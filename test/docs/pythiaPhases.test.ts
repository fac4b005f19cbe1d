import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { pythiaPhaseTable } from '../../scripts/pythiaPhaseTable.js';
import { PACKAGE_ROOT } from '../../services/paths.js';
import { Warehouse } from '../../warehouse/Warehouse.js';
import { cachedPythiaWarehouse, copyWarehouse } from '../helpers/fixtures.js';
import { tempDir } from '../helpers/tmp.js';

/** docs/pythia-phases.md states the phases found on the shipped Pythia evals: they are what the detector finds now. */
it('docs/pythia-phases.md is what `npm run docs:phases` writes from the shipped evals', async () => {
  const tmp = tempDir();
  const wh = await Warehouse.create({ path: copyWarehouse(await cachedPythiaWarehouse(), tmp.dir) });
  try {
    expect(await pythiaPhaseTable(wh)).toBe(readFileSync(join(PACKAGE_ROOT, 'docs', 'pythia-phases.md'), 'utf8'));
  } finally {
    await wh.close();
    tmp.cleanup();
  }
}, 120_000);

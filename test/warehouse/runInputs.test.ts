import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeSyntheticFmri } from '../../bench/syntheticFmri.js';
import { importFmri } from '../../services/importFmri.js';
import { MIGRATIONS } from '../../warehouse/migrations.js';
import { refreshSubjectHashes, subjectHashes } from '../../warehouse/runInputsRepo.js';
import { Warehouse } from '../../warehouse/Warehouse.js';
import { tempDir } from '../helpers/tmp.js';

describe("subjects' content hashes (migration 13)", () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('the backfill of an older warehouse gives the hash an import sets; ROI labels and responses change it', async () => {
    const wh = await Warehouse.create({ path: join(tmp.dir, 'w.duckdb') });
    try {
      await importFmri(wh, writeSyntheticFmri(join(tmp.dir, 'synth'), { voxels: 40 }).manifest);
      const imported = (await subjectHashes(wh, 'synth')).get('S01');
      expect(imported).toMatch(/^[0-9a-f]{64}$/);
      // As a warehouse of migration 12 has it: no hashes; migration 13's backfill statement sets them.
      const backfill = MIGRATIONS.find((m) => m.version === 13)?.statements?.find((sql) => sql.startsWith('UPDATE subjects'));
      await wh.write(async (tx) => {
        await tx.run('UPDATE subjects SET content_sha256 = NULL');
        await tx.run(backfill ?? 'missing');
      });
      expect((await subjectHashes(wh, 'synth')).get('S01')).toBe(imported);
      const changedBy = async (sql: string) => {
        await wh.write(async (tx) => {
          await tx.run(sql);
          await refreshSubjectHashes(tx, 'synth');
        });
        return (await subjectHashes(wh, 'synth')).get('S01');
      };
      const relabelled = await changedBy("UPDATE voxels SET roi = 'XX' WHERE voxel = 3");
      expect(relabelled).not.toBe(imported);
      const retimed = await changedBy("UPDATE stimulus_words SET onset = onset + 0.5 WHERE word_index = 0");
      expect(new Set([imported, relabelled, retimed]).size).toBe(3);
    } finally {
      await wh.close();
    }
  });
});

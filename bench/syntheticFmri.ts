/** The small fMRI dataset with exact linear ground truth that benchmarks and tests compute on. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runFeatureMatrix } from '../compute/encoding/features.js';
import { createNormal, createRng } from '../compute/random.js';
import { writeNpy } from '../formats/npy.js';

export interface SyntheticFmri {
  readonly manifest: string;
  readonly dir: string;
  /** n_words × dim features per layer file (layer → path). */
  readonly featureFiles: Map<number, string>;
  readonly nWords: number;
  readonly nVoxels: number;
}

const TR = 2;
const WORDS_PER_TR = 4;

/**
 * A small fMRI dataset with known ground truth: 3 training runs and one test run shown twice;
 * voxel responses are an exact linear function of layer 1's delayed, TR-averaged features plus
 * `noise`; voxel 0 is constant (its score is undefined); the last quarter of voxels is pure noise.
 * Layer 0's features are unrelated noise.
 */
export function writeSyntheticFmri(dir: string, options: { noise?: number; seed?: number; dim?: number; voxels?: number } = {}): SyntheticFmri {
  const noise = options.noise ?? 0;
  const dim = options.dim ?? 6;
  const nVoxels = options.voxels ?? 40;
  const normal = createNormal(createRng(options.seed ?? 1));
  const runs = [
    { id: 'train-1', split: 'train', nTrs: 60 },
    { id: 'train-2', split: 'train', nTrs: 60 },
    { id: 'train-3', split: 'train', nTrs: 60 },
    { id: 'test-1', split: 'test', nTrs: 50 },
  ] as const;
  mkdirSync(join(dir, 'stimuli'), { recursive: true });
  mkdirSync(join(dir, 'S01'), { recursive: true });
  const runWords = runs.map((run) => Array.from({ length: (run.nTrs - 1) * WORDS_PER_TR }, (_, i) => ({ word: `w${i}`, onset: i * (TR / WORDS_PER_TR), offset: i * (TR / WORDS_PER_TR) + 0.4 })));
  const nWords = runWords.reduce((s, w) => s + w.length, 0);
  const truth = Float32Array.from({ length: nWords * dim }, () => normal());
  const weights = Float32Array.from({ length: dim * 4 * nVoxels }, () => normal());

  const featureFiles = new Map<number, string>();
  featureFiles.set(0, join(dir, 'features_layer0.npy'));
  featureFiles.set(1, join(dir, 'features_layer1.npy'));
  writeFileSync(featureFiles.get(0)!, writeNpy(Float32Array.from({ length: nWords * dim }, () => normal()), [nWords, dim]));
  writeFileSync(featureFiles.get(1)!, writeNpy(truth, [nWords, dim]));

  const responses: Record<string, string | string[]> = {};
  let w0 = 0;
  runs.forEach((run, r) => {
    writeFileSync(join(dir, 'stimuli', `${run.id}.json`), JSON.stringify({ words: runWords[r] }));
    const n = runWords[r].length;
    const x = runFeatureMatrix(
      [{ words: truth.subarray(w0 * dim, (w0 + n) * dim), onsets: runWords[r].map((w) => w.onset), nTr: run.nTrs }],
      dim,
      { trSeconds: TR },
    );
    w0 += n;
    const presentations = run.split === 'test' ? 2 : 1;
    const files: string[] = [];
    for (let p = 0; p < presentations; p++) {
      const y = new Float32Array(run.nTrs * nVoxels);
      for (let t = 0; t < run.nTrs; t++) {
        for (let v = 0; v < nVoxels; v++) {
          if (v === 0) { y[t * nVoxels] = 5; continue; }
          let s = 0;
          if (v < (nVoxels * 3) / 4) for (let j = 0; j < dim * 4; j++) s += x.matrix[t * dim * 4 + j] * weights[j * nVoxels + v];
          y[t * nVoxels + v] = s + (v < (nVoxels * 3) / 4 ? noise : 1) * normal();
        }
      }
      const file = `S01/${run.id}_${p}.npy`;
      writeFileSync(join(dir, file), writeNpy(y, [run.nTrs, nVoxels]));
      files.push(file);
    }
    responses[run.id] = presentations === 1 ? files[0] : files;
  });
  writeFileSync(join(dir, 'S01', 'voxels.json'), JSON.stringify(Array.from({ length: nVoxels }, (_, v) => ({ roi: v < nVoxels / 2 ? 'AC' : 'PC', x: v, y: 0, z: 0 }))));
  const manifest = join(dir, 'manifest.json');
  writeFileSync(manifest, JSON.stringify({
    format: 'cortexql-fmri/1',
    dataset: { id: 'synth', name: 'synthetic listening', language: 'en', trSeconds: TR },
    runs: runs.map((run) => ({ ...run, transcript: `stimuli/${run.id}.json` })),
    subjects: [{ id: 'S01', responses, voxels: 'S01/voxels.json' }],
  }, null, 2));
  return { manifest, dir, featureFiles, nWords, nVoxels };
}

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SHIPPED_DATA } from '../../services/paths.js';

export const PYTHIA_EVALS = join(SHIPPED_DATA, 'pythia-evals');

export interface RawEvalFile {
  readonly modelId: string;
  readonly step: number;
  readonly results: Record<string, Record<string, number>>;
}

/** The shipped Pythia JSON files, read directly (independently of the importer) as ground truth. */
export function readPythiaFiles(): RawEvalFile[] {
  const out: RawEvalFile[] = [];
  for (const modelDir of readdirSync(PYTHIA_EVALS, { withFileTypes: true })) {
    if (!modelDir.isDirectory()) continue;
    const dir = join(PYTHIA_EVALS, modelDir.name, 'zero-shot');
    for (const name of readdirSync(dir)) {
      const doc = JSON.parse(readFileSync(join(dir, name), 'utf8'));
      out.push({ modelId: modelDir.name, step: Number(/step(\d+)/.exec(name)![1]), results: doc.results });
    }
  }
  return out;
}

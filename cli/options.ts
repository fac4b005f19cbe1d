import { InvalidArgumentError } from 'commander';
import { resolveConfig } from '../server/config.js';
import { stepFrom } from '../formats/lmEvalResults.js';
import type { Warehouse } from '../warehouse/Warehouse.js';

/** The step named in a checkpoint file's path (step3000.onnx, step-3000/model.onnx). */
export const stepOf = (path: string) => {
  const step = stepFrom(path);
  if (step === null) throw new InvalidArgumentError(`no step in the name of ${path} (e.g. step3000.onnx)`);
  return step;
};

/** An option parser for whole numbers. */
export const int = (label: string) => (text: string) => {
  const n = Number(text);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`${label} must be a whole number`);
  return n;
};

/** An option parser for comma-separated lists. */
export const list = () => (text: string) => text.split(',').map((s) => s.trim());

/** Opens the warehouse of `--db` (or the configured one) for one command, and closes it. */
export async function withWarehouse<T>(db: string | undefined, work: (wh: Warehouse) => Promise<T>): Promise<T> {
  const { Warehouse } = await import('../warehouse/Warehouse.js');
  const wh = await Warehouse.create({ path: resolveConfig({ db }).db });
  try {
    return await work(wh);
  } finally {
    wh.close();
  }
}

import { InvalidArgumentError } from 'commander';
import { resolveConfig } from '../server/config.js';
import { readFileSync } from 'node:fs';
import { badInput } from '../errors/CortexError.js';
import type { Warehouse } from '../warehouse/Warehouse.js';

/** A layers manifest file: a JSON array of tensor names (layer 0 first) or an object { "0": name, … }. */
export function readLayersManifest(file: string | undefined): string[] | Record<string, string> | undefined {
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw badInput(`cannot read the layers manifest ${file}`, { file });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw badInput(`${file} is not JSON: a layers manifest is an array of tensor names (layer 0 first) or an object { "0": name, … }`, { file });
  }
  if (typeof json !== 'object' || json === null) throw badInput(`${file}: a layers manifest is an array of tensor names or an object { "0": name, … }`, { file });
  return json as string[] | Record<string, string>;
}

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

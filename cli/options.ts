import { InvalidArgumentError } from 'commander';
import { readFileSync } from 'node:fs';
import { badInput } from '../errors/CortexError.js';
import { parseJsonText, parseStepText, shown } from '../formats/validation.js';
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
    json = parseJsonText(text);
  } catch {
    throw badInput(`${file} is not JSON: a layers manifest is an array of tensor names (layer 0 first) or an object { "0": name, … }`, { file });
  }
  if (typeof json !== 'object' || json === null) throw badInput(`${file}: a layers manifest is an array of tensor names or an object { "0": name, … }`, { file });
  return json as string[] | Record<string, string>;
}

/** An option parser for whole numbers: digits only (`1e3`, `0x10`, `-1` are refused), within [min, max]. */
export const int = (label: string, min = 0, max = Number.MAX_SAFE_INTEGER) => (text: string) => {
  const n = /^\d{1,16}$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${label} must be a whole number from ${min} to ${max} (got ${shown(text)})`);
  return n;
};

/** An option parser for a training step (formats/validation.ts: an integer 0 ≤ step ≤ 2^31 − 1). */
export const step = () => (text: string) => {
  const n = parseStepText(text);
  if (typeof n === 'string') throw new InvalidArgumentError(n);
  return n;
};

/** An option parser for comma-separated steps; every bad item is named at once. */
export const steps = () => (text: string) => {
  const parsed = text.split(',').map(parseStepText);
  const bad = parsed.filter((p): p is string => typeof p === 'string');
  if (bad.length) throw new InvalidArgumentError(bad.join('; '));
  return parsed as number[];
};

/** An option parser for comma-separated whole numbers (layers). */
export const ints = (label: string, min = 0, max = Number.MAX_SAFE_INTEGER) => (text: string) => text.split(',').map(int(label, min, max));

/** An option parser for comma-separated lists. */
export const list = () => (text: string) => text.split(',').map((s) => s.trim());

/** Opens the warehouse of `--db` (or the configured one) for one command, and closes it. */
export async function withWarehouse<T>(db: string | undefined, work: (wh: Warehouse) => Promise<T>): Promise<T> {
  const { Warehouse } = await import('../warehouse/Warehouse.js');
  const { resolveConfig } = await import('../server/config.js');
  const wh = await Warehouse.create({ path: resolveConfig({ db }).db });
  try {
    return await work(wh);
  } finally {
    await wh.close();
    // work may have used the compute pool (e.g. noise ceilings at fMRI import): its threads would keep the command alive
    const { closeCpuPool } = await import('../services/cpu/CpuPool.js');
    await closeCpuPool();
  }
}

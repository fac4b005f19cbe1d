import { randInt, type Rng } from '../../compute/random.js';
import { writeNpy } from '../../formats/npy.js';

/**
 * Building blocks of generated hostile input: values that break the rules of formats/validation.ts
 * and byte-level damage to valid files. Every generator is driven by a seeded Rng, so a failing
 * case is reproducible from its label.
 */

/** Ids that the id rule refuses (none contains '/', which model-name resolution would strip). */
export const HOSTILE_IDS = ['', ' ', '.', '..', 'x\ny', 'tab\there', '\u202Eevil', 'nul\u0000', 'x'.repeat(201), 'a b', 'é', 'semi;colon', "quote'"];
/** Names (tasks, metrics, ROIs) that the name rule refuses. */
export const HOSTILE_NAMES = ['   ', 'new\nline', 'nul\u0000', 'rtl\u202Eevil', 'zero\u200Bwidth', ' lead', 'trail ', 'x'.repeat(201), 'bell\u0007'];
/** Revisions that look like steps but are none. */
export const HOSTILE_REVISIONS = ['step-5', 'step2147483648', 'step99999999999', 'global_step-1'];

export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[randInt(rng, items.length)]!;
}

/** `bytes` cut strictly short: at least one byte lost. */
export function truncated(rng: Rng, bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.subarray(0, randInt(rng, bytes.length)));
}

export function randomBytes(rng: Rng, n = 1 + randInt(rng, 4096)): Buffer {
  return Buffer.from(Array.from({ length: n }, () => randInt(rng, 256)));
}

/** JSON text of `value` with its first number matching `pattern` written as a literal JSON cannot hold finitely (1e400). */
export function withInfiniteLiteral(value: unknown, key: string): string {
  const text = JSON.stringify(value);
  const at = text.indexOf(`"${key}":`);
  if (at < 0) throw new Error(`no key ${key}`);
  return text.slice(0, at) + text.slice(at).replace(/:(-?\d[\d.eE+-]*)/, ':1e400');
}

/** A deep copy, changed by `edit`. */
export function edited<T>(value: T, edit: (copy: T) => void): T {
  const copy = structuredClone(value);
  edit(copy);
  return copy;
}

/** A float32 .npy of `shape` (filled with `fill`, or 0.5). */
export function npy(shape: readonly number[], fill: (i: number) => number = () => 0.5): Uint8Array {
  const n = shape.reduce((a, b) => a * b, 1);
  return writeNpy(Float32Array.from({ length: n }, (_, i) => fill(i)), shape);
}

/** An .npy whose header says something else: a dtype, a version, or no dict at all. */
export function npyWithHeader(rng: Rng, valid: Uint8Array): Buffer {
  const bytes = Buffer.from(valid);
  switch (randInt(rng, 5)) {
    case 0: bytes[randInt(rng, 6)] ^= 0xff; return bytes; // magic
    case 1: bytes[6] = 9; return bytes; // version
    case 2: return Buffer.from(bytes.toString('latin1').replace(/'descr': '[^']+'/, `'descr': '${pick(rng, ['<c8', '|O8', '>f8', '<U5', '<f2'])}'`), 'latin1');
    case 3: return Buffer.from(bytes.toString('latin1').replace(/\{[^}]*\}/, (h) => ' '.repeat(h.length)), 'latin1');
    default: return Buffer.from(bytes.toString('latin1').replace(/'shape': \([^)]*\)/, (s) => `'shape': (${'x'.padEnd(s.length - 12, ' ')})`), 'latin1');
  }
}

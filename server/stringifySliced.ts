import { turnIfSliceOver } from './yieldingLists.js';

/**
 * JSON.stringify(value) + '\n' (what Apollo sends), built in slices: the response is split into
 * pieces of at most about PIECE_VALUES values, each written by one JSON.stringify call, and
 * between pieces the event loop's slice clock (yieldingLists.ts) is checked: when the current
 * stretch is over its slice, the rest waits for a later turn. Apollo serialises a response in one
 * synchronous call; for the largest responses the limits allow, that held the event loop for
 * 30–45 ms of CPU per response on a loaded 2-core machine (a profile of `npm run bench:hostile`),
 * and several in one turn added up. A small response is one piece: one JSON.stringify, as before.
 *
 * Same bytes as JSON.stringify: only plain arrays and objects are split (never anything with a
 * toJSON, class instances or boxed values), and a piece that has a toJSON is written inside a
 * one-property holder so that toJSON gets its key, as JSON.stringify gives it.
 */
export async function stringifySliced(value: unknown): Promise<string> {
  if (!splittable(value, 0) || !over(value, PIECE_VALUES)) return `${JSON.stringify(value)}\n`;
  const parts: string[] = [];
  const walk = serialise(value as object, parts, 0);
  for (let step = walk.next(); !step.done; step = walk.next()) await step.value;
  parts.push('\n');
  return parts.join('');
}

/** Values (leaves, objects, lists) in one piece: tens of KB, well under a millisecond to write. */
const PIECE_VALUES = 2_000;
/** Deeper than this, a subtree is one piece (JSON.stringify throws on a cycle, as it would). */
const MAX_SPLIT_DEPTH = 32;

/** Writes a splittable array or object into `parts`, a piece at a time; yields a promise to await when the slice is over. */
function* serialise(value: object, parts: string[], depth: number): Generator<Promise<void>, void, void> {
  const turn = turnIfSliceOver();
  if (turn) yield turn;
  if (Array.isArray(value)) {
    parts.push('[');
    // Consecutive small items go in one call (JSON.stringify of a slice): per-call overhead stays low.
    let run = 0;
    let runStart = 0;
    const flush = (end: number) => {
      if (end > runStart) parts.push(`${runStart > 0 ? ',' : ''}${JSON.stringify(value.slice(runStart, end)).slice(1, -1)}`);
    };
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const big = splittable(item, depth + 1) && over(item, PIECE_VALUES);
      if (!big && !needsKey(item) && run < PIECE_VALUES) {
        run += count(item, PIECE_VALUES);
        continue;
      }
      flush(i);
      if (i > 0) parts.push(',');
      if (big) {
        yield* serialise(item as object, parts, depth + 1);
      } else if (needsKey(item)) {
        const text = JSON.stringify({ [i]: item });
        // '{}' when toJSON gave a value JSON.stringify leaves out, which an array writes as null.
        parts.push(text === '{}' ? 'null' : text.slice(String(i).length + 4, -1));
      } else {
        parts.push(JSON.stringify(value.slice(i, i + 1)).slice(1, -1));
      }
      const next = turnIfSliceOver();
      if (next) yield next;
      run = 0;
      runStart = i + 1;
    }
    flush(value.length);
    parts.push(']');
    return;
  }
  const record = value as Record<string, unknown>;
  parts.push('{');
  let first = true;
  for (const key of Object.keys(record)) {
    const item = record[key];
    if (splittable(item, depth + 1) && over(item, PIECE_VALUES)) {
      parts.push(first ? `${JSON.stringify(key)}:` : `,${JSON.stringify(key)}:`);
      yield* serialise(item as object, parts, depth + 1);
    } else {
      // One-property holder: left-out values stay out, toJSON gets its key.
      const text = JSON.stringify({ [key]: item });
      if (text === '{}') continue;
      parts.push(first ? text.slice(1, -1) : `,${text.slice(1, -1)}`);
    }
    first = false;
  }
  parts.push('}');
}

/** Whether `v` holds more than `limit` values: counted with lists estimated from their first and last items, stopping early. */
function over(v: unknown, limit: number): boolean {
  return count(v, limit) > limit;
}

/** Values in `v` (itself included), estimated for lists from their ends, stopping once over `limit`. */
function count(v: unknown, limit: number): number {
  if (v === null || typeof v !== 'object') return 1;
  if (Array.isArray(v)) {
    if (v.length === 0) return 1;
    const ends = count(v[0], limit) + (v.length > 1 ? count(v[v.length - 1], limit) : 0);
    return 1 + Math.ceil((ends / Math.min(2, v.length)) * v.length);
  }
  let n = 1;
  for (const key in v) {
    n += count((v as Record<string, unknown>)[key], limit);
    if (n > limit) break;
  }
  return n;
}

/** A value whose toJSON (if any) must be called with its key: written through a holder. */
function needsKey(v: unknown): boolean {
  return typeof v === 'bigint' || (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function');
}

/** Plain arrays and objects (no toJSON, no class instance): the only values split into pieces. */
function splittable(v: unknown, depth: number): boolean {
  if (v === null || typeof v !== 'object' || depth >= MAX_SPLIT_DEPTH) return false;
  if (Array.isArray(v)) return true;
  const proto = Object.getPrototypeOf(v);
  return (proto === Object.prototype || proto === null) && typeof (v as { toJSON?: unknown }).toJSON !== 'function';
}

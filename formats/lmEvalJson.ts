import JSON5 from 'json5';

/**
 * Python's `json.dump` (which lm-evaluation-harness writes its results with) emits the bare
 * literals `NaN`, `Infinity` and `-Infinity` for non-finite floats (Python docs, json:
 * "allow_nan"), which strict JSON (RFC 8259) forbids. This reads such text:
 *
 * 1. `JSON.parse` — every strict file, at native speed.
 * 2. When the text has those literals outside strings: each is rewritten to a marker string,
 *    parsed with `JSON.parse`, and the markers turned back into the numbers (~50× faster than
 *    JSON5 on a 5 MB file) — unless a marker could collide with a string of the file (the text
 *    holds a `\u0000` escape).
 * 3. Otherwise JSON5 (json5 on npm: a superset of JSON that has these literals), which also
 *    locates a syntax error.
 *
 * A syntax error is reported by line and column only, never with the file's content. A number
 * literal too large for a double (`1e400`, which `JSON.parse` turns into Infinity) is refused:
 * Python writes `Infinity` for infinity, so an overflowing literal is damage, not a value.
 */
export function parsePythonJson(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  if (text.trim().length === 0) return { ok: false, message: 'not valid JSON (empty)' };
  let overflow = false;
  // Strict JSON has no non-finite literal: a non-finite number there overflowed.
  const noteOverflow = (_key: string, v: unknown) => {
    if (typeof v === 'number' && !Number.isFinite(v)) overflow = true;
    return v;
  };
  const result = (value: unknown) => (overflow ? { ok: false as const, message: OVERFLOW } : { ok: true as const, value });
  const mayOverflow = BIG_NUMBER.test(text);
  try {
    return result(mayOverflow ? JSON.parse(text, noteOverflow) : JSON.parse(text));
  } catch {
    // not strict JSON: try the Python literals, then JSON5
  }
  if (NON_FINITE.test(text) && !/\\u0000/i.test(text)) {
    try {
      const marked = text.replace(TOKENS, (token: string, literal: string | undefined) => (literal ? `"\\u0000${literal}"` : token));
      // The reviver sees an overflowing number as a number, a literal as its marker string.
      return result(JSON.parse(marked, (key, v: unknown) => (typeof v === 'string' && v.startsWith(MARK) ? NUMBERS[v.slice(1)] : noteOverflow(key, v))));
    } catch {
      // a syntax error elsewhere: JSON5 locates it
    }
  }
  try {
    // JSON5 reads literals and overflowing numbers alike (rare: a `\u0000` escape with literals).
    return { ok: true, value: JSON5.parse(text) };
  } catch (error) {
    return { ok: false, message: syntaxMessage(error) };
  }
}

const OVERFLOW = 'not valid JSON: a number is too large for a double (Python writes Infinity for infinity)';
/** A literal that could overflow a double: an exponent of 3+ digits, or 300+ digits in a row (cheap pre-check). */
const BIG_NUMBER = /\d[eE]\+?\d{3}|\d{300}/;
const MARK = '\u0000';
const NUMBERS: Record<string, number> = { NaN: Number.NaN, Infinity: Number.POSITIVE_INFINITY, '-Infinity': Number.NEGATIVE_INFINITY };
/** A bare literal somewhere (cheap pre-check; strings are told apart by TOKENS). */
const NON_FINITE = /(?:NaN|Infinity)/;
/** A JSON string (kept as it is) or a bare non-finite literal (captured). */
const TOKENS = /"(?:[^"\\]|\\.)*"|(-?Infinity|NaN)/g;

/** "not valid JSON (line 3, column 17)" from JSON5's "… at 3:17" (its message quotes a character of the text, which is not echoed). */
function syntaxMessage(error: unknown): string {
  const at = /at (\d+):(\d+)/.exec(error instanceof Error ? error.message : '');
  if (/end of input/i.test(error instanceof Error ? error.message : '')) return 'not valid JSON (it ends too early: truncated?)';
  return at ? `not valid JSON (line ${at[1]}, column ${at[2]})` : 'not valid JSON';
}

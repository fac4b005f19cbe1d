/**
 * What the docs show an example returns, as a pattern the real output is compared with.
 *
 * An output block (a fenced block after `<!-- output -->`, readmeExamples.ts) is JSON5 — unquoted
 * keys, comments, trailing commas — in which `…` stands for what the docs leave out:
 *
 *   { data: { rows: [{ modelId: "pythia-1b-deduped", mean: 0.698, … }, …] } }
 *
 * - an object matches when every key shown matches; it may have other keys only where it shows `…`;
 * - an array matches element by element, `…` standing for any number of elements (none included);
 * - a number matches to the precision printed: 0.698 is any value that rounds to 0.698, 1000 is 1000;
 * - a string matches exactly, a `…` inside it standing for any characters; `…` alone for any value.
 *
 * A text output block (```text, for what a Python or R example prints) matches line by line, with
 * `…` inside a line standing for any characters, and numbers to the precision printed.
 */
import JSON5 from 'json5';

const ELIDED = '\u0000…';
const NUMBER = '\u0000#';

/** Parses an output block's JSON5, keeping each number's printed text and marking each `…`. */
export function parseOutputPattern(text: string): unknown {
  let out = '';
  const stack: string[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === "'") {
      // A string: copied as it is (its `…` is a wildcard, handled when matching).
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j;
    } else if (c === '/' && text[i + 1] === '/') {
      const j = text.indexOf('\n', i);
      out += text.slice(i, j < 0 ? text.length : j);
      i = (j < 0 ? text.length : j) - 1;
    } else if (c === '{' || c === '[') {
      stack.push(c);
      out += c;
    } else if (c === '}' || c === ']') {
      stack.pop();
      out += c;
    } else if (c === '…') {
      // In an object, `…` where a key would be stands for left-out keys; elsewhere for a value.
      const atKey = stack.at(-1) === '{' && /[{,]\s*$/.test(out.replace(/\/\/[^\n]*$/gm, ''));
      out += atKey ? `"${ELIDED}": null` : `"${ELIDED}"`;
    } else {
      const number = /^-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?/.exec(text.slice(i));
      if (number && !/[\w$]/.test(text[i - 1] ?? '')) {
        out += JSON.stringify(NUMBER + number[0]);
        i += number[0].length - 1;
      } else out += c;
    }
  }
  return JSON5.parse(out);
}

/** Whether `actual` rounds to the number printed as `printed` (at its number of decimals). */
function sameAtPrecision(printed: string, actual: number): boolean {
  const [, fraction = '', exponent = '0'] = /^-?\d+(?:\.(\d+))?(?:[eE]([-+]?\d+))?$/.exec(printed) ?? [];
  const decimals = fraction.length - Number(exponent);
  return Math.abs(actual - Number(printed)) <= 0.5 * 10 ** -decimals * (1 + 1e-9);
}

/** `actual` against a string with `…` wildcards. */
function globMatch(pattern: string, actual: string): boolean {
  const re = pattern.split('…').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[\\s\\S]*');
  return new RegExp(`^${re}$`).test(actual);
}

/** Every way `actual` differs from the pattern, as `path: what` lines (none: it matches). */
export function outputMismatches(pattern: unknown, actual: unknown, path = '$'): string[] {
  const shown = (v: unknown) => JSON.stringify(v)?.slice(0, 120);
  if (typeof pattern === 'string') {
    if (pattern === ELIDED) return [];
    if (pattern.startsWith(NUMBER)) {
      const printed = pattern.slice(NUMBER.length);
      return typeof actual === 'number' && sameAtPrecision(printed, actual) ? [] : [`${path}: the docs show ${printed}, the output is ${shown(actual)}`];
    }
    return typeof actual === 'string' && (pattern.includes('…') ? globMatch(pattern, actual) : pattern === actual) ? [] : [`${path}: the docs show ${shown(pattern)}, the output is ${shown(actual)}`];
  }
  if (pattern === null || typeof pattern !== 'object') return pattern === actual ? [] : [`${path}: the docs show ${shown(pattern)}, the output is ${shown(actual)}`];
  if (Array.isArray(pattern)) {
    if (!Array.isArray(actual)) return [`${path}: the docs show a list, the output is ${shown(actual)}`];
    return arrayMismatches(pattern, actual, path);
  }
  if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return [`${path}: the docs show an object, the output is ${shown(actual)}`];
  const expected = pattern as Record<string, unknown>;
  const got = actual as Record<string, unknown>;
  const problems = Object.keys(expected)
    .filter((k) => k !== ELIDED)
    .flatMap((k) => (k in got ? outputMismatches(expected[k], got[k], `${path}.${k}`) : [`${path}.${k}: shown in the docs, not in the output`]));
  if (!(ELIDED in expected)) {
    const extra = Object.keys(got).filter((k) => !(k in expected));
    if (extra.length > 0) problems.push(`${path}: the output also has ${extra.join(', ')} (show them, or \`…\`)`);
  }
  return problems;
}

/** Elements in order, each `…` standing for any number of elements. */
function arrayMismatches(pattern: unknown[], actual: unknown[], path: string): string[] {
  const fits = (p: number, a: number): boolean => {
    if (p === pattern.length) return a === actual.length;
    if (pattern[p] === ELIDED) return fits(p + 1, a) || (a < actual.length && fits(p, a + 1));
    return a < actual.length && outputMismatches(pattern[p], actual[a]).length === 0 && fits(p + 1, a + 1);
  };
  if (fits(0, 0)) return [];
  if (!pattern.includes(ELIDED) && pattern.length === actual.length) return pattern.flatMap((p, i) => outputMismatches(p, actual[i], `${path}[${i}]`));
  // `[…, x]` and `[x, …]`: say how the last (first) element differs.
  if (pattern.length === 2 && pattern[0] === ELIDED && actual.length > 0) return outputMismatches(pattern[1], actual.at(-1), `${path}[${actual.length - 1}]`);
  if (pattern.length === 2 && pattern[1] === ELIDED && actual.length > 0) return outputMismatches(pattern[0], actual[0], `${path}[0]`);
  return [`${path}: the docs show ${pattern.length} element(s)${pattern.includes(ELIDED) ? ' with …' : ''}, the output has ${actual.length}: ${JSON.stringify(actual).slice(0, 300)}`];
}

/** A text output block against what an example printed: line by line, `…` and numbers as above. */
export function textMismatches(pattern: string, actual: string): string[] {
  const want = pattern.trimEnd().split('\n');
  const got = actual.trimEnd().split('\n');
  const problems: string[] = [];
  if (want.length !== got.length) problems.push(`the docs show ${want.length} line(s), the example printed ${got.length}:\n${actual}`);
  want.forEach((w, i) => {
    const g = got[i] ?? '';
    // Numbers to their printed precision: the line's other text must match exactly (or by `…`).
    const numbers = [...w.matchAll(/-?\d+\.\d+/g)].map((m) => m[0]);
    const re = w
      .split(/(-?\d+\.\d+|…)/)
      .map((part) => (part === '…' ? '[\\s\\S]*' : /^-?\d+\.\d+$/.test(part) ? '(-?\\d+(?:\\.\\d+)?(?:e[-+]?\\d+)?)' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('');
    const m = new RegExp(`^${re}$`).exec(g);
    if (!m || numbers.some((n, k) => !sameAtPrecision(n, Number(m[k + 1])))) problems.push(`line ${i + 1}: the docs show ${JSON.stringify(w)}, the example printed ${JSON.stringify(g)}`);
  });
  return problems;
}

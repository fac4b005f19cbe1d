/**
 * Word-level features → one feature row per fMRI volume (TR), for one run.
 *
 * LLM features exist per word (token); BOLD is sampled once per TR (1–2 s). Two resamplers:
 *
 * - `trMeanOfWords`: the mean of the vectors of the words whose onset falls in
 *   [t·TR, (t+1)·TR). A TR with no word onset gets a zero row (silence carries no word features;
 *   after per-run z-scoring it sits at the run's "no words" level).
 * - `trLanczosOfWords`: Lanczos-windowed sinc interpolation to the TR centres, as in Huth et al.
 *   (2016, Nature 532:453, "Natural speech reveals the semantic maps…", methods; their
 *   `lanczosinterp2D`): weight L(τ) = w·sin(πτ)·sin(πτ/w) / (π²τ²) with τ = cutoff·(t_TR − t_word),
 *   cutoff = cutoffMultiplier / TR, L(0) = 1, L = 0 beyond |τ| > w (window w = 3 lobes). This
 *   is an anti-aliasing low-pass at the TR's Nyquist rate; like Huth's code it is a weighted
 *   sum, not a mean (the per-run z-score removes the scale).
 *
 *   const perTr = trMeanOfWords(wordVectors, [nWords, d], onsets, nTr, 2.0); // nTr×d
 */
import { badInput } from '../../errors/CortexError.js';

export interface LanczosOptions {
  /** Lobes of the Lanczos window (default 3, Huth et al. 2016). */
  readonly window?: number;
  /** Cutoff frequency as a multiple of the TR rate 1/TR (default 1). */
  readonly cutoffMultiplier?: number;
}

function checkWords(
  words: Float32Array,
  dims: readonly [number, number],
  onsets: ArrayLike<number>,
  nTr: number,
  trSeconds: number,
  where: string,
): void {
  const [nWords, d] = dims;
  const problems: string[] = [];
  if (words.length !== nWords * d) problems.push(`word matrix has ${words.length} elements, dims [${nWords}, ${d}] need ${nWords * d}`);
  if (onsets.length !== nWords) problems.push(`${onsets.length} onsets for ${nWords} words`);
  if (!Number.isInteger(nTr) || nTr < 0) problems.push(`nTr must be a non-negative integer, got ${nTr}`);
  if (!(trSeconds > 0) || !Number.isFinite(trSeconds)) problems.push(`TR must be a positive number of seconds, got ${trSeconds}`);
  for (let w = 0; w < onsets.length; w++) {
    if (!Number.isFinite(onsets[w])) {
      problems.push(`onset of word ${w} is ${onsets[w]}`);
      break;
    }
  }
  if (problems.length > 0) throw badInput(`${where}: ${problems.join('; ')}`, { problems });
}

/** Mean of the word vectors whose onset falls inside each TR: nTr×d row-major float32. */
export function trMeanOfWords(
  words: Float32Array,
  dims: readonly [number, number],
  onsets: ArrayLike<number>,
  nTr: number,
  trSeconds: number,
): Float32Array {
  checkWords(words, dims, onsets, nTr, trSeconds, 'trMeanOfWords');
  const [nWords, d] = dims;
  const sums = new Float64Array(nTr * d);
  const counts = new Float64Array(nTr);
  for (let w = 0; w < nWords; w++) {
    const t = Math.floor(onsets[w] / trSeconds);
    // Words before the first volume or after the last one have no TR to belong to.
    if (t < 0 || t >= nTr) continue;
    counts[t] += 1;
    const src = w * d;
    const dst = t * d;
    for (let j = 0; j < d; j++) sums[dst + j] += words[src + j];
  }
  const out = new Float32Array(nTr * d);
  for (let t = 0; t < nTr; t++) {
    if (counts[t] === 0) continue;
    const inv = 1 / counts[t];
    for (let j = 0; j < d; j++) out[t * d + j] = sums[t * d + j] * inv;
  }
  return out;
}

/** The Lanczos kernel L(τ) of Huth et al. (2016), τ in units of the cutoff period. */
export function lanczosKernel(tau: number, window: number): number {
  if (tau === 0) return 1;
  if (Math.abs(tau) > window) return 0;
  return (window * Math.sin(Math.PI * tau) * Math.sin((Math.PI * tau) / window)) / (Math.PI * Math.PI * tau * tau);
}

/** Lanczos interpolation of the word vectors to the TR centres (t + ½)·TR: nTr×d float32. */
export function trLanczosOfWords(
  words: Float32Array,
  dims: readonly [number, number],
  onsets: ArrayLike<number>,
  nTr: number,
  trSeconds: number,
  options: LanczosOptions = {},
): Float32Array {
  checkWords(words, dims, onsets, nTr, trSeconds, 'trLanczosOfWords');
  const window = options.window ?? 3;
  const cutoff = (options.cutoffMultiplier ?? 1) / trSeconds;
  if (!(window > 0) || !(cutoff > 0)) {
    throw badInput(`trLanczosOfWords: window and cutoffMultiplier must be positive, got ${window} and ${options.cutoffMultiplier}`, {
      window,
      cutoffMultiplier: options.cutoffMultiplier,
    });
  }
  const [nWords, d] = dims;
  const acc = new Float64Array(nTr * d);
  for (let t = 0; t < nTr; t++) {
    const centre = (t + 0.5) * trSeconds;
    const dst = t * d;
    for (let w = 0; w < nWords; w++) {
      const weight = lanczosKernel(cutoff * (centre - onsets[w]), window);
      if (weight === 0) continue;
      const src = w * d;
      for (let j = 0; j < d; j++) acc[dst + j] += weight * words[src + j];
    }
  }
  return Float32Array.from(acc);
}

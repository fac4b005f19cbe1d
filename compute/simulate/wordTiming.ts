/**
 * Word onsets and offsets of a simulated narration, and the length of the scan that covers it.
 *
 * Durations follow a simple speech model: 100 ms + 42 ms per character, ±15 % jitter; 30–80 ms
 * between words, 120–200 ms after a comma, 300–600 ms after a sentence end. That gives about
 * 2.3 words/s, the rate of the spoken stories used in fMRI language studies (e.g. the Moth
 * stories of Huth et al. 2016, ~2.5 words/s). The first word starts after `leadInSeconds` of
 * silence (the scanner's first volumes), and the run ends `leadOutSeconds` after the last word,
 * letting the haemodynamic response return to baseline.
 *
 *   const { words, nTrs } = timeWords(['Once', 'upon', 'a', 'time.'], { seed: 1, trSeconds: 2 });
 *   words[0] // { word: 'Once', onset: 10, offset: 10.34… }
 */
import { badInput } from '../../errors/CortexError.js';
import { createRng } from '../random.js';

export interface TimedWord {
  readonly word: string;
  /** Seconds from the start of the run's first volume. */
  readonly onset: number;
  readonly offset: number;
}

export interface TimingOptions {
  readonly seed: number;
  readonly trSeconds: number;
  readonly leadInSeconds?: number;
  readonly leadOutSeconds?: number;
}

export interface TimedRun {
  readonly words: TimedWord[];
  /** Volumes covering lead-in, speech and lead-out. */
  readonly nTrs: number;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

export function timeWords(words: readonly string[], options: TimingOptions): TimedRun {
  const { seed, trSeconds } = options;
  const leadIn = options.leadInSeconds ?? 10;
  const leadOut = options.leadOutSeconds ?? 16;
  if (!(trSeconds > 0) || !(leadIn >= 0) || !(leadOut >= 0)) {
    throw badInput(`timeWords: TR ${trSeconds} must be positive and lead-in/out ${leadIn}/${leadOut} non-negative`, { trSeconds, leadIn, leadOut });
  }
  const rng = createRng(seed);
  const timed: TimedWord[] = [];
  let t = leadIn;
  for (const word of words) {
    const duration = (0.1 + 0.042 * word.length) * (0.85 + 0.3 * rng());
    timed.push({ word, onset: round3(t), offset: round3(t + duration) });
    t += duration;
    if (/[.!?]["']?$/.test(word)) t += 0.3 + 0.3 * rng();
    else if (/[,;:]["']?$/.test(word)) t += 0.12 + 0.08 * rng();
    else t += 0.03 + 0.05 * rng();
  }
  const end = (timed.at(-1)?.offset ?? leadIn) + leadOut;
  return { words: timed, nTrs: Math.ceil(end / trSeconds) };
}

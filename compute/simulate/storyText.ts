/**
 * A deterministic English story generator: the stimulus transcript of the simulated study.
 *
 * A small phrase-structure grammar over a fixed lexicon (about 450 word forms) writes a story
 * about a few recurring characters in a few places: narration, subordinate clauses, reported
 * speech and questions, with punctuation attached to words as in a speech transcript ("harbor.",
 * "\"Wait,"). It is not literature; it has what the pipeline needs — a realistic word-length and
 * frequency mix, rare words that GPT-2's BPE splits into several tokens ("cartographer",
 * "unbelievably"), sentence structure for context to matter, and no copyright.
 *
 *   generateStoryWords({ seed: 7, words: 3000 }) // ['The', 'old', 'lighthouse', 'keeper', …]
 */
import { badInput } from '../../errors/CortexError.js';
import { createRng } from '../random.js';
import type { Rng } from '../random.js';

const NAMES = ['Mara', 'Tobias', 'Elena', 'Jonah', 'Ingrid', 'Samuel', 'Lucia', 'Oskar'];
const ROLES = [
  'keeper', 'sailor', 'baker', 'teacher', 'doctor', 'fisherman', 'cartographer', 'blacksmith', 'stranger', 'merchant',
  'child', 'widow', 'captain', 'musician', 'gardener', 'librarian', 'shepherd', 'painter', 'soldier', 'messenger',
];
const THINGS = [
  'letter', 'lantern', 'map', 'key', 'boat', 'basket', 'violin', 'compass', 'notebook', 'blanket', 'bottle', 'rope',
  'photograph', 'umbrella', 'candle', 'mirror', 'ladder', 'telescope', 'bread', 'coin', 'feather', 'stone', 'shell', 'clock',
];
const PLACES = [
  'harbor', 'lighthouse', 'market', 'village', 'forest', 'bridge', 'kitchen', 'library', 'chapel', 'meadow', 'island',
  'station', 'garden', 'cellar', 'hillside', 'riverbank', 'orchard', 'workshop', 'courtyard', 'cemetery', 'tavern', 'attic',
];
const ADJECTIVES = [
  'old', 'young', 'quiet', 'tired', 'strange', 'broken', 'golden', 'heavy', 'narrow', 'ancient', 'cold', 'bright',
  'hidden', 'careful', 'nervous', 'patient', 'enormous', 'fragile', 'crooked', 'peculiar', 'magnificent', 'forgotten',
  'weathered', 'silver', 'gentle', 'restless', 'solemn', 'curious',
];
const ADVERBS = [
  'slowly', 'quietly', 'suddenly', 'carefully', 'again', 'nervously', 'unbelievably', 'gently', 'finally', 'immediately',
  'reluctantly', 'eagerly', 'silently', 'anxiously', 'cheerfully', 'deliberately',
];
const INTRANSITIVE = ['walked', 'waited', 'laughed', 'listened', 'hesitated', 'slept', 'wandered', 'returned', 'shivered', 'whispered', 'disappeared', 'smiled'];
const TRANSITIVE = ['found', 'carried', 'opened', 'repaired', 'remembered', 'hid', 'watched', 'painted', 'borrowed', 'dropped', 'examined', 'polished', 'buried', 'noticed'];
const MOTION = ['walked', 'ran', 'hurried', 'climbed', 'drifted', 'rowed', 'wandered', 'stumbled', 'travelled', 'returned'];
const SAY = ['said', 'asked', 'whispered', 'shouted', 'muttered', 'replied', 'insisted', 'admitted'];
const THINK = ['knew', 'believed', 'suspected', 'remembered', 'feared', 'hoped', 'realized', 'decided'];
const TIME = ['In the morning', 'At dusk', 'Before dawn', 'That winter', 'After the storm', 'Later that night', 'On the third day', 'Every evening'];
const CONNECT = ['because', 'although', 'while', 'until', 'before', 'after', 'since'];
const WEATHER = [
  'the wind rose over the water', 'rain fell on the roofs', 'the fog rolled in from the sea', 'the sky turned grey',
  'snow covered the hills', 'the bells of the chapel rang', 'the tide went out', 'the lamps were lit one by one',
];
const SPEECH = [
  'we should leave before the tide turns', 'nobody has opened that door in years', 'I saw a light on the island',
  'the map is wrong', 'you must keep this a secret', 'the letter was never delivered', 'listen to the wind',
  'there is something under the bridge', 'I promised to come back', 'the clock stopped at midnight',
];

function pick<T>(rng: Rng, list: readonly T[]): T {
  return list[Math.floor(rng() * list.length)];
}

/** Fisher–Yates shuffle of a copy (Durstenfeld's in-place form). */
function shuffled<T>(rng: Rng, list: readonly T[]): T[] {
  const a = [...list];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

interface Cast {
  readonly names: string[];
  readonly roles: string[];
}

/** A reference to a character: a name, or "the (adjective) role". */
function character(rng: Rng, cast: Cast): string {
  const i = Math.floor(rng() * cast.names.length);
  if (rng() < 0.5) return cast.names[i];
  return rng() < 0.4 ? `the ${pick(rng, ADJECTIVES)} ${cast.roles[i]}` : `the ${cast.roles[i]}`;
}

function thing(rng: Rng): string {
  const det = pick(rng, ['the', 'a', 'the', 'her', 'his', 'an old']);
  const adj = rng() < 0.4 ? `${pick(rng, ADJECTIVES)} ` : '';
  const noun = pick(rng, THINGS);
  const article = det === 'a' && /^[aeiou]/.test(adj || noun) ? 'an' : det;
  return `${article} ${adj}${noun}`;
}

function place(rng: Rng): string {
  return `the ${rng() < 0.3 ? `${pick(rng, ADJECTIVES)} ` : ''}${pick(rng, PLACES)}`;
}

function clause(rng: Rng, cast: Cast): string {
  const who = character(rng, cast);
  const adv = rng() < 0.35 ? ` ${pick(rng, ADVERBS)}` : '';
  switch (Math.floor(rng() * 5)) {
    case 0:
      return `${who} ${pick(rng, TRANSITIVE)} ${thing(rng)}${adv}`;
    case 1:
      return `${who} ${pick(rng, MOTION)}${adv} to ${place(rng)}`;
    case 2:
      return `${who} ${pick(rng, INTRANSITIVE)}${adv} in ${place(rng)}`;
    case 3:
      return `${who} ${pick(rng, THINK)} that ${character(rng, cast)} had ${pick(rng, TRANSITIVE)} ${thing(rng)}`;
    default:
      return pick(rng, WEATHER);
  }
}

function sentence(rng: Rng, cast: Cast): string {
  const r = rng();
  if (r < 0.14) return `${pick(rng, TIME)}, ${clause(rng, cast)}.`;
  if (r < 0.3) return `${capitalize(clause(rng, cast))} ${pick(rng, CONNECT)} ${clause(rng, cast)}.`;
  if (r < 0.42) return `"${capitalize(pick(rng, SPEECH))}," ${pick(rng, SAY)} ${character(rng, cast)}.`;
  if (r < 0.48) return `"Where is ${thing(rng)}?" ${pick(rng, SAY)} ${character(rng, cast)}.`;
  if (r < 0.56) return `${capitalize(clause(rng, cast))}, and ${clause(rng, cast)}.`;
  return `${capitalize(clause(rng, cast))}.`;
}

/**
 * `words` words of story (the last sentence is cut at the word limit), split on spaces;
 * deterministic given the seed.
 */
export function generateStoryWords(options: { readonly seed: number; readonly words: number }): string[] {
  const { seed, words } = options;
  if (!Number.isInteger(words) || words < 1) throw badInput(`a story needs a positive whole number of words, got ${words}`, { words });
  const rng = createRng(seed);
  // Each story has its own cast: four of the names with four of the roles.
  const names = shuffled(rng, NAMES).slice(0, 4);
  const roles = shuffled(rng, ROLES).slice(0, 4);
  const cast = { names, roles };
  const out: string[] = [];
  while (out.length < words) {
    for (const w of capitalize(sentence(rng, cast)).split(' ')) if (w.length > 0) out.push(w);
  }
  return out.slice(0, words);
}

/**
 * bench/features — hidden-state extraction throughput on CPU (issue 4): tokens per second of
 * `extractWordFeatures` for two tiny GPT sizes on a 4000-word generated story, and how the wall
 * time splits between onnxruntime (`session.run`) and JavaScript (batch assembly, copying each
 * word's states out of the outputs, bookkeeping). Tokenisation is timed separately.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/features.js [--words 4000] [--window 256] [--stride 128] [--batch 8]
 *
 * Figures, no asserts. Each size is run twice; the second (warm) run is reported.
 */
import os from 'node:os';
import { gpt2Tokenizer } from '../compute/models/gpt2Tokenizer.js';
import { extractWordFeatures, HiddenStateModel } from '../compute/models/hiddenStates.js';
import type { HiddenStateResult } from '../compute/models/hiddenStates.js';
import { tinyGptParamCount, tinyGptWeights } from '../compute/models/tinyGpt.js';
import type { TinyGptConfig } from '../compute/models/tinyGpt.js';
import { tinyGptOnnx } from '../compute/models/tinyGptOnnx.js';
import { wordTokens } from '../compute/models/wordTokens.js';
import { generateStoryWords } from '../compute/simulate/storyText.js';
import { numberArg } from './args.js';

const WORDS = numberArg('--words', 4000);
const WINDOW = numberArg('--window', 256);
const STRIDE = numberArg('--stride', WINDOW / 2);
const BATCH = numberArg('--batch', 8);

const SIZES: { name: string; config: Omit<TinyGptConfig, 'vocabSize'> }[] = [
  { name: 'd=64 L=4', config: { dModel: 64, nLayers: 4, nHeads: 4, dFF: 256, maxPositions: 256 } },
  { name: 'd=256 L=8', config: { dModel: 256, nLayers: 8, nHeads: 8, dFF: 1024, maxPositions: 256 } },
];

function fmt(x: number, digits = 1): string {
  return x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

async function main(): Promise<void> {
  console.log(`bench/features: ${WORDS}-word story, window ${WINDOW}, stride ${STRIDE}, ${BATCH} windows per run, ` +
    `${os.availableParallelism()} threads, ${os.cpus()[0]?.model ?? 'cpu'}`);
  const tokenizer = gpt2Tokenizer();
  const words = generateStoryWords({ seed: 1, words: WORDS });
  let started = performance.now();
  const wt = wordTokens(tokenizer, words);
  const tokenizeSeconds = (performance.now() - started) / 1000;
  console.log(`tokenisation (GPT-2 BPE, @huggingface/tokenizers): ${wt.ids.length} tokens in ${fmt(tokenizeSeconds * 1000)} ms ` +
    `(${fmt(wt.ids.length / tokenizeSeconds, 0)} tokens/s)\n`);

  console.log('| model | params | vocab | provider | tokens/s | computed tokens/s | wall s | session.run s | onnxruntime share | JS share |');
  console.log('| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const size of SIZES) {
    const config = { ...size.config, vocabSize: tokenizer.vocabSize };
    const bytes = tinyGptOnnx(tinyGptWeights({ ...config, seed: 1 }));
    started = performance.now();
    const model = await HiddenStateModel.open(bytes);
    const openSeconds = (performance.now() - started) / 1000;
    let result: HiddenStateResult | undefined;
    for (let rep = 0; rep < 2; rep++) {
      result = await extractWordFeatures(model, wt, { windowTokens: WINDOW, strideTokens: STRIDE, batchWindows: BATCH });
    }
    await model.release();
    const r = result!;
    const share = r.sessionSeconds / r.seconds;
    console.log(
      `| ${size.name} (${fmt(bytes.length / 2 ** 20)} MiB, open ${fmt(openSeconds, 2)} s) | ${(tinyGptParamCount(config) / 1e6).toFixed(2)} M | ${config.vocabSize} | ${r.provider} | ` +
        `${fmt(r.tokensPerSecond, 0)} | ${fmt(r.tokensComputed / r.seconds, 0)} | ${fmt(r.seconds, 3)} | ${fmt(r.sessionSeconds, 3)} | ` +
        `${fmt(100 * share)} % | ${fmt(100 * (1 - share))} % |`,
    );
  }
  console.log(`\ntokens/s counts transcript tokens (${wt.ids.length}); computed tokens/s counts every token of every window ` +
    `(overlapping windows recompute ${fmt(100 * (1 - STRIDE / WINDOW), 0)} % of each window).`);
}

await main();

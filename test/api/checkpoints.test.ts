import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gpt2TokenizerJson } from '../../compute/models/gpt2Tokenizer.js';
import { tinyGptWeights } from '../../compute/models/tinyGpt.js';
import { tinyGptOnnx } from '../../compute/models/tinyGptOnnx.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { writeSyntheticFmri } from '../../bench/syntheticFmri.js';
import { tempDir } from '../helpers/tmp.js';

describe('ONNX checkpoint registry and feature extraction through the API', () => {
  let t: TestServer;
  const tmp = tempDir();
  const dir = join(tmp.dir, 'ckpts');
  beforeAll(async () => {
    t = await startTestServer({ withPythia: false, scheduler: true });
    mkdirSync(join(dir, 'step-300'), { recursive: true });
    const tokenizer = gpt2TokenizerJson({ merges: 500 });
    writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tokenizer));
    const vocabSize = Object.keys((tokenizer as { model: { vocab: Record<string, number> } }).model.vocab).length;
    const config = { vocabSize, dModel: 16, nLayers: 2, nHeads: 2, dFF: 32, maxPositions: 64 };
    writeFileSync(join(dir, 'step100.onnx'), tinyGptOnnx(tinyGptWeights({ ...config, seed: 1 })));
    writeFileSync(join(dir, 'step200.onnx'), tinyGptOnnx(tinyGptWeights({ ...config, seed: 2 })));
    // A broken branch: step 300 serves step 200's weights.
    copyFileSync(join(dir, 'step200.onnx'), join(dir, 'step-300', 'model.onnx'));
    await t.gql(`mutation { registerModel(input: { id: "mini", tokensPerStep: 100, finalStep: 300 }) { id } }`);
  });
  afterAll(async () => {
    await t.close();
    tmp.cleanup();
  });

  it('registers a folder of checkpoints with sizes and sha256, and flags a step whose file equals another step’s', async () => {
    const { body } = await t.gql(`mutation($f: String!, $tok: String!) { registerCheckpointArtifacts(model: "mini", folder: $f, tokenizer: $tok) {
      step tokens artifactBytes artifactSha256 duplicateOf } }`, { f: dir, tok: join(dir, 'tokenizer.json') });
    expect(body.errors).toBeUndefined();
    const rows = body.data.registerCheckpointArtifacts;
    expect(rows.map((r: { step: number; duplicateOf: number | null }) => [r.step, r.duplicateOf])).toEqual([[100, null], [200, 300], [300, 200]]);
    expect(rows[1].artifactSha256).toBe(rows[2].artifactSha256);
    expect(rows[0].artifactBytes).toBeGreaterThan(1000);
  });

  it('refuses missing and broken files, writing nothing', async () => {
    writeFileSync(join(tmp.dir, 'broken.onnx'), 'not a model');
    const missing = await t.gql(`mutation($p: String!) { registerCheckpointArtifacts(model: "mini", artifacts: [{ step: 5, path: $p }]) { step } }`, { p: join(tmp.dir, 'nope.onnx') });
    expect(missing.body.errors?.[0].extensions).toMatchObject({ code: 'IMPORT_FAILED', problems: [{ where: join(tmp.dir, 'nope.onnx'), message: 'file not found' }] });
    await t.gql(`mutation($p: String!) { registerCheckpointArtifacts(model: "mini", artifacts: [{ step: 6, path: $p }]) { step } }`, { p: join(tmp.dir, 'broken.onnx') });
    await t.gql(`mutation($m: String!) { importFmri(manifest: $m) { dataset } }`, { m: writeSyntheticFmri(join(tmp.dir, 'synth')).manifest });
    const bad = await t.gql(`mutation { extractFeatures(model: "mini", step: 6, dataset: "synth") { dim } }`);
    expect(bad.body.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(bad.body.errors?.[0].message).toMatch(/broken\.onnx/);
  });

  it('extracts every layer’s word features from a registered checkpoint', async () => {
    const { body } = await t.gql(`mutation { extractFeatures(model: "mini", step: 100, dataset: "synth", windowTokens: 32) { nWords dim } }`);
    expect(body.errors).toBeUndefined();
    expect(body.data.extractFeatures).toEqual({ nWords: 904, dim: 16 });
    expect(await t.wh.all("SELECT layer, n_words, dim FROM word_features WHERE model_id = 'mini' ORDER BY layer", [], { cache: false })).toEqual([
      { layer: 0, n_words: 904, dim: 16 },
      { layer: 1, n_words: 904, dim: 16 },
      { layer: 2, n_words: 904, dim: 16 },
    ]);
  });

  it('computes a brain score asked for on a checkpoint that only has its ONNX file: extraction, then encoding', async () => {
    const q = `{ model(id: "mini") { checkpoints(first: 1, stepRange: { from: 200, to: 200 }) { nodes { brainScore(dataset: "synth", policy: WAIT, waitSeconds: 120) { status value layer reason } } } } }`;
    const { body } = await t.gql(q);
    expect(body.errors).toBeUndefined();
    expect(body.data.model.checkpoints.nodes[0].brainScore).toMatchObject({ status: 'READY', layer: expect.any(Number) });
    const features = await t.wh.all<{ source: string }>("SELECT DISTINCT source FROM word_features WHERE model_id = 'mini' AND step = 200", [], { cache: false });
    expect(features).toEqual([{ source: expect.stringMatching(/^onnx:[0-9a-f]{16} provider:cpu$/) }]);
  });
});

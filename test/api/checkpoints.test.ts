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
    t = await startTestServer({ withPythia: false, scheduler: true, importRoots: [tmp.dir] });
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

  it('refuses missing and broken files at registration, naming each, writing nothing', async () => {
    writeFileSync(join(tmp.dir, 'broken.onnx'), 'not a model');
    const missing = await t.gql(`mutation($p: String!) { registerCheckpointArtifacts(model: "mini", artifacts: [{ step: 5, path: $p }]) { step } }`, { p: join(tmp.dir, 'nope.onnx') });
    expect(missing.body.errors?.[0].extensions).toMatchObject({ code: 'IMPORT_FAILED', problems: [{ where: join(tmp.dir, 'nope.onnx'), message: expect.stringMatching(/^is not a file or folder inside the import roots/) }] });
    const broken = await t.gql(`mutation($p: String!) { registerCheckpointArtifacts(model: "mini", artifacts: [{ step: 6, path: $p }]) { step } }`, { p: join(tmp.dir, 'broken.onnx') });
    expect(broken.body.errors?.[0].extensions).toMatchObject({ code: 'IMPORT_FAILED', problems: [{ where: join(tmp.dir, 'broken.onnx'), message: expect.stringMatching(/broken\.onnx is not an ONNX model/) }] });
    const noSteps = await t.gql(`mutation($f: String!) { registerCheckpointArtifacts(model: "mini", folder: $f) { step } }`, { f: join(tmp.dir, 'nowhere') });
    expect(noSteps.body.errors?.[0].extensions).toMatchObject({ code: 'PATH_NOT_ALLOWED', path: JSON.stringify(join(tmp.dir, 'nowhere')) });
    expect(await t.wh.all("SELECT step FROM checkpoints WHERE model_id = 'mini' AND step IN (5, 6)", [], { cache: false })).toEqual([]);
    await t.gql(`mutation($m: String!) { importFmri(manifest: $m) { dataset } }`, { m: writeSyntheticFmri(join(tmp.dir, 'synth')).manifest });
  });

  it('extracts every layer’s word features from a registered checkpoint', async () => {
    const { body } = await t.gql(`mutation { extractFeatures(model: "mini", step: 100, dataset: "synth", windowTokens: 32) { nWords dim } }`);
    expect(body.errors).toBeUndefined();
    expect(body.data.extractFeatures).toEqual({ nWords: 904, dim: 16 });
    expect(await t.wh.all("SELECT layer, n_words, dim FROM word_features WHERE model_id = 'mini' AND step = 100 ORDER BY layer", [], { cache: false })).toEqual([
      { layer: 0, n_words: 904, dim: 16 },
      { layer: 1, n_words: 904, dim: 16 },
      { layer: 2, n_words: 904, dim: 16 },
    ]);
  });

  it('stores a layers manifest given with the artifacts and extracts the layers it names', async () => {
    // The generated graph's own hidden-state outputs, named in reverse: layer i = block L − i's.
    const layersManifest = ['hidden_state.2', 'hidden_state.1', 'hidden_state.0'];
    const { body } = await t.gql(`mutation($p: String!, $m: [String!]) { registerCheckpointArtifacts(model: "mini", artifacts: [{ step: 400, path: $p }], layersManifest: $m) {
      step layersManifest } }`, { p: join(dir, 'step100.onnx'), m: layersManifest });
    expect(body.errors).toBeUndefined();
    expect(body.data.registerCheckpointArtifacts).toEqual([{ step: 400, layersManifest }]);
    const bad = await t.gql(`mutation($p: String!) { registerCheckpointArtifacts(model: "mini", artifacts: [{ step: 401, path: $p }], layersManifest: ["nope"]) { step } }`, { p: join(dir, 'step100.onnx') });
    expect(bad.body.errors?.[0].extensions.problems[0].message).toBe("bad hidden-state manifest: layer 0: no tensor named 'nope' in the graph");
    const features = await t.gql(`mutation { extractFeatures(model: "mini", step: 400, dataset: "synth", windowTokens: 32) { nWords dim } }`);
    expect(features.body.errors).toBeUndefined();
    const data = (step: number, layer: number) => t.wh.all("SELECT data FROM word_features WHERE model_id = 'mini' AND step = ? AND layer = ?", [step, layer], { cache: false });
    for (const layer of [0, 1, 2]) expect(await data(400, layer)).toEqual(await data(100, 2 - layer));
  });

  it('computes a brain score asked for on a checkpoint that only has its ONNX file: extraction, then encoding', async () => {
    const q = `{ model(id: "mini") { checkpoints(first: 1, stepRange: { from: 200, to: 200 }) { nodes { brainScore(dataset: "synth", policy: WAIT, waitSeconds: 120) { status value layer reason } } } } }`;
    const { body } = await t.gql(q);
    expect(body.errors).toBeUndefined();
    expect(body.data.model.checkpoints.nodes[0].brainScore).toMatchObject({ status: 'READY', layer: expect.any(Number) });
    const features = await t.wh.all<{ source: string }>("SELECT DISTINCT source FROM word_features WHERE model_id = 'mini' AND step = 200", [], { cache: false });
    expect(features).toEqual([{ source: expect.stringMatching(/^onnx:[0-9a-f]{16} provider:cpu$/) }]);
  });

  it('a brain score whose features came from an ONNX file or tokenizer replaced since is STALE; WAIT extracts again and recomputes', async () => {
    const q = (policy: string) => `{ model(id: "mini") { checkpoints(first: 1, stepRange: { from: 200, to: 200 }) { nodes {
      brainScore(dataset: "synth", layer: 1, policy: ${policy}, waitSeconds: 120) { status value reason } } } } }`;
    const score = async (policy: string) => (await t.gql(q(policy))).body.data.model.checkpoints.nodes[0].brainScore;
    const ready = await score('NEVER');
    expect(ready.status).toBe('READY');
    const origin = async () => (await t.wh.all<{ a: string; t: string }>(
      "SELECT DISTINCT artifact_sha256 AS a, tokenizer_sha256 AS t FROM word_features WHERE model_id = 'mini' AND step = 200", [], { cache: false }));
    // Step 200 registered again with other weights.
    const config = { vocabSize: 0, dModel: 16, nLayers: 2, nHeads: 2, dFF: 32, maxPositions: 64 };
    config.vocabSize = Object.keys((gpt2TokenizerJson({ merges: 500 }) as { model: { vocab: Record<string, number> } }).model.vocab).length;
    writeFileSync(join(dir, 'other200.onnx'), tinyGptOnnx(tinyGptWeights({ ...config, seed: 7 })));
    const reg = await t.gql(`mutation($p: String!) { registerCheckpointArtifacts(model: "mini", artifacts: [{ step: 200, path: $p }]) { artifactSha256 } }`, { p: join(dir, 'other200.onnx') });
    expect(reg.body.errors).toBeUndefined();
    expect(await score('NEVER')).toEqual({ status: 'STALE', value: null, reason: 'an input changed since it was computed: the ONNX file of checkpoint 200 was replaced since its features were extracted' });
    const again = await score('WAIT');
    expect(again).toMatchObject({ status: 'READY', reason: null });
    expect(again.value).not.toBeCloseTo(ready.value, 4);
    const [extracted] = await origin();
    expect(extracted.a).toBe(reg.body.data.registerCheckpointArtifacts[0].artifactSha256);
    // Another tokenizer for the model: every extraction of it is out of date.
    writeFileSync(join(dir, 'tokenizer2.json'), JSON.stringify(gpt2TokenizerJson({ merges: 300 })));
    const tok = await t.gql(`mutation($p: String!) { registerCheckpointArtifacts(model: "mini", tokenizer: $p) { step } }`, { p: join(dir, 'tokenizer2.json') });
    expect(tok.body.errors).toBeUndefined();
    expect(await score('NEVER')).toMatchObject({ status: 'STALE', reason: 'an input changed since it was computed: the tokenizer of model mini was replaced since the features of step 200 were extracted' });
    expect(await score('WAIT')).toMatchObject({ status: 'READY' });
    expect((await origin())[0].t).not.toBe(extracted.t);
  });
});

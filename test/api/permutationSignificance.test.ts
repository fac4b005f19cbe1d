import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSyntheticFmri, type SyntheticFmri } from '../../bench/syntheticFmri.js';
import { DEFAULT_ENCODING_HASH, T_TEST_ENCODING_HASH } from '../../services/encoding.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { tempDir } from '../helpers/tmp.js';

/** Benjamini–Hochberg q-values, written here independently of compute/encoding/blockPermutation.ts. */
function bh(p: number[]): number[] {
  const m = p.length;
  const idx = p.map((_, i) => i).sort((a, b) => p[a] - p[b]);
  const q = new Array<number>(m);
  let min = 1;
  for (let k = m - 1; k >= 0; k--) {
    min = Math.min(min, (p[idx[k]] * m) / (k + 1));
    q[idx[k]] = min;
  }
  return q;
}

/**
 * One-sided p of the t test on r with n TRs, t = r·√((n−2)/(1−r²)) on n − 2 degrees of freedom:
 * P(T ≥ t) = ½·∫_t^∞ g / ∫_0^∞ g with g(x) = (1 + x²/ν)^−(ν+1)/2, by Simpson's rule (independent of
 * compute/encoding/studentT.ts; the tail past 200 is below 1e-100 at ν = 48).
 */
function tTestP(r: number, n: number): number {
  const nu = n - 2;
  const t = r * Math.sqrt(nu / (1 - r * r));
  const g = (x: number) => (1 + (x * x) / nu) ** (-(nu + 1) / 2);
  const simpson = (a: number, b: number, steps = 20_000) => {
    const h = (b - a) / steps;
    let sum = g(a) + g(b);
    for (let i = 1; i < steps; i++) sum += (i % 2 ? 4 : 2) * g(a + i * h);
    return (sum * h) / 3;
  };
  const upper = 0.5 * (simpson(Math.abs(t), 200) / simpson(0, 200));
  return t >= 0 ? upper : 1 - upper;
}

describe('block-permutation significance through computeEncoding', () => {
  let t: TestServer;
  let synth: SyntheticFmri;
  const tmp = tempDir();
  beforeAll(async () => {
    t = await startTestServer({ withPythia: false, importRoots: [tmp.dir] });
    synth = writeSyntheticFmri(join(tmp.dir, 'synth'), { noise: 2, voxels: 80 });
    await t.gql(`mutation { registerModel(input: { id: "tiny", tokensPerStep: 1000, finalStep: 100 }) { id } }`);
    await t.gql(`mutation($m: String!) { importFmri(manifest: $m) { dataset } }`, { m: synth.manifest });
    for (const [layer, path] of synth.featureFiles) {
      await t.gql(`mutation($i: ImportFeaturesInput!) { importFeatures(input: $i) { nWords } }`, { i: { model: 'tiny', step: 100, layer, dataset: 'synth', path } });
    }
  });
  afterAll(async () => {
    await t.close();
    tmp.cleanup();
  });

  it('stores p and BH q per voxel, records the permutation parameters, and counts nSignificant by q', async () => {
    const c = await t.gql(`mutation { computeEncoding(input: { model: "tiny", step: 100, dataset: "synth", layers: [1], params: { permutations: 199, blockTrs: 5 } }) { paramsHash runId } }`);
    expect(c.body.errors).toBeUndefined();
    const { paramsHash, runId } = c.body.data.computeEncoding;
    expect(paramsHash).not.toBe(DEFAULT_ENCODING_HASH);
    const [run] = await t.wh.all<{ params: string }>('SELECT params_json AS params FROM runs WHERE run_id = ?', [runId]);
    expect(JSON.parse(run.params)).toMatchObject({ permutations: 199, blockTrs: 5, fdrQ: 0.05 });

    const v = await t.gql(`query($h: String) { voxelScores(model: "tiny", step: 100, layer: 1, dataset: "synth", subject: "S01", first: 100, paramsHash: $h) {
      nodes { voxel r pValue qValue } } }`, { h: paramsHash });
    const nodes = v.body.data.voxelScores.nodes as { voxel: number; r: number | null; pValue: number | null; qValue: number | null }[];
    expect(nodes).toHaveLength(synth.nVoxels);
    expect(nodes[0]).toMatchObject({ r: null, pValue: null, qValue: null }); // the constant voxel
    const tested = nodes.filter((n) => n.pValue !== null);
    expect(tested).toHaveLength(synth.nVoxels - 1);
    for (const n of tested) {
      // (1 + #{r_π ≥ r}) / (1 + P): a multiple of 1/200 from 1/200 to 1
      expect(n.pValue! * 200).toBeCloseTo(Math.round(n.pValue! * 200), 3);
      expect(n.pValue!).toBeGreaterThanOrEqual(1 / 200 - 1e-7);
    }
    const q = bh(tested.map((n) => n.pValue!));
    tested.forEach((n, i) => expect(n.qValue!).toBeCloseTo(q[i], 6));

    // signal voxels (1 … 3V/4) are found, the pure-noise quarter mostly is not
    const signal = tested.filter((n) => n.voxel < (synth.nVoxels * 3) / 4);
    const noise = tested.filter((n) => n.voxel >= (synth.nVoxels * 3) / 4);
    expect(signal.filter((n) => n.qValue! <= 0.05).length).toBeGreaterThan(0.8 * signal.length);
    expect(noise.filter((n) => n.qValue! <= 0.05).length).toBeLessThanOrEqual(2);

    const s = await t.gql(`query($h: String) { model(id: "tiny") { checkpoints(first: 1) { nodes { brainScore(dataset: "synth", layer: 1, paramsHash: $h) { nSignificant } } } } }`, { h: paramsHash });
    expect(s.body.data.model.checkpoints.nodes[0].brainScore.nSignificant).toBe(tested.filter((n) => n.qValue! <= 0.05).length);
  });

  it('is the default: a default cell stores p and q, and nSignificant counts its stored q ≤ 0.05', async () => {
    // Computed on demand, as a query without parameters would.
    const c = await t.gql(`mutation { computeEncoding(input: { model: "tiny", step: 100, dataset: "synth", layers: [1] }) { paramsHash runId } }`);
    expect(c.body.errors).toBeUndefined();
    expect(c.body.data.computeEncoding.paramsHash).toBe(DEFAULT_ENCODING_HASH);
    const [run] = await t.wh.all<{ params: string }>('SELECT params_json AS params FROM runs WHERE run_id = ?', [c.body.data.computeEncoding.runId]);
    expect(JSON.parse(run.params)).toMatchObject({ permutations: 1000, blockTrs: 'auto', permutationSeed: 0, fdrQ: 0.05 });
    const nodes = (await t.gql(`{ voxelScores(model: "tiny", step: 100, layer: 1, dataset: "synth", subject: "S01", first: 100) { status nodes { voxel r pValue qValue } } }`)).body.data.voxelScores;
    expect(nodes.status).toBe('READY');
    const tested = (nodes.nodes as { r: number | null; pValue: number | null; qValue: number | null }[]).filter((n) => n.r !== null);
    expect(tested).toHaveLength(synth.nVoxels - 1);
    for (const n of tested) expect(n.pValue! * 1001).toBeCloseTo(Math.round(n.pValue! * 1001), 2);
    bh(tested.map((n) => n.pValue!)).forEach((q, i) => expect(tested[i].qValue!).toBeCloseTo(q, 6));
    // Also the table itself, not only the API: a p and a q for every voxel with a defined r.
    const [stored] = await t.wh.all<{ n: number; significant: number }>(
      `SELECT count(s.p_value)::INTEGER AS n, count(*) FILTER (WHERE s.q_value <= 0.05)::INTEGER AS significant
       FROM voxel_significance s JOIN cells c USING (cell_id) WHERE c.params_hash = ? AND c.layer = 1 AND c.step = 100`, [DEFAULT_ENCODING_HASH]);
    expect(stored.n).toBe(tested.length);
    const significant = tested.filter((n) => n.qValue! <= 0.05).length;
    expect(stored.significant).toBe(significant);
    expect(significant).toBeGreaterThan(0);
    const s = await t.gql(`{ model(id: "tiny") { checkpoints(first: 1) { nodes { brainScore(dataset: "synth", layer: 1, policy: NEVER) { status nSignificant } } } } }`);
    expect(s.body.data.model.checkpoints.nodes[0].brainScore).toEqual({ status: 'READY', nSignificant: significant });
  });

  it('keeps the t test as an option (permutations: 0): the hash cells had when it was the default, no p or q, nSignificant by t', async () => {
    const c = await t.gql(`mutation { computeEncoding(input: { model: "tiny", step: 100, dataset: "synth", layers: [1], params: { permutations: 0 } }) { paramsHash } }`);
    expect(c.body.errors).toBeUndefined();
    expect(c.body.data.computeEncoding.paramsHash).toBe(T_TEST_ENCODING_HASH);
    expect(T_TEST_ENCODING_HASH).not.toBe(DEFAULT_ENCODING_HASH);
    const v = await t.gql(`query($h: String) { voxelScores(model: "tiny", step: 100, layer: 1, dataset: "synth", subject: "S01", first: 100, paramsHash: $h) { status nodes { r pValue qValue } } }`, { h: T_TEST_ENCODING_HASH });
    const nodes = v.body.data.voxelScores.nodes as { r: number | null; pValue: null; qValue: null }[];
    expect(nodes).toHaveLength(synth.nVoxels);
    expect(nodes.every((n) => n.pValue === null && n.qValue === null)).toBe(true);
    // The one-sided t test on the 50 test TRs, BH at 0.05, recomputed here from r.
    const r = nodes.flatMap((n) => (n.r === null ? [] : [n.r]));
    const expected = bh(r.map((x) => tTestP(x, 50))).filter((q) => q <= 0.05).length;
    expect(expected).toBeGreaterThan(0);
    const s = await t.gql(`query($h: String) { model(id: "tiny") { checkpoints(first: 1) { nodes { brainScore(dataset: "synth", layer: 1, paramsHash: $h) { nSignificant } } } } }`, { h: T_TEST_ENCODING_HASH });
    expect(s.body.data.model.checkpoints.nodes[0].brainScore.nSignificant).toBe(expected);
  });

  it('refuses blockTrs with the t test', async () => {
    const bad = await t.gql(`{ encodingParams(params: { permutations: 0, blockTrs: 5 }) { paramsHash } }`);
    expect(bad.body.errors?.[0]).toMatchObject({
      message: 'invalid encoding parameters: blockTrs applies to block permutations only, not to the t test (permutations: 0)',
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });

  it('refuses bad permutation parameters with a code', async () => {
    const bad = await t.gql(`mutation { computeEncoding(input: { model: "tiny", step: 100, dataset: "synth", params: { permutations: -1, blockTrs: 0 } }) { paramsHash } }`);
    expect(bad.body.errors?.[0]).toMatchObject({
      message: 'invalid encoding parameters: permutations must be a whole number from 0 to 10000 (got -1); blockTrs must be a whole number ≥ 1 (got 0)',
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });
});

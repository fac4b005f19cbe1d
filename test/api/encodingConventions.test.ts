import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ENCODING_HASH, encodingParams, T_TEST_ENCODING_HASH } from '../../services/encoding.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { addSyntheticStudy } from '../helpers/syntheticStudy.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * The default parameters' hash before block permutations were the default (main 427984f, and before
 * the conventions were parameters, d5b0390): the t test at the default conventions. Stored cells keep it.
 */
const HASH_BEFORE_PERMUTATIONS = '1409bb70475772af';
/** The default parameters' hash since: 1000 block permutations, blocks from the autocorrelation. */
const DEFAULT_HASH = 'fafdf48f0da7c276';

const NON_DEFAULT = 'cvMetric: R2, foldBy: RUN, folds: 3, intercept: true, featureZscore: GLOBAL, responseZscore: NONE, delays: [0, 1, 2, 3]';
const EXPLICIT_DEFAULTS = 'cvMetric: MSE, foldBy: CONTIGUOUS, folds: 5, intercept: false, featureZscore: RUN, responseZscore: RUN, delays: [1, 2, 3, 4], permutations: 1000';
const EXPLICIT_T_TEST = EXPLICIT_DEFAULTS.replace('permutations: 1000', 'permutations: 0');

describe('encoding conventions through computeEncoding', () => {
  let t: TestServer;
  const tmp = tempDir();
  beforeAll(async () => {
    t = await startTestServer({ withPythia: false });
    await addSyntheticStudy(t.wh, tmp.dir, { steps: [100], voxels: 40, noise: 2 });
  });
  afterAll(async () => {
    await t.close();
    tmp.cleanup();
  });

  const compute = (params: string) => t.gql(`mutation { computeEncoding(input: { model: "tiny", step: 100, dataset: "synth", layers: [1], params: { ${params} } }) { paramsHash runId } }`);
  const meanR = async (hash: string) =>
    (await t.gql(`query($h: String) { model(id: "tiny") { checkpoints(first: 1) { nodes { brainScore(dataset: "synth", layer: 1, paramsHash: $h, policy: NEVER) { value } } } } }`, { h: hash }))
      .body.data.model.checkpoints.nodes[0].brainScore.value as number;

  it('defaults spelled out hash like omitted ones; the t test keeps the hash the default had before permutations', async () => {
    expect(DEFAULT_ENCODING_HASH).toBe(DEFAULT_HASH);
    expect(T_TEST_ENCODING_HASH).toBe(HASH_BEFORE_PERMUTATIONS);
    const c = await compute(EXPLICIT_DEFAULTS);
    expect(c.body.errors).toBeUndefined();
    expect(c.body.data.computeEncoding.paramsHash).toBe(DEFAULT_ENCODING_HASH);
    const [run] = await t.wh.all<{ params: string }>('SELECT params_json AS params FROM runs WHERE run_id = ?', [c.body.data.computeEncoding.runId]);
    expect(Object.keys(JSON.parse(run.params))).not.toEqual(expect.arrayContaining(['intercept']));
    expect(JSON.parse(run.params)).toMatchObject({ permutations: 1000, blockTrs: 'auto', permutationSeed: 0 });
    const tTest = await compute(EXPLICIT_T_TEST);
    expect(tTest.body.data.computeEncoding.paramsHash).toBe(HASH_BEFORE_PERMUTATIONS);
    const [tRun] = await t.wh.all<{ params: string }>('SELECT params_json AS params FROM runs WHERE run_id = ?', [tTest.body.data.computeEncoding.runId]);
    // The count is recorded (0), the block length is not (the t test has none).
    expect(JSON.parse(tRun.params)).toMatchObject({ permutations: 0 });
    expect(Object.keys(JSON.parse(tRun.params))).not.toEqual(expect.arrayContaining(['blockTrs']));
    // What encodingParams reports is what a run records, and giving it back records the same (one meaning, one hash).
    const report = (await t.gql(`{ d: encodingParams { paramsHash isDefault params } t: encodingParams(params: { permutations: 0 }) { paramsHash isDefault params } }`)).body.data;
    expect(report.d).toMatchObject({ paramsHash: DEFAULT_HASH, isDefault: true });
    expect(report.t).toMatchObject({ paramsHash: HASH_BEFORE_PERMUTATIONS, isDefault: false });
    expect(JSON.parse(report.t.params)).toMatchObject({ permutations: 0 });
    for (const r of [report.d, report.t]) expect(JSON.stringify(encodingParams(JSON.parse(r.params)))).toBe(r.params);
  });

  it('records every non-default convention in the run’s params and hash; both sets of cells coexist', async () => {
    const c = await compute(NON_DEFAULT);
    expect(c.body.errors).toBeUndefined();
    const { paramsHash, runId } = c.body.data.computeEncoding;
    expect(paramsHash).not.toBe(DEFAULT_ENCODING_HASH);
    const [run] = await t.wh.all<{ params: string; hash: string }>('SELECT params_json AS params, params_hash AS hash FROM runs WHERE run_id = ?', [runId]);
    expect(run.hash).toBe(paramsHash);
    expect(JSON.parse(run.params)).toMatchObject({ cvMetric: 'r2', foldBy: 'run', folds: 3, intercept: true, featureZscore: 'global', responseZscore: 'none', delays: [0, 1, 2, 3] });
    // The hash a reader needs, without computing anything.
    const q = await t.gql(`{ encodingParams(params: { ${NON_DEFAULT} }) { paramsHash isDefault } explicit: encodingParams(params: { ${EXPLICIT_DEFAULTS} }) { paramsHash isDefault } }`);
    expect(q.body.data).toEqual({ encodingParams: { paramsHash, isDefault: false }, explicit: { paramsHash: DEFAULT_ENCODING_HASH, isDefault: true } });
    const [defaultR, otherR] = [await meanR(DEFAULT_ENCODING_HASH), await meanR(paramsHash)];
    expect(typeof defaultR).toBe('number');
    expect(typeof otherR).toBe('number');
    expect(otherR).not.toBe(defaultR);
    // Each single change is its own set of cells.
    const hashes = new Set([DEFAULT_ENCODING_HASH, paramsHash]);
    for (const one of ['cvMetric: R', 'cvMetric: R2', 'foldBy: RUN, folds: 3', 'intercept: true', 'featureZscore: GLOBAL', 'responseZscore: GLOBAL', 'delays: [0, 1, 2, 3]']) {
      const h = (await compute(one)).body.data.computeEncoding.paramsHash as string;
      expect(hashes.has(h)).toBe(false);
      hashes.add(h);
    }
  });

  it('sizes permutation blocks from the responses’ autocorrelation unless blockTrs is given, and records the length used', async () => {
    const c = await compute('permutations: 99');
    expect(c.body.errors).toBeUndefined();
    const [run] = await t.wh.all<{ params: string }>('SELECT params_json AS params FROM runs WHERE run_id = ?', [c.body.data.computeEncoding.runId]);
    const params = JSON.parse(run.params) as { blockTrs: unknown; blockTrsUsed: Record<string, number> };
    expect(params.blockTrs).toBe('auto');
    // 50 test TRs: at least 10 blocks, so 2 ≤ block ≤ 5.
    for (const subject of Object.keys(params.blockTrsUsed)) expect(params.blockTrsUsed[subject]).toBeGreaterThanOrEqual(2);
    for (const subject of Object.keys(params.blockTrsUsed)) expect(params.blockTrsUsed[subject]).toBeLessThanOrEqual(5);
    expect(Object.keys(params.blockTrsUsed).length).toBeGreaterThan(0);
  });

  it('refuses bad conventions with a code, listing every problem, writing nothing', async () => {
    const before = await t.wh.all<{ n: number }>('SELECT count(*)::INTEGER AS n FROM runs');
    const bad = await compute('folds: 1, delays: [], alphas: [1]');
    expect(bad.body.errors?.[0]).toMatchObject({
      message: 'invalid encoding parameters: folds must be a whole number from 2 to 50 (got 1); delays must be 1 to 16 distinct whole numbers of TRs within ±16 (got [])',
      extensions: { code: 'BAD_USER_INPUT' },
    });
    const tooManyRunFolds = await compute('foldBy: RUN, folds: 4');
    expect(tooManyRunFolds.body.errors?.[0]).toMatchObject({
      message: 'cannot split 3 training runs into 4 folds of whole runs (foldBy RUN needs folds ≤ training runs)',
      extensions: { code: 'BAD_USER_INPUT' },
    });
    expect(await t.wh.all<{ n: number }>('SELECT count(*)::INTEGER AS n FROM runs')).toEqual(before);
  });
});

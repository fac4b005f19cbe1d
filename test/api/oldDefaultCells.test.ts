import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ENCODING_HASH, T_TEST_ENCODING_HASH } from '../../services/encoding.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { addSyntheticStudy } from '../helpers/syntheticStudy.js';
import { tempDir } from '../helpers/tmp.js';

/** The default params hash until block permutations became the default (the t test): stored cells and bundles carry it. */
const OLD_DEFAULT_HASH = '1409bb70475772af';

const voxels = (hash: string) =>
  `{ voxelScores(model: "tiny", step: 100, layer: 1, dataset: "synth", subject: "S01", first: 100, paramsHash: "${hash}") { status runId nodes { voxel r alpha pValue qValue } } }`;
const score = (hash: string | null) =>
  `{ model(id: "tiny") { checkpoints(first: 1) { nodes { brainScore(dataset: "synth", layer: 1, policy: NEVER${hash ? `, paramsHash: "${hash}"` : ''}) { status value nSignificant } } } } }`;

/**
 * docs/encoding.md "Cells stored under the old default": a bundle written when the t test was the
 * default (hash 1409bb70475772af, no `permutations` in the run's params) imports as before; its
 * cells are t-test cells read by that hash, and the default cells are computed beside them.
 */
describe('cells stored under the old default (the t test) after permutations became the default', () => {
  let a: TestServer;
  let b: TestServer;
  const tmp = tempDir();
  beforeAll(async () => {
    a = await startTestServer({ withPythia: false, importRoots: [tmp.dir] });
    b = await startTestServer({ withPythia: false, scheduler: true, importRoots: [tmp.dir] });
    await addSyntheticStudy(a.wh, tmp.dir, { steps: [100], voxels: 40, noise: 2 });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    tmp.cleanup();
  });

  it('import from a bundle, keep their hash and params, read by that hash; the default cells are computed beside them', async () => {
    expect(T_TEST_ENCODING_HASH).toBe(OLD_DEFAULT_HASH);
    // A cell as the old default wrote it: the t test, its run's params without `permutations`.
    const c = await a.gql(`mutation { computeEncoding(input: { model: "tiny", step: 100, dataset: "synth", layers: [1], params: { permutations: 0 } }) { paramsHash runId } }`);
    expect(c.body.data.computeEncoding.paramsHash).toBe(OLD_DEFAULT_HASH);
    const { runId } = c.body.data.computeEncoding;
    const [run] = await a.wh.all<{ params: string }>('SELECT params_json AS params FROM runs WHERE run_id = ?', [runId]);
    const { permutations, ...oldParams } = JSON.parse(run.params) as Record<string, unknown>;
    expect(permutations).toBe(0);
    await a.wh.all('UPDATE runs SET params_json = ? WHERE run_id = ?', [JSON.stringify(oldParams), runId], { cache: false });
    const original = (await a.gql(voxels(OLD_DEFAULT_HASH))).body.data.voxelScores;
    const originalScore = (await a.gql(score(OLD_DEFAULT_HASH))).body.data.model.checkpoints.nodes[0].brainScore;
    expect(originalScore.status).toBe('READY');

    const exported = (await a.gql(`mutation { exportBundle(where: { includeFeatures: true }, lab: "Lab A") { downloadPath } }`)).body.data.exportBundle;
    const tar = join(tmp.dir, 'old.tar');
    writeFileSync(tar, Buffer.from(await (await fetch(new URL(exported.downloadPath, a.server.url))).arrayBuffer()));
    expect((await b.gql(`mutation($p: String!) { importBundle(path: $p) { id } }`, { p: tar })).body.errors).toBeUndefined();

    // Read by their hash, unchanged: t-test cells (no p or q), their run's params as recorded.
    const imported = (await b.gql(voxels(OLD_DEFAULT_HASH))).body.data.voxelScores;
    expect(imported).toEqual(original);
    expect(imported.status).toBe('READY');
    expect(imported.nodes.every((n: { pValue: unknown; qValue: unknown }) => n.pValue === null && n.qValue === null)).toBe(true);
    expect((await b.gql(score(OLD_DEFAULT_HASH))).body.data.model.checkpoints.nodes[0].brainScore).toEqual(originalScore);
    const recorded = (await b.gql(`{ run(id: "${runId}") { params paramsHash } }`)).body.data.run;
    expect(recorded.paramsHash).toBe(OLD_DEFAULT_HASH);
    expect(JSON.parse(recorded.params)).toEqual(oldParams);

    // They are not the default cells: a query without paramsHash finds none, and computing them leaves the old ones alone.
    expect((await b.gql(score(null))).body.data.model.checkpoints.nodes[0].brainScore.status).toBe('MISSING');
    const jobs = await b.gql(`mutation { computeCells(request: { kind: ENCODING, models: ["tiny"], dataset: "synth", steps: [100] }) { jobs { id } } }`);
    expect(jobs.body.errors).toBeUndefined();
    for (const { id } of jobs.body.data.computeCells.jobs) expect((await b.scheduler!.wait(id, 120_000)).status).toBe('SUCCEEDED');
    const fresh = (await b.gql(voxels(DEFAULT_ENCODING_HASH))).body.data.voxelScores;
    expect(fresh.status).toBe('READY');
    expect(fresh.nodes.map((n: { r: number | null }) => n.r)).toEqual(original.nodes.map((n: { r: number | null }) => n.r));
    expect(fresh.nodes.filter((n: { pValue: number | null }) => n.pValue !== null)).toHaveLength(fresh.nodes.filter((n: { r: number | null }) => n.r !== null).length);
    const newScore = (await b.gql(score(null))).body.data.model.checkpoints.nodes[0].brainScore;
    expect(newScore.status).toBe('READY');
    expect(newScore.value).toBe(originalScore.value);
    expect(newScore.nSignificant).toBe(fresh.nodes.filter((n: { qValue: number | null }) => n.qValue !== null && n.qValue <= 0.05).length);
    expect((await b.gql(voxels(OLD_DEFAULT_HASH))).body.data.voxelScores).toEqual(original);
  });
});

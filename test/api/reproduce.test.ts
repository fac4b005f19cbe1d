import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { addSyntheticStudy } from '../helpers/syntheticStudy.js';
import { tempDir } from '../helpers/tmp.js';

const PAGE = `{ voxelScores(model: "tiny", step: 100, layer: 1, dataset: "synth", subject: "S01", first: 100) { status runId totalCount nodes { voxel r alpha pValue qValue } } }`;
const RUN = (id: string) => `{ run(id: "${id}") { id kind params paramsHash codeVersion device inputs { role model step layer dataset subject sha256 currentSha256 } } }`;

/** docs/reproduce.md, as a test: a cell shared in a bundle is computed again elsewhere from its run's record, with the same numbers. */
describe('reproducing a stored cell from a bundle in another warehouse', () => {
  let a: TestServer;
  let b: TestServer;
  const tmp = tempDir();
  beforeAll(async () => {
    a = await startTestServer({ withPythia: false, scheduler: true, importRoots: [tmp.dir] });
    b = await startTestServer({ withPythia: false, scheduler: true, importRoots: [tmp.dir] });
    await addSyntheticStudy(a.wh, tmp.dir, { steps: [100] });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    tmp.cleanup();
  });

  const compute = async (t: TestServer, extra = '') => {
    const c = await t.gql(`mutation { computeCells(request: { kind: ENCODING, models: ["tiny"], dataset: "synth", steps: [100]${extra} }) { jobs { id } } }`);
    expect(c.body.errors).toBeUndefined();
    for (const { id } of c.body.data.computeCells.jobs) expect((await t.scheduler!.wait(id, 120_000)).status).toBe('SUCCEEDED');
  };

  it('the run records parameters, code version and the content hash of every input; recomputing from a bundle gives the same voxel scores bit for bit', async () => {
    await compute(a);
    const original = (await a.gql(PAGE)).body.data.voxelScores;
    expect(original).toMatchObject({ status: 'READY', runId: expect.any(String), totalCount: 60 });
    const run = (await a.gql(RUN(original.runId))).body.data.run;
    expect(run).toMatchObject({ kind: 'encoding', codeVersion: expect.any(String), paramsHash: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect(JSON.parse(run.params)).toMatchObject({ modelId: 'tiny', step: 100, datasetId: 'synth', folds: 5, cvMetric: 'mse' });
    expect(run.inputs.map((i: { role: string; layer: number | null; subject: string | null }) => [i.role, i.layer, i.subject])).toEqual([
      ['features', 0, null], ['features', 1, null], ['fmri', null, 'S01'],
    ]);
    for (const i of run.inputs) expect(i.currentSha256).toBe(i.sha256);

    // Lab A shares the slice with its fMRI data and features; lab B imports it.
    const exported = (await a.gql(`mutation { exportBundle(where: { includeFeatures: true }, lab: "Lab A") { downloadPath } }`)).body.data.exportBundle;
    const tar = join(tmp.dir, 'shared.tar');
    writeFileSync(tar, Buffer.from(await (await fetch(new URL(exported.downloadPath, a.server.url))).arrayBuffer()));
    expect((await b.gql(`mutation($p: String!) { importBundle(path: $p) { id } }`, { p: tar })).body.errors).toBeUndefined();
    // The cell arrives READY with its run: nothing it read differs in B.
    expect((await b.gql(PAGE)).body.data.voxelScores).toEqual(original);
    expect((await b.gql(RUN(original.runId))).body.data.run).toEqual(run);

    // B computes the cell again from what the record names.
    await compute(b, ', recompute: true');
    const again = (await b.gql(PAGE)).body.data.voxelScores;
    expect(again.runId).not.toBe(original.runId);
    expect(again.nodes).toEqual(original.nodes);
    const rerun = (await b.gql(RUN(again.runId))).body.data.run;
    expect({ ...rerun, id: run.id }).toEqual(run);
  });
});

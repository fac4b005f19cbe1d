import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../services/paths.js';
import { cachedDemoWarehouse } from '../helpers/fixtures.js';
import { textMismatches } from '../helpers/docOutput.js';
import { runnableRBlocks } from '../helpers/readmeExamples.js';
import { describeWith, fileRequirement, requirement } from '../helpers/requirements.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const run = promisify(execFile);
const RSCRIPT = '/usr/bin/Rscript';
const R_LIBS = ['/usr/lib/R/site-library/httr2', '/usr/lib/R/site-library/jsonlite'];
const R_CLIENT = requirement(
  fileRequirement(RSCRIPT, '').available && R_LIBS.every((p) => fileRequirement(p, '').available),
  'Rscript with httr2 and jsonlite (apt-get install r-base-core r-cran-httr2 r-cran-jsonlite)',
);

/** Runs R code from the repository root against the server; stdout and stderr. */
async function rscript(code: string, url: string): Promise<{ stdout: string; stderr: string }> {
  return run(RSCRIPT, ['--vanilla', '-e', code], { cwd: PACKAGE_ROOT, env: { ...process.env, CORTEXQL_URL: url, CORTEXQL_API_KEY: '' } });
}

/** clients/r/cortexql.R with Debian's R, httr2 and jsonlite, against a real server on the demo warehouse. */
describeWith(R_CLIENT, 'the R example (clients/r/cortexql.R: httr2 + jsonlite) against a running server', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ db: (await cachedDemoWarehouse()).path });
  }, 300_000);
  afterAll(async () => {
    await t?.close();
  });

  it('runs the README’s R block as written and prints what the text says', async () => {
    const blocks = runnableRBlocks();
    expect(blocks).toHaveLength(1);
    const { stdout, stderr } = await rscript(blocks[0].text, t.server.endpoint);
    // Its output block: the frames it prints, then the error's message (on stderr, printed last).
    expect([blocks[0].where, textMismatches(blocks[0].output?.text ?? '', stdout + stderr)]).toEqual([blocks[0].where, []]);
  }, 120_000);

  it('returns the API’s values: a trajectory as a data frame, variables passed through', async () => {
    const code = `source("clients/r/cortexql.R")
      brain <- cortexql('query($m: ID!) { model(id: $m) { brainTrajectory(dataset: "sim-narratives", roi: "STS", policy: NEVER) { step layer value } } }', list(m = "sim-tinygpt"))$model$brainTrajectory
      stopifnot(is.data.frame(brain))
      cat(toJSON(brain, digits = NA))`;
    const { stdout } = await rscript(code, t.server.endpoint);
    const api = await t.gql('{ model(id: "sim-tinygpt") { brainTrajectory(dataset: "sim-narratives", roi: "STS", policy: NEVER) { step layer value } } }');
    // jsonlite prints 15 significant digits.
    const got: { step: number; layer: number; value: number }[] = JSON.parse(stdout);
    const want: { step: number; layer: number; value: number }[] = api.body.data.model.brainTrajectory;
    expect(got.map((p) => [p.step, p.layer])).toEqual(want.map((p) => [p.step, p.layer]));
    got.forEach((p, i) => expect(p.value).toBeCloseTo(want[i].value, 13));
  }, 120_000);
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PYTHIA_EVALS } from '../helpers/pythiaFiles.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const IMPORT = `mutation($input: ImportEvalsInput!) { importEvals(input: $input) { files scores models checkpoints } }`;

describe('mutations: import evals, register models and checkpoints', () => {
  let t: TestServer;
  beforeAll(async () => {
    // The shipped evals folder is this server's import root: mutations name files inside it.
    t = await startTestServer({ withPythia: false, importRoots: [PYTHIA_EVALS] });
  });
  afterAll(() => t.close());

  it('imports a server-side folder inside an import root (relative to it, or absolute), and again without duplicating', async () => {
    const path = 'pythia-160m';
    const first = await t.gql(IMPORT, { input: { path } });
    expect(first.body.data.importEvals).toEqual({ files: 27, scores: 27 * 172, models: ['pythia-160m'], checkpoints: 27 });
    const again = await t.gql(IMPORT, { input: { path: join(PYTHIA_EVALS, path) } });
    expect(again.body.data.importEvals.scores).toBe(27 * 172);
    expect(await t.wh.all('SELECT count(*) AS n FROM task_scores')).toEqual([{ n: 27 * 172 }]);
  });

  it('imports inline documents with model and step overrides', async () => {
    const content = JSON.parse(readFileSync(join(PYTHIA_EVALS, 'pythia-70m', 'zero-shot', '70m_step3000.json'), 'utf8'));
    const { body } = await t.gql(IMPORT, { input: { documents: [{ fileName: 'a.json', content }], model: 'lab-model', step: 12 } });
    expect(body.data.importEvals).toMatchObject({ files: 1, models: ['lab-model'], checkpoints: 1 });
    const q = await t.gql(`{ model(id: "lab-model") { family checkpoints(first: 5) { nodes { step tokens taskScore(task: "piqa") { value } } } } }`);
    expect(q.body.data.model).toEqual({ family: 'unknown', checkpoints: { nodes: [{ step: 12, tokens: null, taskScore: { value: content.results.piqa.acc } }] } });
  });

  it('fails an import with a bad document as a whole, listing every problem', async () => {
    const before = await t.wh.all('SELECT count(*) AS n FROM task_scores');
    const { body } = await t.gql(IMPORT, {
      input: {
        documents: [
          { fileName: 'ok_step1.json', content: { results: { piqa: { acc: 0.5 } }, config: { model_args: 'pretrained=x/good' } } },
          { fileName: 'bad_step2.json', content: { results: { piqa: 'oops' }, config: { model_args: 'pretrained=x/bad' } } },
        ],
      },
    });
    expect(body.errors?.[0]).toMatchObject({
      message: 'import failed, nothing was written: bad_step2.json: results.piqa: expected an object of metrics',
      extensions: { code: 'IMPORT_FAILED', problemCount: 1, problems: [{ where: 'bad_step2.json: results.piqa', message: 'expected an object of metrics' }] },
    });
    expect(await t.wh.all('SELECT count(*) AS n FROM task_scores')).toEqual(before);
    expect(await t.wh.all("SELECT count(*) AS n FROM models WHERE model_id = 'good'")).toEqual([{ n: 0 }]);
  });

  it('registers a model, and re-derives checkpoint tokens when tokens per step change', async () => {
    const reg = await t.gql(`mutation { registerModel(input: { id: "lab-model", family: "lab", tokensPerStep: 1000, finalStep: 100 }) { id family tokensPerStep finalStep } }`);
    expect(reg.body.data.registerModel).toEqual({ id: 'lab-model', family: 'lab', tokensPerStep: 1000, finalStep: 100 });
    const q = await t.gql(`{ model(id: "lab-model") { checkpoints(first: 5) { nodes { step tokens fraction } } } }`);
    expect(q.body.data.model.checkpoints.nodes).toEqual([{ step: 12, tokens: 12000, fraction: 0.12 }]);
  });

  it('fills a known model’s facts from the catalog and registers checkpoints', async () => {
    const reg = await t.gql(`mutation { registerModel(input: { id: "pythia-2.8b" }) { id params nLayers hiddenSize tokensPerStep } }`);
    expect(reg.body.data.registerModel).toEqual({ id: 'pythia-2.8b', params: 2_775_208_960, nLayers: 32, hiddenSize: 2560, tokensPerStep: 2_097_152 });
    const cps = await t.gql(`mutation { registerCheckpoints(model: "pythia-2.8b", checkpoints: [{ step: 0 }, { step: 1000 }]) }`);
    expect(cps.body.data.registerCheckpoints).toBe(2);
    const q = await t.gql(`{ model(id: "pythia-2.8b") { checkpoints(first: 5) { nodes { step tokens artifactUri } } } }`);
    expect(q.body.data.model.checkpoints.nodes).toEqual([
      { step: 0, tokens: 0, artifactUri: null },
      { step: 1000, tokens: 1000 * 2_097_152, artifactUri: null },
    ]);
    // An unchecked artifact URI would be opened later by extraction: files go through registerCheckpointArtifacts.
    const uri = await t.gql(`mutation { registerCheckpoints(model: "pythia-2.8b", checkpoints: [{ step: 2000, artifactUri: "/etc/passwd" }]) }`);
    expect(uri.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', problems: [{ where: 'checkpoints.0', message: expect.stringMatching(/registerCheckpointArtifacts/) }] });
  });

  it('rejects registrations that break the rules', async () => {
    const unknown = await t.gql(`mutation { registerCheckpoints(model: "nope", checkpoints: [{ step: 1 }]) }`);
    expect(unknown.body.errors?.[0]).toMatchObject({ message: "model 'nope' does not exist", extensions: { code: 'NOT_FOUND' } });
    const negative = await t.gql(`mutation { registerCheckpoints(model: "pythia-2.8b", checkpoints: [{ step: -5 }, { step: 7 }, { step: 7 }]) }`);
    expect(negative.body.errors?.[0]).toMatchObject({
      message: 'invalid checkpoints: checkpoints.0.step: must be an integer from 0 to 2147483647 (got -5); checkpoints: step "7" appears more than once',
      extensions: { code: 'BAD_USER_INPUT', problemCount: 2 },
    });
    const badId = await t.gql(`mutation { registerModel(input: { id: "bad id!" }) { id } }`);
    expect(badId.body.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    const badFields = await t.gql(`mutation { registerModel(input: { id: "bad id!", nLayers: 0, finalStep: -1 }) { id } }`);
    expect(badFields.body.errors?.[0]).toMatchObject({
      message:
        'invalid model registration: id: "bad id!" may only hold letters A–Z a–z, digits, \'.\', \'_\', \'-\' and \'/\'; ' +
        'nLayers: must be an integer from 1 to 32767 (got 0); finalStep: must be an integer from 1 to 2147483647 (got -1)',
      extensions: { code: 'BAD_USER_INPUT', problems: [{ where: 'id' }, { where: 'nLayers' }, { where: 'finalStep' }] },
    });
  });
});

import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportBundle } from '../../services/bundles.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { addSyntheticStudy } from '../helpers/syntheticStudy.js';
import { tempDir } from '../helpers/tmp.js';

/** What exists can be listed, and a name that does not exist is an error naming what does: never an empty answer. */
describe('discovery, and no silent empties', () => {
  let t: TestServer;
  const tmp = tempDir();
  beforeAll(async () => {
    t = await startTestServer({ scheduler: true });
    await addSyntheticStudy(t.wh, tmp.dir, { steps: [100], voxels: 40, nLayers: 2 });
  });
  afterAll(async () => {
    await t.close();
    tmp.cleanup();
  });

  it('Dataset lists its subjects, ROIs (with voxel counts, "all" first), runs and TR', async () => {
    const { body } = await t.gql(`{ datasets { id } dataset(id: "synth") { id trSeconds subjects rois { name nVoxels } runs { id split nTrs nWords } } }`);
    expect(body.errors).toBeUndefined();
    expect(body.data.datasets).toEqual([{ id: 'synth' }]);
    expect(body.data.dataset).toMatchObject({
      id: 'synth', subjects: ['S01'], rois: [{ name: 'all', nVoxels: 40 }, { name: 'AC', nVoxels: 20 }, { name: 'PC', nVoxels: 20 }],
      runs: [{ id: 'train-1', split: 'train' }, { id: 'train-2', split: 'train' }, { id: 'train-3', split: 'train' }, { id: 'test-1', split: 'test' }],
    });
    expect(body.data.dataset.runs[0]).toMatchObject({ nTrs: 60, nWords: expect.any(Number) });
    expect(body.data.dataset.trSeconds).toBeGreaterThan(0);
  });

  it('Model lists its layers and its tasks (groups too) with their metrics; tasks(model:) lists one model’s', async () => {
    const { body } = await t.gql(`{ tiny: model(id: "tiny") { layers tasks { name } }
      pythia: model(id: "pythia-160m") { tasks { name metrics group nTasks } } tasks(model: "pythia-160m") { task metrics nModels } }`);
    expect(body.errors).toBeUndefined();
    expect(body.data.tiny).toEqual({ layers: [0, 1, 2], tasks: [] });
    const tasks = body.data.pythia.tasks as { name: string; metrics: string[]; group: boolean; nTasks: number }[];
    expect(tasks.find((x) => x.name === 'mmlu')).toEqual({ name: 'mmlu', metrics: ['acc', 'acc_norm'], group: true, nTasks: 57 });
    expect(tasks.find((x) => x.name === 'lambada_openai')).toEqual({ name: 'lambada_openai', metrics: ['acc', 'ppl'], group: false, nTasks: 1 });
    expect(body.data.tasks.map((x: { task: string }) => x.task)).toEqual(tasks.filter((x) => !x.group).map((x) => x.name));
    expect(body.data.tasks.every((x: { nModels: number }) => x.nModels === 1)).toBe(true);
  });

  it('an unknown dataset, model or task is NOT_FOUND with the closest names, and its siblings still answer', async () => {
    const { body } = await t.gql(`{ dataset(id: "synt") { id } tasks(model: "pythia-16m") { task } models(first: 1) { totalCount } }`);
    expect(body.data).toEqual({ dataset: null, tasks: null, models: { totalCount: 8 } });
    expect(body.errors!.map((e: { extensions: { code: string; didYouMean: string[] } }) => [e.extensions.code, e.extensions.didYouMean[0]]).sort()).toEqual([
      ['NOT_FOUND', 'pythia-160m'], ['NOT_FOUND', 'synth'],
    ]);
  });

  it('an unknown task or metric is NOT_FOUND with suggestions wherever a task is named — never []', async () => {
    const error = async (query: string) => {
      const { body } = await t.gql(query);
      // One error per field that names it (taskScore on each checkpoint), all alike.
      expect(new Set(body.errors!.map((e: { message: string }) => e.message)).size, query).toBe(1);
      return body.errors![0];
    };
    expect(await error(`{ model(id: "pythia-160m") { taskTrajectory(task: "lambada") { step } } }`)).toMatchObject({
      message: "task 'lambada' does not exist; did you mean 'lambada_openai'?", extensions: { code: 'NOT_FOUND', what: 'task' },
    });
    expect(await error(`{ model(id: "pythia-160m") { taskTrajectory(task: "lambada_openai", metric: "accuracy") { step } } }`)).toMatchObject({
      message: "metric 'accuracy' of task 'lambada_openai' does not exist; known: 'acc', 'ppl'", extensions: { known: ['acc', 'ppl'] },
    });
    expect(await error(`{ model(id: "pythia-160m") { checkpoints(first: 2) { nodes { taskScore(task: "piqaa") { value } } } } }`)).toMatchObject({ extensions: { didYouMean: expect.arrayContaining(['piqa']) } });
    expect(await error(`{ compareModels(models: ["pythia-160m"], task: "MMLU") { task } }`)).toMatchObject({ extensions: { didYouMean: expect.arrayContaining(['mmlu']) } });
    expect(await error(`{ detectPhases(model: "pythia-160m", signals: [{ kind: TASK, task: "sciqq" }]) { k } }`)).toMatchObject({ extensions: { didYouMean: expect.arrayContaining(['sciq']) } });
    expect(await error(`{ taskScoreAggregate(where: { metric: "acc", tasks: ["piqa", "arc_esay"] }, groupBy: []) { count } }`)).toMatchObject({ extensions: { didYouMean: expect.arrayContaining(['arc_easy']) } });
  });

  it('a bundle naming an unknown model or dataset is refused, never written smaller or empty', async () => {
    const exports = join(tmp.dir, 'exports');
    await expect(exportBundle(t.wh, { where: { models: ['pythia-160m', 'tiny2'] }, exportDir: exports })).rejects.toMatchObject({
      code: 'NOT_FOUND', details: { what: 'model', id: 'tiny2', didYouMean: ['tiny'], unknown: ['tiny2'] },
    });
    await expect(exportBundle(t.wh, { where: { models: ['nope'] }, exportDir: exports })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(exportBundle(t.wh, { where: { datasets: ['synthh'] }, exportDir: exports })).rejects.toMatchObject({ code: 'NOT_FOUND', details: { didYouMean: ['synth'] } });
    expect(existsSync(exports) ? readdirSync(exports) : []).toEqual([]);
    const api = await t.gql(`mutation { exportBundle(where: { models: ["nope"] }) { id } }`);
    expect(api.body.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', what: 'model', id: 'nope' });
  });
});

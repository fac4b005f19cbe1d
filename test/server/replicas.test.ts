import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importEvalDocuments } from '../../services/importEvals.js';
import { registerModel } from '../../services/registry.js';
import { Warehouse } from '../../warehouse/Warehouse.js';
import { tempDir } from '../helpers/tmp.js';

interface Replica {
  readonly child: ChildProcess;
  readonly endpoint: string;
}

/** A real `cortexql serve --read-only` process on the published file, on a free port. */
async function startReplica(published: string, anonymous: string): Promise<Replica> {
  const child = spawn(process.execPath, [
    join(process.cwd(), 'dist', 'cli', 'main.js'), 'serve', '--read-only', '--db', published, '--port', '0',
    '--anonymous', anonymous, '--watch-interval', '50', '--readers', '2',
  ], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CORTEXQL_LOG_LEVEL: 'warn' } });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      const m = /ready at (http:\/\/\S+\/) /.exec(output);
      if (m) resolve(m[1]);
    });
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('exit', (code) => reject(new Error(`replica exited with ${code}: ${output}`)));
  });
  return { child, endpoint: `${url}graphql` };
}

async function gql(endpoint: string, query: string): Promise<{ data?: any; errors?: any[] }> {
  const res = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  return (await res.json()) as { data?: any; errors?: any[] };
}

const MODELS = '{ models(first: 50) { nodes { id } } }';
const ids = async (r: Replica) => ((await gql(r.endpoint, MODELS)).data?.models.nodes ?? []).map((n: { id: string }) => n.id);

describe('read replicas: cortexql serve --read-only on a file the writer publishes', () => {
  const tmp = tempDir();
  const published = join(tmp.dir, 'published', 'cortexql.duckdb');
  let writer: Warehouse;
  const replicas: Replica[] = [];

  const addModel = async (id: string) => {
    await registerModel(writer, { modelId: id, tokensPerStep: 1000, finalStep: 100 });
    await importEvalDocuments(writer, [{ fileName: `${id}_step100.json`, content: { results: { piqa: { acc: 0.5, acc_stderr: 0.01 } } } }], { model: id });
  };

  beforeAll(async () => {
    writer = await Warehouse.create({ path: join(tmp.dir, 'writer', 'cortexql.duckdb') });
    await addModel('m1');
    await writer.publish(published);
    replicas.push(await startReplica(published, 'reader'), await startReplica(published, 'writer'));
  });
  afterAll(async () => {
    for (const r of replicas) r.child.kill('SIGKILL');
    await writer.close();
    tmp.cleanup();
  });

  it('two replicas serve the published file and pick up each new version while they serve, without an error', async () => {
    for (const r of replicas) expect(await ids(r)).toEqual(['m1']);
    // Clients keep querying both replicas while the writer publishes twice.
    let stop = false;
    let served = 0;
    const failures: unknown[] = [];
    const load = Promise.all(replicas.map(async (r) => {
      while (!stop) {
        const body = await gql(r.endpoint, `{ compareModels(models: ["m1"], task: "piqa") { series { points { value } } } }`).catch((e: unknown) => ({ errors: [String(e)] }));
        if (body.errors) failures.push(body.errors);
        else served++;
      }
    }));
    try {
      for (const [version, id] of [[2, 'm2'], [3, 'm3']] as const) {
        await addModel(id);
        const { bytes } = await writer.publish(published);
        expect(bytes).toBeGreaterThan(0);
        for (const r of replicas) {
          await expect.poll(() => ids(r), { timeout: 20_000, interval: 50 }).toHaveLength(version);
        }
      }
    } finally {
      stop = true;
      await load;
    }
    expect(failures).toEqual([]);
    expect(served).toBeGreaterThan(10);
    for (const r of replicas) expect(await ids(r)).toEqual(['m1', 'm2', 'm3']);
  });

  it('refuses writes on a replica with a clear code, naming no server path', async () => {
    const body = await gql(replicas[1].endpoint, 'mutation { registerModel(input: { id: "nope", tokensPerStep: 1 }) { id } }');
    expect(body.errors?.[0]).toMatchObject({
      message: 'this server has its warehouse read-only (a replica or a Parquet export): write through the writer',
      extensions: { code: 'WAREHOUSE_ERROR', readOnly: true },
    });
  });
});

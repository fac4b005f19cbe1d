import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect } from 'vitest';
import { fileRequirement, itWith } from '../helpers/requirements.js';
import { tempDir } from '../helpers/tmp.js';
import { SERVER_MAIN, startServerProcess, stopServerProcess, type ServerProcess } from '../helpers/serverProcess.js';

const MAIN = SERVER_MAIN;
const stop = stopServerProcess;

/** /healthz until the demo study's build is no longer running. */
async function demoSettled(url: string): Promise<{ demo?: { state: string } }> {
  for (;;) {
    const health = (await (await fetch(`${url}/healthz`)).json()) as { demo?: { state: string } };
    if (health.demo?.state !== 'building') return health;
    await new Promise((r) => setTimeout(r, 500));
  }
}

const modelCount = async (url: string) => {
  const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ models(first: 10) { totalCount nodes { id } } }' }) });
  return ((await res.json()) as { data: { models: { totalCount: number; nodes: { id: string }[] } } }).data.models;
};

describe('npm start: the server entry serves at once on first run, builds the demo study in the background, and reuses it', { timeout: 400_000 }, () => {
  const tmp = tempDir();
  const started: ServerProcess[] = [];
  const start = async (env: Record<string, string>) => {
    const server = await startServerProcess(env);
    started.push(server);
    return server;
  };
  // A failed assertion must not leave a server behind.
  afterAll(async () => {
    for (const s of started) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
    tmp.cleanup();
  });

  itWith(fileRequirement(MAIN, 'the build (npm run build): dist/server/main.js'), 'serves the real Pythia evals while the study builds (progress at /healthz), resumes an interrupted build, then restarts on it', async () => {
    const db = join(tmp.dir, 'demo.duckdb');
    // A small simulated study keeps this test quick; the full-size demo is the same code.
    const env = { CORTEXQL_DB: db, CORTEXQL_DEMO: '1', CORTEXQL_DEMO_SCALE: '0.1', CORTEXQL_PORT: '0', CORTEXQL_HOST: '127.0.0.1' };
    const first = await start(env);
    expect(first.output()).toContain(`building the demo warehouse at ${db}`);
    // Listening before the study exists: the Pythia models answer, /healthz says how far the build is.
    const early = await modelCount(first.url);
    expect(early.nodes.map((m) => m.id)).toEqual(expect.arrayContaining(['pythia-70m', 'pythia-1b-deduped']));
    expect(await (await fetch(`${first.url}/healthz`)).json()).toMatchObject({ status: 'ok', demo: { state: 'building', stage: expect.any(String) } });
    // GraphiQL's page shows the same progress while it lasts.
    expect(await (await fetch(`${first.url}/`, { headers: { accept: 'text/html' } })).text()).toMatch(/<div id="demo-progress" hidden><\/div>[\s\S]*fetch\('\/healthz'\)/);
    // Stopped mid-build: it shuts down cleanly and the next start builds the study again.
    expect(await stop(first.child)).toBe(0);
    expect(existsSync(`${db}.demo-pending`)).toBe(true);

    const resumed = await start(env);
    expect(resumed.output()).toContain(`building the demo warehouse at ${db}`);
    expect(await demoSettled(resumed.url)).toMatchObject({ demo: { state: 'ready', stage: null } });
    expect((await modelCount(resumed.url)).totalCount).toBe(8); // 7 Pythia + the simulated model
    const dashboard = await fetch(`${resumed.url}/dashboard/`);
    expect(await dashboard.text()).toContain('<title>cortexql dashboard</title>');
    expect(await stop(resumed.child)).toBe(0);
    expect(existsSync(`${db}.demo-pending`)).toBe(false);

    const second = await start(env);
    expect(second.output()).not.toContain('building the demo warehouse');
    expect(await (await fetch(`${second.url}/healthz`)).json()).not.toHaveProperty('demo');
    // Graceful shutdown: a request in flight when SIGTERM arrives still gets its answer.
    const slow = fetch(`${second.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ detectPhases(model: "pythia-1b-deduped", signals: [{ kind: TASK, task: "mmlu" }], options: { bootstrap: 2000 }) { k } }' }),
    });
    await new Promise((r) => setTimeout(r, 150));
    const exited = stop(second.child);
    expect(((await (await slow).json()) as { data: { detectPhases: { k: number } } }).data.detectPhases.k).toEqual(expect.any(Number));
    expect(await exited).toBe(0);
  });
});

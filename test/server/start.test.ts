import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../services/paths.js';
import { fileRequirement, itWith } from '../helpers/requirements.js';
import { tempDir } from '../helpers/tmp.js';

const MAIN = join(PACKAGE_ROOT, 'dist', 'server', 'main.js');

/** Starts the built server (what `npm start` runs) and resolves with its URL and output. */
function startServerProcess(env: Record<string, string>): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, [MAIN], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /ready at (http:\/\/\S+?)\/? /.exec(output);
      if (m) resolve({ child, url: m[1], output: () => output });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${output}`)));
  });
}

async function stop(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  return exited;
}

describe('npm start: the server entry builds the demo warehouse on first run and reuses it', { timeout: 240_000 }, () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  itWith(fileRequirement(MAIN, 'the build (npm run build): dist/server/main.js'), 'serves the real Pythia evals from a freshly built demo warehouse, then restarts on it', async () => {
    const db = join(tmp.dir, 'demo.duckdb');
    // A small simulated study keeps this test quick; the full-size demo is the same code.
    const env = { CORTEXQL_DB: db, CORTEXQL_DEMO: '1', CORTEXQL_DEMO_SCALE: '0.1', CORTEXQL_PORT: '0', CORTEXQL_HOST: '127.0.0.1' };
    const first = await startServerProcess(env);
    expect(first.output()).toContain(`built the demo warehouse at ${db}`);
    const res = await fetch(`${first.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ models(first: 10) { totalCount } }' }),
    });
    expect(await res.json()).toEqual({ data: { models: { totalCount: 8 } } }); // 7 Pythia + the simulated model
    const dashboard = await fetch(`${first.url}/dashboard/`);
    expect(await dashboard.text()).toContain('<title>cortexql dashboard</title>');
    expect(await stop(first.child)).toBe(0);
    expect(existsSync(`${db}.building`)).toBe(false);

    const second = await startServerProcess(env);
    expect(second.output()).not.toContain('built the demo warehouse');
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

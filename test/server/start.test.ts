import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { PACKAGE_ROOT } from '../../services/paths.js';
import { CHROMIUM_BROWSER, launchChromium } from '../dashboard/dashboardPage.js';
import { fileRequirement, itWith, requirement, type Requirement } from '../helpers/requirements.js';
import { tempDir } from '../helpers/tmp.js';
import { SERVER_MAIN, startServerProcess, stopServerProcess, type ServerProcess } from '../helpers/serverProcess.js';

const BUILT = fileRequirement(join(PACKAGE_ROOT, 'dist', 'dashboard', 'app.js'), 'the build (npm run build): dist/server/main.js and dist/dashboard/');
const WITH_BROWSER: Requirement = requirement(CHROMIUM_BROWSER.available && BUILT.available, [CHROMIUM_BROWSER, BUILT].filter((r) => !r.available).map((r) => r.what).join(' and ') || 'nothing');
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

/**
 * `npm start`'s first run, on the production entry point: it serves at once while the demo's
 * simulated study builds in the background (progress at /healthz, on GraphiQL's page and in the
 * dashboard), resumes a build it was stopped in, and reuses the study on the next start. One
 * build serves every check (a small study; the full-size demo is the same code): the tests below
 * run in order on the same servers.
 */
describe('npm start: the server entry serves at once on first run, builds the demo study in the background, and reuses it', { timeout: 400_000 }, () => {
  const tmp = tempDir();
  const db = join(tmp.dir, 'demo.duckdb');
  const env = { CORTEXQL_DB: db, CORTEXQL_DEMO: '1', CORTEXQL_DEMO_SCALE: '0.1', CORTEXQL_PORT: '0', CORTEXQL_HOST: '127.0.0.1' };
  const started: ServerProcess[] = [];
  const start = async () => {
    const server = await startServerProcess(env);
    started.push(server);
    return server;
  };
  let resumed: ServerProcess | undefined;
  let chrome: Awaited<ReturnType<typeof launchChromium>> | undefined;

  // Launched before the build starts, so the dashboard opens while the study is still building.
  beforeAll(async () => {
    if (WITH_BROWSER.available) chrome = await launchChromium();
  }, 120_000);
  // A failed assertion must not leave a server or a browser behind.
  afterAll(async () => {
    await chrome?.close();
    for (const s of started) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
    tmp.cleanup();
  });

  itWith(fileRequirement(SERVER_MAIN, 'the build (npm run build): dist/server/main.js'), 'serves the real Pythia evals while the study builds (progress at /healthz and on GraphiQL), and stops cleanly mid-build', async () => {
    const first = await start();
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

    resumed = await start();
    expect(resumed.output()).toContain(`building the demo warehouse at ${db}`);
  });

  itWith(WITH_BROWSER, 'the dashboard (headless Chromium) shows the build progress while the study builds, then reloads onto the headline', async () => {
    const page = await chrome!.context.newPage();
    await page.goto(`${resumed!.url}/dashboard/`);
    await page.waitForSelector('[data-testid="app"][data-state="ready"]');
    const banner = page.locator('[data-testid="demo-progress"]');
    // The Pythia evals answer at once; the banner names the stage /healthz reports.
    await expect(banner.textContent()).resolves.toMatch(/simulated study \(sim-tinygpt, sim-narratives\) is building: \S/);
    await expect(page.locator('[data-testid="model-checkbox-pythia-160m"]').count()).resolves.toBe(1);
    mkdirSync(join(PACKAGE_ROOT, 'test', '.tmp'), { recursive: true });
    await page.screenshot({ path: join(PACKAGE_ROOT, 'test', '.tmp', 'dashboard-building.png') });

    // Done: the page reloads by itself, without the banner, on the study's headline view.
    await page.waitForSelector('[data-testid="model-checkbox-sim-tinygpt"]', { timeout: 300_000 });
    await page.waitForSelector('[data-testid="trajectory-view"][data-state="ready"]', { timeout: 60_000 });
    await expect(banner.isHidden()).resolves.toBe(true);
    expect(new URL(page.url()).searchParams.get('m')).toBe('sim-tinygpt');
    expect(((await (await fetch(`${resumed!.url}/healthz`)).json()) as { demo: { state: string } }).demo.state).toBe('ready');
  });

  itWith(fileRequirement(SERVER_MAIN, 'the build (npm run build): dist/server/main.js'), 'finishes the resumed build, then restarts on it without building; a request in flight at SIGTERM still gets its answer', async () => {
    expect(await demoSettled(resumed!.url)).toMatchObject({ demo: { state: 'ready', stage: null } });
    expect((await modelCount(resumed!.url)).totalCount).toBe(8); // 7 Pythia + the simulated model
    const dashboard = await fetch(`${resumed!.url}/dashboard/`);
    expect(await dashboard.text()).toContain('<title>cortexql dashboard</title>');
    expect(await stop(resumed!.child)).toBe(0);
    expect(existsSync(`${db}.demo-pending`)).toBe(false);

    const second = await start();
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

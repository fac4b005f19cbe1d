import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../services/paths.js';
import { describeWith, fileRequirement, requirement, type Requirement } from '../helpers/requirements.js';
import { startServerProcess, stopServerProcess, type ServerProcess } from '../helpers/serverProcess.js';
import { tempDir } from '../helpers/tmp.js';
import { CHROMIUM_BROWSER, launchChromium } from './dashboardPage.js';

const BUILT = fileRequirement(join(PACKAGE_ROOT, 'dist', 'dashboard', 'app.js'), 'the build (npm run build): dist/server/main.js and dist/dashboard/');
const BOTH: Requirement = requirement(CHROMIUM_BROWSER.available && BUILT.available, [CHROMIUM_BROWSER, BUILT].filter((r) => !r.available).map((r) => r.what).join(' and ') || 'nothing');

/**
 * A first `npm start`: the server listens while the demo's simulated study builds. The dashboard
 * says how far the build is (from /healthz) and, once it is done, reloads onto the headline view.
 */
describeWith(BOTH, 'dashboard during the demo build on a first start (the production entry point, headless Chromium)', () => {
  const tmp = tempDir();
  let server: ServerProcess;
  let chrome: Awaited<ReturnType<typeof launchChromium>>;

  beforeAll(async () => {
    chrome = await launchChromium();
    // A small study keeps this quick; the full-size demo is the same code.
    server = await startServerProcess({ CORTEXQL_DB: join(tmp.dir, 'demo.duckdb'), CORTEXQL_DEMO: '1', CORTEXQL_DEMO_SCALE: '0.1', CORTEXQL_PORT: '0', CORTEXQL_HOST: '127.0.0.1' });
  }, 120_000);
  afterAll(async () => {
    await chrome?.close();
    if (server) await stopServerProcess(server.child);
    tmp.cleanup();
  });

  it('shows the build progress while the study builds, then reloads onto the headline', async () => {
    const page = await chrome.context.newPage();
    await page.goto(`${server.url}/dashboard/`);
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
    expect(((await (await fetch(`${server.url}/healthz`)).json()) as { demo: { state: string } }).demo.state).toBe('ready');
  }, 400_000);
});

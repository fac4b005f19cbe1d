import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../services/paths.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { tempDir } from '../helpers/tmp.js';
import { addSyntheticBrainScores } from './brainFixture.js';
import { buildDashboard, CHROMIUM_BROWSER, launchChromium, serveDashboard } from './dashboardPage.js';
import { describeWith } from '../helpers/requirements.js';

const SCREENSHOT = join(PACKAGE_ROOT, 'test', '.tmp', 'dashboard.png');
const BRAIN_SCREENSHOT = join(PACKAGE_ROOT, 'test', '.tmp', 'dashboard-brain.png');

// The page callbacks below run in Chromium. This Node program has no DOM library, so the little
// of the browser they use is declared here.
interface UplotElement {
  readonly __uplot: { data: (number | null)[][]; series: { label: string }[]; bbox: { left: number; top: number } };
}
interface CanvasElement {
  closest(selector: string): unknown;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null;
}
declare const document: { querySelector(selector: string): unknown };

/** The values a uPlot series draws (index 0 is x), read from the chart element. */
async function chartData(page: Page, testid: string): Promise<{ labels: string[]; data: (number | null)[][] }> {
  return page.evaluate((id) => {
    const el = document.querySelector(`[data-testid="${id}"]`) as UplotElement;
    return { labels: el.__uplot.series.map((s) => s.label), data: el.__uplot.data.map((a) => Array.from(a)) };
  }, testid);
}

const ready = (page: Page, view: string) => page.waitForSelector(`[data-testid="${view}"][data-state="ready"]`, { timeout: 20_000 });

describeWith(CHROMIUM_BROWSER, 'dashboard in headless Chromium (public GraphQL API only)', () => {
  let t: TestServer;
  let site: Awaited<ReturnType<typeof serveDashboard>>;
  let chrome: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  const tmp = tempDir();
  const requests: string[] = [];

  let dist: ReturnType<typeof buildDashboard>;
  beforeAll(async () => {
    dist = buildDashboard();
    [t, chrome] = await Promise.all([startTestServer(), launchChromium()]);
    site = await serveDashboard(t, dist.dir);
    page = await chrome.context.newPage();
    page.on('request', (r) => requests.push(`${r.method()} ${new URL(r.url()).pathname}`));
    page.on('pageerror', (e) => requests.push(`pageerror ${e.message}`));
  });
  afterAll(async () => {
    await chrome?.close();
    await site?.close();
    await t?.close();
    dist?.cleanup();
    tmp.cleanup();
  });

  it('plots the picked model: exactly the API trajectory, ±stderr bands, and the detected phases', async () => {
    await page.goto(site.url);
    await page.waitForSelector('[data-testid="app"][data-state="ready"]');
    await expect(page.textContent('[data-testid="trajectory-view-empty"]')).resolves.toContain('Pick one or more models');

    await page.selectOption('[data-testid="task-select"]', 'piqa');
    await page.selectOption('[data-testid="metric-select"]', 'acc');
    await page.check('[data-testid="model-checkbox-pythia-160m"]');
    await ready(page, 'trajectory-view');

    const api = await t.gql(`{ model(id: "pythia-160m") { taskTrajectory(task: "piqa", metric: "acc") { step tokens value stderr } } }`);
    const points: { step: number; tokens: number; value: number; stderr: number }[] = api.body.data.model.taskTrajectory;
    expect(points).toHaveLength(27);
    const onLogAxis = points.filter((p) => p.tokens > 0); // step 0 = 0 tokens has no place on a log axis

    const { labels, data } = await chartData(page, 'trajectory-chart');
    expect(labels).toEqual(['training tokens', 'pythia-160m', 'pythia-160m +stderr', 'pythia-160m −stderr']);
    const [xs, ys, hi, lo] = data as number[][];
    expect(ys.filter((v) => v !== null)).toHaveLength(onLogAxis.length);
    expect(xs).toEqual(onLogAxis.map((p) => p.tokens));
    onLogAxis.forEach((p, i) => {
      expect(ys[i]).toBeCloseTo(p.value, 12);
      expect(hi[i]).toBeCloseTo(p.value + p.stderr, 12);
      expect(lo[i]).toBeCloseTo(p.value - p.stderr, 12);
    });
    const legend = page.locator('[data-testid="series-legend"][data-model="pythia-160m"]');
    await expect(legend.getAttribute('data-points')).resolves.toBe(String(onLogAxis.length));
    await expect(legend.getAttribute('data-excluded')).resolves.toBe(String(points.length - onLogAxis.length));

    // The phases shown are detectPhases' own, for the same signal and options.
    const phases = await t.gql(`{ detectPhases(model: "pythia-160m", signals: [{ kind: TASK, task: "piqa", metric: "acc" }], options: { bootstrap: 200, seed: 0 }) {
      k segments { label } breakpoints { step ci { lowStep highStep } } } }`);
    const { k, segments, breakpoints } = phases.body.data.detectPhases;
    expect(k).toBeGreaterThan(0);
    const bands = page.locator('[data-testid="phase-band"]');
    await expect(bands.evaluateAll((els) => els.map((e) => e.getAttribute('data-label')))).resolves.toEqual(segments.map((s: { label: string }) => s.label));
    await expect(page.locator('[data-testid="breakpoint"]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-step'))))).resolves.toEqual(
      breakpoints.map((b: { step: number }) => b.step),
    );
    expect(breakpoints.every((b: { ci: unknown }) => b.ci !== null)).toBe(true);
    // The bands are painted: the plot area behind the first phase label is not plain white.
    const tint = await page.evaluate(() => {
      const canvas = document.querySelector('[data-testid="trajectory-chart"] canvas') as CanvasElement;
      const u = (canvas.closest('[data-testid="trajectory-chart"]') as UplotElement).__uplot;
      return Array.from(canvas.getContext('2d')!.getImageData(u.bbox.left + 1, u.bbox.top + 1, 1, 1).data);
    });
    expect(tint.slice(0, 3).some((c) => c < 250)).toBe(true);
  });

  it('compares two models: series, the pairwise correlation and phase boundaries as the API returns them', async () => {
    await page.check('[data-testid="model-checkbox-pythia-410m"]');
    await Promise.all([ready(page, 'trajectory-view'), ready(page, 'compare-view')]);
    const api = await t.gql(`{ compareModels(models: ["pythia-160m", "pythia-410m"], task: "piqa", metric: "acc", alignBy: TOKENS) {
      series { modelId points { x } } correlations { r n } } }`);
    const { series, correlations } = api.body.data.compareModels;
    const { data } = await chartData(page, 'compare-chart');
    const plotted = data.slice(1).filter((_, i) => i % 3 === 0).map((s) => s.filter((v) => v !== null).length);
    expect(plotted).toEqual(series.map((s: { points: { x: number }[] }) => s.points.filter((p) => p.x > 0).length));

    const corr = await page.locator('[data-testid="correlation-table"] tbody tr td').allTextContents();
    expect(corr[0]).toBe('pythia-160m');
    expect(corr[1]).toBe('pythia-410m');
    expect(Number(corr[2])).toBeCloseTo(correlations[0].r, 3);
    expect(corr[3]).toBe(String(correlations[0].n));
    await expect(page.locator('[data-testid="extremes-table"] tbody tr').count()).resolves.toBe(2);
    await expect(page.locator('[data-testid="phase-boundaries-table"] tbody tr').count()).resolves.toBe(2);

    mkdirSync(join(PACKAGE_ROOT, 'test', '.tmp'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    // On the linear FRACTION axis step 0 has a place: every API point is drawn.
    await page.selectOption('[data-testid="align-by"]', 'FRACTION');
    await ready(page, 'compare-view');
    const linear = await chartData(page, 'compare-chart');
    expect(linear.data[0][0]).toBe(0);
    expect(linear.data.slice(1).filter((_, i) => i % 3 === 0).map((s) => s.filter((v) => v !== null).length)).toEqual(
      series.map((s: { points: unknown[] }) => s.points.length),
    );
  });

  it('shows an empty state for the heatmap when the warehouse has no fMRI dataset', async () => {
    await expect(page.getAttribute('[data-testid="heatmap-view"]', 'data-state')).resolves.toBe('empty');
    await expect(page.textContent('[data-testid="heatmap-view-empty"]')).resolves.toContain('no fMRI datasets');
  });

  it('draws the layer × checkpoint heatmap and a brain trajectory once brain scores exist', async () => {
    const cells = await addSyntheticBrainScores(t.wh, tmp.dir);
    await page.reload();
    await page.waitForSelector('[data-testid="app"][data-state="ready"]');
    await page.selectOption('[data-testid="heatmap-model"]', 'tiny');
    await ready(page, 'heatmap-view');
    const api = await t.gql(`{ model(id: "tiny") { checkpoints(first: 50) { nodes { step layerProfile(dataset: "synth") { layer value } } } } }`);
    const profile: { step: number; layerProfile: { layer: number; value: number | null }[] }[] = api.body.data.model.checkpoints.nodes;
    const nonNull = profile.flatMap((c) => c.layerProfile).filter((l) => l.value !== null).length;
    expect(nonNull).toBe(cells);
    const heat = page.locator('[data-testid="heatmap"]');
    await expect(heat.getAttribute('data-cells')).resolves.toBe(String(nonNull));
    await expect(heat.getAttribute('data-checkpoints')).resolves.toBe(String(profile.filter((c) => c.layerProfile.length).length));

    await page.selectOption('[data-testid="signal-kind"]', 'BRAIN');
    await page.check('[data-testid="model-checkbox-tiny"]');
    await ready(page, 'trajectory-view');
    const brain = await t.gql(`{ model(id: "tiny") { brainTrajectory(dataset: "synth", roi: "all") { step tokens value } } }`);
    const { data } = await chartData(page, 'trajectory-chart');
    expect(data[1].filter((v) => v !== null)).toEqual(brain.body.data.model.brainTrajectory.map((p: { value: number }) => p.value));
    // Three checkpoints are too few to segment: the API's reason is shown instead of bands.
    await expect(page.locator('[data-testid="phase-band"]').count()).resolves.toBe(0);
    await expect(page.textContent('[data-testid="phase-error"]')).resolves.toContain('BAD_USER_INPUT');
    await page.screenshot({ path: BRAIN_SCREENSHOT, fullPage: true });

    // Nothing but the page's three files and POST /graphql was requested, and no script failed.
    expect([...new Set(requests)].sort()).toEqual(['GET /dashboard/', 'GET /dashboard/app.css', 'GET /dashboard/app.js', 'POST /graphql']);
  });
});

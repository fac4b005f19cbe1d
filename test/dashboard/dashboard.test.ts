import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../services/paths.js';
import { cachedDemoWarehouse } from '../helpers/fixtures.js';
import { describeWith } from '../helpers/requirements.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { buildDashboard, CHROMIUM_BROWSER, launchChromium, serveDashboard } from './dashboardPage.js';

const SHOTS = join(PACKAGE_ROOT, 'test', '.tmp');

// The page callbacks below run in Chromium. This Node program has no DOM library, so the little
// of the browser they use is declared here.
interface UplotElement {
  readonly __uplot: { data: (number | null)[][]; series: { label: string; show: boolean }[]; axes: { label?: string }[]; bbox: { left: number; top: number } };
}
interface CanvasElement {
  readonly width: number;
  readonly height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null;
}
declare const document: { querySelector(selector: string): unknown; querySelectorAll(selector: string): ArrayLike<unknown> };

/** The values a uPlot series draws (index 0 is x), its series labels and visibility, and its y-axis label. */
async function chartData(page: Page, testid: string): Promise<{ labels: string[]; shown: boolean[]; yLabel: string | undefined; data: (number | null)[][] }> {
  return page.evaluate((id) => {
    const el = document.querySelector(`[data-testid="${id}"]`) as UplotElement;
    const u = el.__uplot;
    return { labels: u.series.map((s) => s.label), shown: u.series.map((s) => s.show), yLabel: u.axes[1].label, data: u.data.map((a) => Array.from(a)) };
  }, testid);
}

/**
 * Where the y-axis label's ink is on the chart canvas (uPlot draws axes on the canvas): the dark
 * pixels of the strip left of the tick values. Clipped text would touch the canvas edge.
 */
async function yLabelInk(page: Page, testid: string): Promise<{ rows: number; first: number; last: number; height: number; leftEdge: number }> {
  return page.evaluate((id) => {
    const canvas = document.querySelector(`[data-testid="${id}"] canvas`) as CanvasElement;
    const ctx = canvas.getContext('2d')!;
    const strip = Math.round(canvas.width * 0.02);
    const { data } = ctx.getImageData(0, 0, strip, canvas.height);
    const dark = (x: number, y: number) => { const i = (y * strip + x) * 4; return data[i + 3] > 128 && data[i] < 120 && data[i + 1] < 120 && data[i + 2] < 120; };
    const inkRows: number[] = [];
    let leftEdge = 0;
    for (let y = 0; y < canvas.height; y++) {
      let any = false;
      for (let x = 0; x < strip; x++) if (dark(x, y)) any = true;
      if (any) inkRows.push(y);
      if (dark(0, y)) leftEdge++;
    }
    return { rows: inkRows.length, first: inkRows[0] ?? -1, last: inkRows[inkRows.length - 1] ?? -1, height: canvas.height, leftEdge };
  }, testid);
}

const VIEWS = ['trajectory-view', 'leaderboard-view', 'compare-view', 'heatmap-view'];
const ready = (page: Page, view: string) => page.waitForSelector(`[data-testid="${view}"][data-state="ready"]`, { timeout: 30_000 });
const allReady = (page: Page) => Promise.all(VIEWS.map((v) => ready(page, v)));

/** Clicks a download button and returns the file's bytes. */
async function download(page: Page, testid: string): Promise<Buffer> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.click(`[data-testid="${testid}"]`)]);
  return readFileSync(await file.path());
}

/** A PNG's signature and its IHDR width and height (PNG spec §5.2, §11.2.2). */
function pngSize(bytes: Buffer): { width: number; height: number } {
  expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  expect(bytes.subarray(12, 16).toString('latin1')).toBe('IHDR');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

/** CSV rows (the dashboard's own fields hold no quotes or commas). */
const csvRows = (bytes: Buffer): string[][] => bytes.toString('utf8').trim().split('\r\n').map((l) => l.split(','));
const num = (v: string): number | null => (v === '' ? null : Number(v));

/**
 * The dashboard on the demo warehouse (Pythia evals + the simulated study) in headless Chromium,
 * against the API it talks to: what it plots, lists and exports is compared with the API's own
 * answers, the link reproduces the view, and screenshots are written to test/.tmp/ for people.
 */
describeWith(CHROMIUM_BROWSER, 'dashboard in headless Chromium on the demo warehouse (public GraphQL API only)', () => {
  let t: TestServer;
  let site: Awaited<ReturnType<typeof serveDashboard>>;
  let chrome: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  const requests: string[] = [];
  let dist: ReturnType<typeof buildDashboard>;

  beforeAll(async () => {
    dist = buildDashboard();
    const demo = await cachedDemoWarehouse();
    [t, chrome] = await Promise.all([startTestServer({ db: demo.path }), launchChromium()]);
    site = await serveDashboard(t, dist.dir);
    page = await chrome.context.newPage();
    page.on('request', (r) => requests.push(`${r.method()} ${new URL(r.url()).pathname}`));
    page.on('pageerror', (e) => requests.push(`pageerror ${e.message}`));
    mkdirSync(SHOTS, { recursive: true });
  }, 300_000);
  afterAll(async () => {
    await chrome?.close();
    await site?.close();
    await t?.close();
    dist?.cleanup();
  });

  it('opens on the headline: sim-tinygpt’s STS brain score with its phases, the leaderboard and the STS heatmap', async () => {
    await page.goto(site.url);
    await allReady(page);
    const url = new URL(page.url());
    expect(Object.fromEntries(url.searchParams)).toMatchObject({ m: 'sim-tinygpt', k: 'BRAIN', d: 'sim-narratives', roi: 'STS', layer: 'best', pt: 'sim_arc_easy' });

    const api = await t.gql(`{ model(id: "sim-tinygpt") { layers brainTrajectory(dataset: "sim-narratives", roi: "STS", policy: NEVER) { tokens value } }
      dataset(id: "sim-narratives") { rois { name } } }`);
    const points: { tokens: number; value: number }[] = api.body.data.model.brainTrajectory;
    const { labels, yLabel, data } = await chartData(page, 'trajectory-chart');
    expect(labels).toEqual(['training tokens (log)', 'sim-tinygpt']);
    expect(yLabel).toBe('mean voxel r');
    // The label is drawn whole: ink in the strip left of the ticks, clear of the canvas edges.
    const ink = await yLabelInk(page, 'trajectory-chart');
    expect(ink.rows).toBeGreaterThan(20);
    expect(ink.first).toBeGreaterThan(0);
    expect(ink.last).toBeLessThan(ink.height - 1);
    expect(ink.leftEdge).toBe(0);
    expect(data[0]).toEqual(points.filter((p) => p.tokens > 0).map((p) => p.tokens));
    expect(data[1]).toEqual(points.filter((p) => p.tokens > 0).map((p) => p.value));
    await expect(page.locator('[data-testid="trajectory-legend"] [data-testid="series-legend"]').count()).resolves.toBe(1);

    // The phases are detectPhases' own, on the brain signal and sim_arc_easy, as in the README's headline.
    const phases = await t.gql(`{ detectPhases(model: "sim-tinygpt", signals: [{ kind: BRAIN, dataset: "sim-narratives", roi: "STS" }, { kind: TASK, task: "sim_arc_easy" }],
      options: { bootstrap: 200, seed: 0 }) { segments { label } breakpoints { step } } }`);
    await expect(page.locator('[data-testid="phase-band"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-label')))).resolves.toEqual(
      phases.body.data.detectPhases.segments.map((s: { label: string }) => s.label));
    await expect(page.locator('[data-testid="breakpoint"]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-step'))))).resolves.toEqual(
      phases.body.data.detectPhases.breakpoints.map((b: { step: number }) => b.step));

    // Pickers are filled from the discovery fields.
    const options = (testid: string) => page.locator(`[data-testid="${testid}"] option`).evaluateAll((els) => els.map((e) => e.getAttribute('value')));
    await expect(options('brain-roi')).resolves.toEqual(api.body.data.dataset.rois.map((r: { name: string }) => r.name));
    await expect(options('brain-layer')).resolves.toEqual(['best', ...api.body.data.model.layers.map(String)]);

    // The heatmap shows the model with brain data, for the ROI picked on the left.
    const profile = await t.gql(`{ model(id: "sim-tinygpt") { checkpoints(first: 100) { nodes { layerProfile(dataset: "sim-narratives", roi: "STS") { value } } } } }`);
    const cells = profile.body.data.model.checkpoints.nodes.flatMap((c: { layerProfile: { value: number | null }[] }) => c.layerProfile).filter((l: { value: number | null }) => l.value !== null).length;
    const heat = page.locator('[data-testid="heatmap"]');
    await expect(heat.getAttribute('data-model')).resolves.toBe('sim-tinygpt');
    await expect(heat.getAttribute('data-roi')).resolves.toBe('STS');
    await expect(heat.getAttribute('data-cells')).resolves.toBe(String(cells));
    await expect(page.locator('[data-testid="leaderboard-row"]').count()).resolves.toBe(8);
    await page.screenshot({ path: join(SHOTS, 'dashboard-first.png'), fullPage: true });
  });

  it('plots a Pythia task exactly as the API returns it, with ±stderr bands and “accuracy” on the y axis', async () => {
    await page.selectOption('[data-testid="signal-kind"]', 'TASK');
    await page.selectOption('[data-testid="task-select"]', 'piqa');
    await page.selectOption('[data-testid="metric-select"]', 'acc');
    await page.check('[data-testid="model-checkbox-pythia-160m"]');
    await page.uncheck('[data-testid="model-checkbox-sim-tinygpt"]');
    await ready(page, 'trajectory-view');
    await page.waitForFunction(() => (document.querySelector('[data-testid="trajectory-chart"]') as UplotElement | null)?.__uplot.series[1]?.label === 'pythia-160m');

    const api = await t.gql(`{ model(id: "pythia-160m") { taskTrajectory(task: "piqa", metric: "acc") { step tokens value stderr } } }`);
    const points: { step: number; tokens: number; value: number; stderr: number }[] = api.body.data.model.taskTrajectory;
    const onLogAxis = points.filter((p) => p.tokens > 0);
    const { labels, yLabel, data } = await chartData(page, 'trajectory-chart');
    expect(labels).toEqual(['training tokens (log)', 'pythia-160m', 'pythia-160m +stderr', 'pythia-160m −stderr']);
    expect(yLabel).toBe('accuracy');
    const [xs, ys, hi, lo] = data as number[][];
    expect(xs).toEqual(onLogAxis.map((p) => p.tokens));
    onLogAxis.forEach((p, i) => {
      expect(ys[i]).toBeCloseTo(p.value, 12);
      expect(hi[i]).toBeCloseTo(p.value + p.stderr, 12);
      expect(lo[i]).toBeCloseTo(p.value - p.stderr, 12);
    });
    const legend = page.locator('[data-testid="trajectory-legend"] [data-model="pythia-160m"]');
    await expect(legend.textContent()).resolves.toContain(`${onLogAxis.length} points (+${points.length - onLogAxis.length} at 0 tokens`);
    // pythia-160m has no sim_arc_easy: its phases are on piqa alone, and the page says why.
    await expect(page.textContent('[data-testid="phase-note"]')).resolves.toContain('sim_arc_easy');
    await expect(page.locator('[data-testid="phase-band"]').count()).resolves.toBeGreaterThan(0);
  });

  it('compares models: a legend per chart that hides series, PNG and CSV downloads that match the API, a correlation matrix', async () => {
    await page.check('[data-testid="model-checkbox-pythia-410m"]');
    await page.check('[data-testid="model-checkbox-pythia-1b-deduped"]');
    await Promise.all([ready(page, 'trajectory-view'), ready(page, 'compare-view')]);
    const models = ['pythia-160m', 'pythia-1b-deduped', 'pythia-410m'];
    const api = await t.gql(`query($m: [ID!]!) { compareModels(models: $m, task: "piqa", metric: "acc", alignBy: TOKENS) {
      series { modelId points { x step value stderr } } correlations { modelA modelB r n } } }`, { m: models });
    const { series, correlations } = api.body.data.compareModels;
    const entries = page.locator('[data-testid="compare-legend"] [data-testid="series-legend"]');
    await expect(entries.evaluateAll((els) => els.map((e) => e.getAttribute('data-model')))).resolves.toEqual(models);

    // Clicking a legend entry hides its line and band; clicking again shows them.
    await entries.nth(1).click();
    let chart = await chartData(page, 'compare-chart');
    expect(chart.labels.map((l, i) => [l, chart.shown[i]]).filter(([l]) => String(l).startsWith('pythia-1b-deduped'))).toEqual([
      ['pythia-1b-deduped', false], ['pythia-1b-deduped +stderr', false], ['pythia-1b-deduped −stderr', false]]);
    await expect(entries.nth(1).getAttribute('aria-pressed')).resolves.toBe('false');
    const pngHidden = pngSize(await download(page, 'compare-png'));
    await entries.nth(1).click();
    chart = await chartData(page, 'compare-chart');
    expect(chart.shown.every(Boolean)).toBe(true);

    // The CSV holds every API point (step 0 too, which a log axis cannot draw); the PNG is a picture of the chart.
    const csv = csvRows(await download(page, 'compare-csv'));
    expect(csv[0]).toEqual(['model', 'step', 'tokens', 'value', 'stderr']);
    expect(csv.slice(1).map(([m, step, x, v, se]) => [m, num(step), num(x), num(v), num(se)])).toEqual(
      series.flatMap((s: { modelId: string; points: { x: number; step: number; value: number; stderr: number }[] }) => s.points.map((p) => [s.modelId, p.step, p.x, p.value, p.stderr])));
    const pngBytes = await download(page, 'compare-png');
    writeFileSync(join(SHOTS, 'dashboard-export-compare.png'), pngBytes);
    const png = pngSize(pngBytes);
    expect(png.width).toBeGreaterThan(300);
    expect(png.height).toBeGreaterThan(200);
    expect(pngHidden.width).toBe(png.width);

    // The correlations as a 3 × 3 matrix, exported with the API's r.
    await expect(page.getAttribute('[data-testid="correlation-matrix"]', 'data-models')).resolves.toBe(models.join(','));
    const matrix = csvRows(await download(page, 'correlation-csv'));
    expect(matrix[0]).toEqual(['model', ...models]);
    for (const c of correlations as { modelA: string; modelB: string; r: number }[]) {
      expect(num(matrix[models.indexOf(c.modelA) + 1][models.indexOf(c.modelB) + 1])).toBeCloseTo(c.r, 12);
      expect(num(matrix[models.indexOf(c.modelB) + 1][models.indexOf(c.modelA) + 1])).toBeCloseTo(c.r, 12);
    }
    const matrixPng = await download(page, 'correlation-png');
    writeFileSync(join(SHOTS, 'dashboard-export-correlations.png'), matrixPng);
    expect(pngSize(matrixPng).width).toBeGreaterThan(100);
    expect(pngSize(await download(page, 'trajectory-png')).width).toBeGreaterThan(300);

    // FRACTION on a log axis (the default): the first 1% of training is spread over decades, step 0 is left out.
    await page.selectOption('[data-testid="align-by"]', 'FRACTION');
    await ready(page, 'compare-view');
    const logFraction = await chartData(page, 'compare-chart');
    expect(logFraction.data[0][0]).toBeGreaterThan(0);
    expect(logFraction.data[0][0]).toBeLessThan(1e-3);
    await page.uncheck('[data-testid="x-log"]');
    await ready(page, 'compare-view');
    const linear = await chartData(page, 'compare-chart');
    expect(linear.data[0][0]).toBe(0);
    await page.check('[data-testid="x-log"]');
    await ready(page, 'compare-view');
    await page.screenshot({ path: join(SHOTS, 'dashboard-compare.png'), fullPage: true });
  });

  it('reproduces the view from its link', async () => {
    const link = page.url();
    const before = await chartData(page, 'compare-chart');
    const other = await chrome.context.newPage();
    try {
      await other.goto(link);
      await allReady(other);
      expect(other.url()).toBe(link);
      const checked = await other.locator('[data-testid="model-list"] input:checked').evaluateAll((els) => els.map((e) => e.getAttribute('value')));
      expect(checked).toEqual(['pythia-160m', 'pythia-1b-deduped', 'pythia-410m']);
      await expect(other.inputValue('[data-testid="signal-kind"]')).resolves.toBe('TASK');
      await expect(other.inputValue('[data-testid="task-select"]')).resolves.toBe('piqa');
      await expect(other.inputValue('[data-testid="align-by"]')).resolves.toBe('FRACTION');
      await expect(other.isChecked('[data-testid="x-log"]')).resolves.toBe(true);
      expect(await chartData(other, 'compare-chart')).toEqual(before);
    } finally {
      await other.close();
    }
  });

  it('shows the leaderboard as the API ranks it, and sorts by a column when its header is clicked', async () => {
    const api = await t.gql(`{ leaderboard(dataset: "sim-narratives", roi: "STS", tasks: ["sim_arc_easy", "lambada_openai", "piqa"]) {
      rows { modelId brain { value layer step } tasks { task value } phases { boundaries } } } }`);
    const rows: { modelId: string; brain: { value: number; layer: number; step: number } | null; tasks: { value: number | null }[]; phases: { boundaries: number[] } | null }[] = api.body.data.leaderboard.rows;
    const shown = () => page.locator('[data-testid="leaderboard-row"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-model')));
    await expect(shown()).resolves.toEqual(rows.map((r) => r.modelId));
    const sim = page.locator('[data-testid="leaderboard-row"][data-model="sim-tinygpt"]');
    await expect(sim.locator('td[data-key="layer"]').textContent()).resolves.toBe(String(rows[0].brain!.layer));
    await expect(sim.locator('td[data-key="k"]').textContent()).resolves.toContain(rows[0].phases!.boundaries.join(', '));

    const header = '[data-testid="leaderboard-sort-task:lambada_openai"]';
    const byLambada = (desc: boolean) => {
      const withValue = rows.filter((r) => r.tasks[1].value !== null).sort((a, b) => (desc ? b.tasks[1].value! - a.tasks[1].value! : a.tasks[1].value! - b.tasks[1].value!));
      return [...withValue, ...rows.filter((r) => r.tasks[1].value === null)].map((r) => r.modelId);
    };
    await page.click(header);
    await expect(shown()).resolves.toEqual(byLambada(true));
    await expect(page.getAttribute(header, 'aria-sort')).resolves.toBe('descending');
    await page.click(header);
    await expect(shown()).resolves.toEqual(byLambada(false));
    await expect(page.getAttribute(header, 'aria-sort')).resolves.toBe('ascending');
    expect(new URL(page.url()).searchParams.get('ls')).toBe('task:lambada_openai:asc');
    const csv = csvRows(await download(page, 'leaderboard-csv'));
    expect(csv.slice(1).map((r) => r[1])).toEqual(byLambada(false));
    await page.click('[data-testid="leaderboard-sort-model"]');
    await expect(shown()).resolves.toEqual(rows.map((r) => r.modelId).sort());
    await page.locator('[data-testid="leaderboard-view"]').screenshot({ path: join(SHOTS, 'dashboard-leaderboard.png') });

    // Nothing but the page's three files, /healthz (the demo build's progress) and POST /graphql was requested, and no script failed.
    expect([...new Set(requests)].sort()).toEqual(['GET /dashboard/', 'GET /dashboard/app.css', 'GET /dashboard/app.js', 'GET /healthz', 'POST /graphql']);
    await expect(page.isHidden('[data-testid="demo-progress"]')).resolves.toBe(true);
  });
}, { timeout: 120_000 });

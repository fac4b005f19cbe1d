import express from 'express';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardMiddleware } from '../../dashboard/serveDashboard.js';
import { tempDir } from '../helpers/tmp.js';
import { buildDashboard } from './dashboardPage.js';

describe('dashboardMiddleware: the built page under a mount path', () => {
  let http: Server;
  let base: string;
  const empty = tempDir();
  let dist: ReturnType<typeof buildDashboard>;
  beforeAll(async () => {
    dist = buildDashboard();
    // The folder also holds what tsc compiles there (dist/dashboard/serveDashboard.js): not an asset.
    writeFileSync(join(dist.dir, 'serveDashboard.js'), 'export {};');
    const app = express();
    app.use('/dashboard', dashboardMiddleware(dist.dir));
    app.use('/unbuilt', dashboardMiddleware(empty.dir));
    http = createServer(app);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
    empty.cleanup();
    dist.cleanup();
  });

  it('redirects /dashboard to /dashboard/ (keeping the query) so relative asset URLs resolve', async () => {
    const res = await fetch(`${base}/dashboard?x=1`, { redirect: 'manual' });
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe('/dashboard/?x=1');
  });

  it('serves index.html, app.js and app.css, and nothing else from the folder', async () => {
    const page = await fetch(`${base}/dashboard/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('<script type="module" src="app.js"></script>');
    expect(html).toContain('<link rel="stylesheet" href="app.css" />');
    expect(html).not.toMatch(/https?:\/\//); // no CDN: every asset is local
    for (const [file, type] of [['app.js', /javascript/], ['app.css', /^text\/css/]] as const) {
      const res = await fetch(`${base}/dashboard/${file}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(type);
      expect((await res.text()).length).toBeGreaterThan(1000);
    }
    // tsc compiles serveDashboard.ts into the same folder; that file is not an asset.
    for (const path of ['serveDashboard.js', 'serveDashboard.js.map', 'app.js.map']) {
      expect((await fetch(`${base}/dashboard/${path}`)).status, path).toBe(404);
    }
  });

  it('answers 404 with the build command when the dashboard was never built', async () => {
    const res = await fetch(`${base}/unbuilt/`);
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('The dashboard is not built: run `npm run build` (node dashboard/build.mjs).');
  });
});

import express from 'express';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { dashboardMiddleware } from '../../dashboard/serveDashboard.js';
import { PACKAGE_ROOT } from '../../services/paths.js';
import type { TestServer } from '../helpers/server.js';
import { fileRequirement } from '../helpers/requirements.js';

export const CHROMIUM = '/usr/bin/chromium';
/**
 * Bundles the current sources into a fresh folder (type-checking is `npm run build`'s job; this
 * takes well under a second), so parallel test files never read a half-written dist/dashboard.
 */
export function buildDashboard(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'cortexql-dashboard-'));
  execFileSync(process.execPath, [join(PACKAGE_ROOT, 'dashboard', 'build.mjs'), '--no-check', '--outdir', dir], { stdio: 'pipe' });
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Serves a built dashboard as server/app.ts does (dashboardMiddleware mounted at /dashboard) on
 * 127.0.0.1, and forwards POST /graphql (and GET /healthz) to the test server with body and content-type unchanged,
 * so Apollo's CSRF prevention applies to the page's requests as it would on the real server.
 */
export async function serveDashboard(t: TestServer, distDir: string): Promise<{ url: string; close(): Promise<void> }> {
  const app = express();
  app.use('/dashboard', dashboardMiddleware(distDir));
  app.post('/graphql', express.raw({ type: () => true, limit: '64mb' }), async (req, res) => {
    const upstream = await fetch(t.server.endpoint, {
      method: 'POST',
      headers: { 'content-type': req.get('content-type') ?? '' },
      body: Buffer.isBuffer(req.body) ? new Uint8Array(req.body) : undefined,
    });
    res.status(upstream.status).type(upstream.headers.get('content-type') ?? 'application/json').send(Buffer.from(await upstream.arrayBuffer()));
  });
  // The page polls /healthz for the demo's build progress.
  app.get('/healthz', async (_req, res) => {
    const upstream = await fetch(new URL('/healthz', t.server.url));
    res.status(upstream.status).type(upstream.headers.get('content-type') ?? 'application/json').send(Buffer.from(await upstream.arrayBuffer()));
  });
  const http = createServer(app);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/dashboard/`,
    close: async () => {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/**
 * Debian's Chromium, headless, with a fresh profile (Playwright takes the profile folder as the
 * persistent context's userDataDir rather than as a --user-data-dir flag) and no background
 * networking: the page can only reach what it asks for.
 */
export async function launchChromium(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'cortexql-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export const CHROMIUM_BROWSER = fileRequirement(CHROMIUM, `${CHROMIUM} (apt-get install chromium)`);

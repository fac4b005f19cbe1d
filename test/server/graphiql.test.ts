import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../services/paths.js';
import { CHROMIUM_BROWSER, launchChromium } from '../dashboard/dashboardPage.js';
import { describeWith, fileRequirement, requirement, type Requirement } from '../helpers/requirements.js';
import { tempDir } from '../helpers/tmp.js';

const MAIN = join(PACKAGE_ROOT, 'dist', 'server', 'main.js');
const BUILT = fileRequirement(MAIN, 'the build (npm run build): dist/server/main.js');
const BOTH: Requirement = requirement(CHROMIUM_BROWSER.available && BUILT.available, [CHROMIUM_BROWSER, BUILT].filter((r) => !r.available).map((r) => r.what).join(' and ') || 'nothing');

/**
 * GraphiQL, as a user meets it: the production entry point (what `npm start` runs) with its
 * default limits, the page at `/` in real Chromium. Its schema comes from graphql-js's standard
 * introspection query — deeper than the data depth limit, which introspection is not held to —
 * so autocomplete and the docs pane work out of the box. (Anonymous read is on, as in the demo;
 * the warehouse is empty, which introspection does not mind.)
 */
describeWith(BOTH, 'GraphiQL in headless Chromium against `npm start`', () => {
  const tmp = tempDir();
  let server: ChildProcess;
  let url: string;
  let chrome: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;

  beforeAll(async () => {
    server = spawn(process.execPath, [MAIN], {
      env: { ...process.env, CORTEXQL_DB: join(tmp.dir, 'empty.duckdb'), CORTEXQL_ANONYMOUS: 'reader', CORTEXQL_PORT: '0', CORTEXQL_HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    url = await new Promise<string>((resolve, reject) => {
      let output = '';
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const m = /ready at (http:\/\/\S+?\/) /.exec(output);
        if (m) resolve(m[1]);
      };
      server.stdout!.on('data', onData);
      server.stderr!.on('data', onData);
      server.once('exit', (code) => reject(new Error(`server exited with ${code}: ${output}`)));
    });
    chrome = await launchChromium();
    page = await chrome.context.newPage();
    await page.goto(url);
    // The schema has loaded when the editor knows the root fields.
    await page.waitForSelector('.graphiql-query-editor .CodeMirror', { timeout: 30_000 });
  }, 120_000);

  afterAll(async () => {
    await chrome?.close();
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      await exited;
    }
    tmp.cleanup();
  });

  it('autocompletes: typing `{ compareM` suggests compareModels', async () => {
    await page.click('.graphiql-query-editor .CodeMirror');
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Backspace');
    await page.keyboard.type('{ compareM', { delay: 30 });
    const hint = page.locator('.CodeMirror-hints .CodeMirror-hint', { hasText: 'compareModels' });
    await hint.first().waitFor({ timeout: 20_000 });
    expect(await hint.first().textContent()).toBe('compareModels');
  });

  it('shows the docs: the Documentation Explorer lists the root type Query', async () => {
    await page.locator('button[aria-label*="Documentation Explorer"]').first().click();
    const docs = page.locator('.graphiql-doc-explorer');
    await docs.waitFor({ timeout: 20_000 });
    await expect.poll(async () => docs.textContent(), { timeout: 20_000 }).toContain('Query');
    await docs.locator('a', { hasText: 'Query' }).first().click();
    // The Query type's page lists its (described) fields.
    await expect.poll(async () => docs.textContent(), { timeout: 20_000 }).toContain('compareModels');
  });
}, { timeout: 120_000 });

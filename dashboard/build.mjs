#!/usr/bin/env node
// Builds the dashboard into dist/dashboard/ (index.html, app.js, app.css): type-checks
// dashboard/src with its own tsconfig (DOM types; `npm run build` does that in scripts/compile.mjs
// and passes --no-check), then bundles it and uPlot with esbuild.
// Nothing is fetched at run time: the page loads these three files and talks to /graphql.
// Usage: node dashboard/build.mjs [--no-check] [--outdir DIR]   (default dist/dashboard)
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(here);
const outFlag = process.argv.indexOf('--outdir');
const outdir = outFlag > 0 ? resolve(process.argv[outFlag + 1] ?? '') : join(root, 'dist', 'dashboard');

if (!process.argv.includes('--no-check')) {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', join(here, 'tsconfig.json')], { stdio: 'inherit' });
}

mkdirSync(outdir, { recursive: true });
// Only these files are written (and served by serveDashboard.ts): tsc puts the compiled
// serveDashboard.js in the same folder, so the folder is never wiped.
await build({
  entryPoints: { app: join(here, 'src', 'app.ts') },
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  minify: true,
  legalComments: 'eof',
  outdir,
  logLevel: 'warning',
});
copyFileSync(join(here, 'src', 'index.html'), join(outdir, 'index.html'));
console.log(`dashboard built: ${outdir}/{index.html,app.js,app.css}`);

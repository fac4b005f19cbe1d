#!/usr/bin/env node
// `npm run build`: compiles the tree (scripts/compile.mjs: type-check, emit, the non-null scan) and
// bundles the dashboard (dashboard/build.mjs), then records a fingerprint of every build input in
// dist/.build-inputs. With --if-changed (what `npm start` runs) nothing is built when the
// fingerprint is the recorded one: a start after `npm install` or an earlier start reads only the
// inputs (well under a second), where even an incremental TypeScript pass parses the whole tree.
//
// Usage: node scripts/build.mjs [--if-changed]
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const stampFile = join(root, 'dist', '.build-inputs');
// What the build reads: the folders of tsconfig.json's "include", the dashboard, and the configs.
const FOLDERS = ['errors', 'formats', 'schema', 'resolvers', 'services', 'warehouse', 'compute', 'server', 'cli', 'bench', 'scripts', 'test', 'dashboard'];
const FILES = ['package.json', 'package-lock.json', 'tsconfig.json', 'vitest.config.ts'];
const SOURCE = /\.(ts|mts|mjs|js|json|html|css)$/;

/** sha256 over the path and content of every input file, in a fixed order. */
function fingerprint() {
  const hash = createHash('sha256');
  const add = (rel) => {
    hash.update(`${rel}\0`);
    hash.update(readFileSync(join(root, rel)));
    hash.update('\0');
  };
  const walk = (rel) => {
    for (const entry of readdirSync(join(root, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = `${rel}/${entry.name}`;
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && entry.name !== '.tmp' && entry.name !== 'fixtures') walk(path);
      } else if (entry.isFile() && SOURCE.test(entry.name)) add(path);
    }
  };
  for (const folder of FOLDERS) if (existsSync(join(root, folder))) walk(folder);
  for (const file of FILES) if (existsSync(join(root, file))) add(file);
  return hash.digest('hex');
}

const ifChanged = process.argv.includes('--if-changed');
const before = fingerprint();
if (ifChanged && existsSync(join(root, 'dist', 'server', 'main.js')) && existsSync(stampFile) && readFileSync(stampFile, 'utf8').trim() === before) process.exit(0);
if (ifChanged) console.log('sources changed since the last build: building (npm run build)…');
try {
  execFileSync(process.execPath, [join(root, 'scripts', 'compile.mjs')], { stdio: 'inherit' });
  execFileSync(process.execPath, [join(root, 'dashboard', 'build.mjs'), '--no-check'], { stdio: 'inherit' });
} catch {
  process.exit(1);
}
// Recorded only when the inputs did not change while building (an edit meanwhile builds again).
if (fingerprint() === before) writeFileSync(stampFile, `${before}\n`);

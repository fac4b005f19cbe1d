import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../services/paths.js';

const page = readFileSync(join(PACKAGE_ROOT, 'docs', 'architecture.md'), 'utf8');
/** Every `code span` that names a path: a folder (`compute/`) or a file (`services/cells.ts`, `docs/phases.md`). */
const named = [...new Set([...page.matchAll(/`([\w.-]+\/[\w./-]*)`/g)].map((m) => m[1]))];

describe('docs/architecture.md', () => {
  it('names only folders and files that exist', () => {
    expect(named.length).toBeGreaterThan(30);
    expect(named.filter((p) => !existsSync(join(PACKAGE_ROOT, p)))).toEqual([]);
  });

  it('gives every source folder a row in its layer table', () => {
    const folders = readdirSync(PACKAGE_ROOT, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !e.name.startsWith('.') && !['node_modules', 'dist', 'data', 'docs', 'examples'].includes(e.name))
      .map((e) => e.name);
    const layerCells = page.split('\n').filter((l) => l.startsWith('| `')).map((l) => l.split('|')[1]);
    expect(folders.filter((f) => !layerCells.some((cell) => cell.includes(`\`${f}/\``)))).toEqual([]);
  });
});

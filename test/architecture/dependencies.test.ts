/**
 * The layer rules of docs/architecture.md, checked on the import graph of every source file
 * (ts.preProcessFile: static imports, type imports, re-exports and dynamic imports, without
 * type-checking): no import cycles, no import from a higher layer, compute/ pure, and only
 * declared packages.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../services/paths.js';

/** Top-level folders from the bottom layer up: a file may import its own folder and the folders below. */
const LAYERS: readonly (readonly string[])[] = [
  ['errors'],
  ['formats'],
  ['compute'],
  ['warehouse'],
  ['services'],
  ['schema'],
  ['resolvers'],
  ['dashboard'],
  ['server'],
  ['cli'],
  ['bench', 'scripts'],
  ['test'],
];
const RANK = new Map(LAYERS.flatMap((folders, rank) => folders.map((f) => [f, rank] as const)));

/** Folders whose code only builds, checks or measures the product: they may use devDependencies. */
const DEV = new Set(['test', 'bench', 'scripts', 'dashboard/src', 'dashboard/build.mjs', 'vitest.config.ts']);

/**
 * compute/ is pure numerics: no files, no GraphQL, no HTTP, no database. The model runtime
 * (compute/models) reads ONNX files and tokenizers by path; that file access is the one
 * exception, marked as debt: it moves to services/ once the real-ONNX work (issue 11) settles.
 */
const COMPUTE_FORBIDDEN = /^(node:fs|node:fs\/promises|node:child_process|node:http|node:net|graphql|type-graphql|@apollo\/|express|@duckdb\/|bullmq|ioredis)/;
const COMPUTE_FS_EXCEPTION = 'compute/models/';

interface SourceFile {
  readonly path: string; // relative to the package root, with '/'
  readonly imports: readonly string[];
}

function sourceFiles(): SourceFile[] {
  const out: SourceFile[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(PACKAGE_ROOT, dir), { withFileTypes: true })) {
      const path = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!['node_modules', 'dist', '.git', 'data', 'fixtures', '.tmp'].includes(entry.name) && !entry.name.startsWith('.')) walk(path);
      } else if (/\.(ts|mjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) {
        const text = readFileSync(join(PACKAGE_ROOT, path), 'utf8');
        out.push({ path, imports: ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName) });
      }
    }
  };
  walk('');
  return out;
}

/** The source file a relative import names (`.js` in ESM imports is the `.ts` source), or null outside the tree. */
function resolveLocal(from: string, specifier: string, files: ReadonlySet<string>): string | null {
  const target = relative(PACKAGE_ROOT, resolve(PACKAGE_ROOT, dirname(from), specifier)).split('\\').join('/');
  for (const candidate of [target, target.replace(/\.js$/, '.ts'), `${target}.ts`, `${target}/index.ts`]) if (files.has(candidate)) return candidate;
  return null;
}

const folderOf = (path: string) => path.split('/')[0];
const packageOf = (specifier: string) => (specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]);
const isDev = (path: string) => [...DEV].some((d) => path === d || path.startsWith(`${d}/`));

const files = sourceFiles();
const paths = new Set(files.map((f) => f.path));
const edges = new Map(files.map((f) => [f.path, f.imports.filter((s) => s.startsWith('.')).map((s) => resolveLocal(f.path, s, paths)).filter((t): t is string => t !== null)]));

describe('dependency rules (docs/architecture.md)', () => {
  it('reads the whole tree', () => {
    expect(files.length).toBeGreaterThan(200);
    for (const folder of ['errors', 'formats', 'compute', 'warehouse', 'services', 'schema', 'resolvers', 'server', 'cli']) {
      expect([folder, files.some((f) => f.path.startsWith(`${folder}/`))]).toEqual([folder, true]);
    }
  });

  it('has no import cycles', () => {
    // Tarjan's strongly connected components; any component of two or more files is a cycle.
    let next = 0;
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const cycles: string[][] = [];
    const visit = (v: string) => {
      index.set(v, next);
      low.set(v, next++);
      stack.push(v);
      onStack.add(v);
      for (const w of edges.get(v) ?? []) {
        if (!index.has(w)) {
          visit(w);
          low.set(v, Math.min(low.get(v)!, low.get(w)!));
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
      if (low.get(v) === index.get(v)) {
        const component: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          component.push(w);
        } while (w !== v);
        if (component.length > 1 || (edges.get(v) ?? []).includes(v)) cycles.push(component.sort());
      }
    };
    for (const v of edges.keys()) if (!index.has(v)) visit(v);
    expect(cycles).toEqual([]);
  });

  it('imports only its own layer and the layers below', () => {
    const upward: string[] = [];
    for (const [from, targets] of edges) {
      const rank = RANK.get(folderOf(from));
      if (rank === undefined) continue; // root files (vitest.config.ts)
      for (const to of targets) {
        const target = RANK.get(folderOf(to));
        if (folderOf(to) !== folderOf(from) && (target === undefined || target >= rank)) upward.push(`${from} → ${to}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('keeps compute/ pure: no files (the model runtime excepted), no GraphQL, HTTP or database, nothing outside compute/ but errors/', () => {
    const impure: string[] = [];
    for (const f of files.filter((g) => g.path.startsWith('compute/'))) {
      for (const s of f.imports) {
        const fsException = f.path.startsWith(COMPUTE_FS_EXCEPTION) && /^node:fs(\/promises)?$/.test(s);
        if (COMPUTE_FORBIDDEN.test(s) && !fsException) impure.push(`${f.path} imports ${s}`);
      }
      for (const to of edges.get(f.path) ?? []) if (!['compute', 'errors'].includes(folderOf(to))) impure.push(`${f.path} imports ${to}`);
    }
    expect(impure).toEqual([]);
  });

  it('imports only declared packages (devDependencies only in code that builds, checks or measures)', () => {
    const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    const builtins = new Set(builtinModules);
    const undeclared: string[] = [];
    for (const f of files) {
      for (const s of f.imports) {
        if (s.startsWith('.') || s.startsWith('node:')) continue;
        const name = packageOf(s);
        if (builtins.has(name)) undeclared.push(`${f.path} imports the builtin '${s}' without the node: prefix`);
        else if (!(name in pkg.dependencies) && !(isDev(f.path) && name in pkg.devDependencies)) undeclared.push(`${f.path} imports '${s}'`);
      }
    }
    expect(undeclared).toEqual([]);
  });
});


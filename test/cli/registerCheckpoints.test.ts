/**
 * `cortexql register checkpoints` as a user types it (the built CLI in a child process): the
 * README's layouts, `--layers-manifest`, and coded errors without stack traces.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { gpt2TokenizerJson } from '../../compute/models/gpt2Tokenizer.js';
import { tempDir } from '../helpers/tmp.js';

const run = promisify(execFile);
const CLI = resolve('dist/cli/main.js');
const FIXTURES = resolve('test/fixtures/onnx');
const tmp = tempDir('cortexql-cli-');
const db = join(tmp.dir, 'cli.duckdb');
afterAll(() => tmp.cleanup());

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args, '--db', db], { timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('cortexql register checkpoints', () => {
  it('registers the README layout: --onnx exported/ holding exported/step1000.onnx', async () => {
    const exported = join(tmp.dir, 'exported');
    mkdirSync(exported);
    copyFileSync(join(FIXTURES, 'gpt2-ort-fused', 'past.onnx'), join(exported, 'step1000.onnx'));
    writeFileSync(join(exported, 'tokenizer.json'), JSON.stringify(gpt2TokenizerJson({ merges: 700 })));
    expect((await cli('register', 'model', 'fused', '--tokens-per-step', '100', '--final-step', '2000')).code).toBe(0);
    const r = await cli('register', 'checkpoints', 'fused', '--onnx', exported, '--tokenizer', join(exported, 'tokenizer.json'));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^step +1000 {2}f618eca0cd90 {2}578141 bytes\n$/);
  });

  it('stores a --layers-manifest with the checkpoints', async () => {
    const step = join(tmp.dir, 'lfm2', 'step-5');
    mkdirSync(step, { recursive: true });
    copyFileSync(join(FIXTURES, 'lfm2-genai', 'decoder.onnx'), join(step, 'decoder.onnx'));
    const manifest = join(tmp.dir, 'layers.json');
    writeFileSync(manifest, JSON.stringify({ '0': 'embeddings' }));
    const refused = await cli('register', 'checkpoints', 'fused', '--onnx', join(tmp.dir, 'lfm2'));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^error \[IMPORT_FAILED\]: import failed, nothing was written: .*step-5: .*no hidden-state outputs.*--layers-manifest FILE/);
    const ok = await cli('register', 'checkpoints', 'fused', '--onnx', join(tmp.dir, 'lfm2'), '--layers-manifest', manifest);
    expect([ok.code, ok.stderr]).toEqual([0, '']);
    expect(ok.stdout).toMatch(/^step +5 {2}9c18c2087bd0 {2}258469 bytes\n$/);
  });

  it('prints coded errors, never a stack trace', async () => {
    const empty = join(tmp.dir, 'empty');
    mkdirSync(empty);
    const cases: [string[], RegExp][] = [
      [['--onnx', empty], /^error \[IMPORT_FAILED\]: import failed, nothing was written: .*empty: no checkpoints in this folder: expected step-named \.onnx files/],
      [['--onnx', join(tmp.dir, 'lfm2'), '--layers-manifest', join(tmp.dir, 'missing.json')], /^error \[BAD_USER_INPUT\]: cannot read the layers manifest .*missing\.json\n$/],
      [['--layers-manifest', join(tmp.dir, 'layers.json')], /^error \[BAD_USER_INPUT\]: --layers-manifest describes the graphs given with --onnx\n$/],
    ];
    for (const [args, message] of cases) {
      const r = await cli('register', 'checkpoints', 'fused', ...args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});

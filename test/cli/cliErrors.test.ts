import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { PACKAGE_ROOT } from '../../services/paths.js';
import { fileRequirement, itWith } from '../helpers/requirements.js';
import { tempDir } from '../helpers/tmp.js';

const CLI = join(PACKAGE_ROOT, 'dist', 'cli', 'main.js');
const BUILT = fileRequirement(CLI, 'the build (npm run build): dist/cli/main.js');
const run = promisify(execFile);

/** Every user mistake on the command line reads `error [CODE]: message`, and no stack trace. */
describe('the CLI reports mistakes with a code, never a stack trace', () => {
  const tmp = tempDir();
  const db = join(tmp.dir, 'errors.duckdb');
  let busy: Server;
  let port = 0;
  beforeAll(async () => {
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    port = (busy.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => busy.close(resolve));
    tmp.cleanup();
  });
  const fails = (...args: string[]) =>
    run(process.execPath, [CLI, ...args, '--db', db], { env: { ...process.env, CORTEXQL_DB: '' } }).then(
      (r) => ({ code: 0, stderr: r.stderr }),
      (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
    );

  itWith(BUILT, 'refuses steps that are not integers 0…2^31−1, and lists every bad one', async () => {
    const big = await fails('import', 'features', 'x.npy', '--model', 'm', '--step', '1e20', '--layer', '1', '--dataset', 'd');
    expect(big.code).not.toBe(0);
    expect(big.stderr).toMatch(/^error \[BAD_USER_INPUT\]: option '--step <n>' argument '1e20' is invalid\. "1e20" is not a step \(an integer from 0 to 2147483647\)\n/);
    const list = await fails('register', 'checkpoints', 'm', '--steps', 'a,b,7');
    expect(list.stderr).toMatch(/^error \[BAD_USER_INPUT\]: .*"a" is not a step .*; "b" is not a step/);
    const beyond = await fails('register', 'checkpoints', 'm', '--steps', '2147483648');
    expect(beyond.stderr).toMatch(/^error \[BAD_USER_INPUT\]: .*step 2147483648 is above 2147483647/);
    for (const r of [big, list, beyond]) expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  itWith(BUILT, 'names an --onnx folder without step-named checkpoints', async () => {
    await run(process.execPath, [CLI, 'register', 'model', 'm', '--db', db]);
    mkdirSync(join(tmp.dir, 'nosteps'));
    writeFileSync(join(tmp.dir, 'nosteps', 'model.onnx'), 'x');
    const r = await fails('register', 'checkpoints', 'm', '--onnx', join(tmp.dir, 'nosteps'));
    expect(r).toEqual({ code: 2, stderr: `error [IMPORT_FAILED]: import failed, nothing was written: ${join(tmp.dir, 'nosteps')}: no checkpoints in this folder: expected step-named .onnx files (step3000.onnx) or folders (step-3000/model.onnx)\n` });
  });

  itWith(BUILT, 'says a port is in use instead of throwing EADDRINUSE', async () => {
    const r = await fails('serve', '--port', String(port));
    expect(r).toEqual({ code: 2, stderr: `error [BAD_USER_INPUT]: port ${port} on 127.0.0.1 is in use: stop what holds it or choose another (--port, 0 picks a free one)\n` });
  });

  itWith(BUILT, 'reports a missing file or a bad --port without a stack; --debug adds the stack', async () => {
    const missing = await fails('import', 'evals', join(tmp.dir, 'nope.json'));
    expect(missing).toEqual({ code: 2, stderr: `error [NOT_FOUND]: ${JSON.stringify(join(tmp.dir, 'nope.json'))}: file not found\n` });
    const debug = await fails('import', 'evals', join(tmp.dir, 'nope.json'), '--debug');
    expect(debug.stderr).toMatch(/^error \[NOT_FOUND\]: .*file not found\nCortexError: .*\n\s+at /);
    const badPort = await fails('serve', '--port', '1e3');
    expect(badPort).toEqual({ code: 2, stderr: "error [BAD_USER_INPUT]: port must be a whole number from 0 to 65535 (got '1e3')\n" });
  });
});

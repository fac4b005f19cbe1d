import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../services/paths.js';
import { cachedDemoWarehouse, copyWarehouse } from '../helpers/fixtures.js';
import { installPythonClient, PYTHON_PACKAGE_DEPS } from '../helpers/pythonVenv.js';
import { outputMismatches, parseOutputPattern, textMismatches } from '../helpers/docOutput.js';
import { docBlocks, runnableCurlBlocks, runnablePythonBlocks } from '../helpers/readmeExamples.js';
import { fileRequirement, itWith, pythonRequirement } from '../helpers/requirements.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { tempDir } from '../helpers/tmp.js';

const CLI = join(PACKAGE_ROOT, 'dist', 'cli', 'main.js');
const BUILT = fileRequirement(CLI, 'the build (npm run build): dist/cli/main.js');
const run = promisify(execFile);
const README_URL = 'http://127.0.0.1:4000/graphql';

/** The words of a shell line (quotes removed; `[--opt v]` optional parts kept), without its comment. */
function words(line: string): string[] {
  const code = line.replace(/\s#.*$/, '');
  return [...code.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => (m[1] ?? m[2] ?? m[3]).replace(/^\[|\]$/g, ''));
}

/** `npm run cli -- …` lines of the docs' sh blocks. */
const cliLines = docBlocks()
  .filter((b) => b.lang === 'sh')
  .flatMap((b) => b.text.split('\n').filter((l) => l.startsWith('npm run cli -- ')).map((line) => ({ where: b.where, line, illustrative: b.illustrative })));

/**
 * The README's curl, CLI and Python blocks against the demo warehouse (the GraphQL blocks run in
 * test/services/demo.test.ts and are validated in test/api/schemaFile.test.ts). A block marked
 * `<!-- illustrative -->`, or a line with a placeholder (`…`, `<keyId>`), is checked, not run.
 */
describe('the README’s shell, CLI and Python examples, as written, on the demo', { timeout: 300_000 }, () => {
  let t: TestServer;
  const tmp = tempDir();
  let db = '';
  beforeAll(async () => {
    const demo = await cachedDemoWarehouse();
    db = copyWarehouse(demo.path, tmp.dir);
    t = await startTestServer({ db: demo.path });
  }, 300_000);
  afterAll(async () => {
    await t?.close();
    tmp.cleanup();
  });

  it('runs every curl block with curl and gets data without errors, as its output block shows', async () => {
    const curls = runnableCurlBlocks();
    expect(curls.length).toBeGreaterThan(0);
    for (const b of curls) {
      const { stdout } = await run('bash', ['-c', b.text.replaceAll(README_URL, t.server.endpoint)]);
      const body = JSON.parse(stdout) as { data?: Record<string, unknown>; errors?: unknown };
      // As its output block shows (which may be a refusal), else data without errors.
      if (b.output) expect([b.output.where, outputMismatches(parseOutputPattern(b.output.text), body)]).toEqual([b.output.where, []]);
      else expect([b.where, body.errors, Object.keys(body.data ?? {}).length > 0]).toEqual([b.where, undefined, true]);
    }
  });

  itWith(BUILT, 'names only commands and options the CLI has, in every npm run cli line', async () => {
    expect(cliLines.length).toBeGreaterThan(20);
    const helps = new Map<string, string>();
    const help = async (path: string[]) => {
      const key = path.join(' ');
      if (!helps.has(key)) helps.set(key, await run(process.execPath, [CLI, ...path, '--help']).then((r) => r.stdout, () => ''));
      return helps.get(key) ?? '';
    };
    for (const { where, line } of cliLines) {
      const args = words(line).slice(4);
      // The command: the longest run of leading words whose help is that command's.
      let path = [args[0]];
      if (args[1] && !args[1].startsWith('-') && (await help([args[0], args[1]])).startsWith(`Usage: cortexql ${args[0]} ${args[1]}`)) path = [args[0], args[1]];
      const text = await help(path);
      expect([where, line, text.startsWith(`Usage: cortexql ${path.join(' ')}`)]).toEqual([where, line, true]);
      const unknown = args.filter((a) => a.startsWith('--') && !new RegExp(`(^|[\\s,])${a}\\b`).test(text));
      expect([where, line, unknown]).toEqual([where, line, []]);
    }
  });

  itWith(BUILT, 'runs the CLI lines that name nothing a lab must supply, on a copy of the demo', async () => {
    const runnable = cliLines.filter((c) => !c.illustrative && !/…|<\w+>/.test(c.line) && !/ (schema --out|demo build)\b/.test(c.line));
    expect(runnable.map((c) => words(c.line).slice(4, 6).join(' '))).toEqual(expect.arrayContaining(['export --out', 'keys create', 'keys list']));
    for (const { where, line } of runnable) {
      const result = await run(process.execPath, [CLI, ...words(line).slice(4)], { cwd: tmp.dir, env: { ...process.env, CORTEXQL_DB: db, CORTEXQL_API_KEY: '', CORTEXQL_SERVER_URL: '' } })
        .then((r) => ({ code: 0, stderr: r.stderr }), (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }));
      expect([where, line, result]).toEqual([where, line, { code: 0, stderr: expect.any(String) }]);
    }
  });

  itWith(PYTHON_PACKAGE_DEPS.available ? pythonRequirement('/usr/bin/python3', 'matplotlib') : PYTHON_PACKAGE_DEPS, 'runs every Python block with the installed package, requests, pandas and matplotlib', async () => {
    const python = installPythonClient(tmp.dir);
    const blocks = runnablePythonBlocks();
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    for (const b of blocks) {
      const code = b.text.replaceAll(README_URL, t.server.endpoint);
      const result = await run(python, ['-c', code], { cwd: tmp.dir, env: { ...process.env, CORTEXQL_URL: t.server.endpoint, CORTEXQL_API_KEY: '', MPLBACKEND: 'Agg' } })
        .then((r) => ({ code: 0, stdout: r.stdout, stderr: '' }), (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr.slice(-2000) }));
      expect([b.where, result.code, result.stderr]).toEqual([b.where, 0, '']);
      // What the docs show it prints (a block that shows nothing prints nothing).
      expect([b.where, textMismatches(b.output?.text ?? '', result.stdout)]).toEqual([b.where, []]);
    }
  }, { timeout: 300_000 });
});

import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { PACKAGE_ROOT } from '../../services/paths.js';
import { serverFilePath } from '../../services/serverFile.js';
import { cachedPythiaWarehouse, copyWarehouse } from '../helpers/fixtures.js';
import { PYTHIA_EVALS } from '../helpers/pythiaFiles.js';
import { fileRequirement, itWith } from '../helpers/requirements.js';
import { SERVER_MAIN, startServerProcess, stopServerProcess, type ServerProcess } from '../helpers/serverProcess.js';
import { tempDir } from '../helpers/tmp.js';

const CLI = join(PACKAGE_ROOT, 'dist', 'cli', 'main.js');
const BUILT = fileRequirement(SERVER_MAIN, 'the build (npm run build): dist/server/main.js and dist/cli/main.js');
const run = promisify(execFile);
type Failure = { code: number; stdout: string; stderr: string };

/**
 * The real CLI beside the real server on the same warehouse file: DuckDB lets one process write
 * it, so commands go through the server's API (found from the server file beside the warehouse,
 * or named with --server) with a key, or stop with a message that says what to do.
 */
describe('the cortexql command while a server holds the warehouse', { timeout: 180_000 }, () => {
  const tmp = tempDir();
  let db = '';
  let server: ServerProcess | null = null;
  let admin = '';
  const env = () => ({ ...process.env, CORTEXQL_DB: db, CORTEXQL_API_KEY: '', CORTEXQL_SERVER_URL: '' });
  const cortexql = (...args: string[]) => run(process.execPath, [CLI, ...args], { env: env() });
  const failing = (...args: string[]) => cortexql(...args).then((r) => { throw new Error(`expected a failure, got ${r.stdout}`); }, (e: Failure) => e);

  beforeAll(async () => {
    if (!existsSync(SERVER_MAIN)) return;
    db = copyWarehouse(await cachedPythiaWarehouse(), tmp.dir);
    // Before the server starts, the CLI opens the file itself.
    admin = /^(cq_\S+)/.exec((await cortexql('keys', 'create', 'root', '--role', 'admin')).stdout)?.[1] ?? '';
    server = await startServerProcess({ CORTEXQL_DB: db, CORTEXQL_PORT: '0', CORTEXQL_HOST: '127.0.0.1', CORTEXQL_ANONYMOUS: 'reader' });
  }, 120_000);
  afterAll(async () => {
    if (server) await stopServerProcess(server.child);
    tmp.cleanup();
  });

  itWith(BUILT, 'goes through the running server with a key, and says which key is missing without one', async () => {
    const url = `${server?.url}/`;
    const held = `warehouse ${db} is held by the cortexql server at ${url} (PID ${server?.child.pid}; DuckDB allows one writer process)`;
    expect(JSON.parse(readFileSync(serverFilePath(db), 'utf8'))).toEqual({ pid: server?.child.pid, url });

    const anonymous = await failing('keys', 'list');
    expect(anonymous.code).toBe(2);
    expect(anonymous.stderr).toContain(`(${held}: going through its API)\n`);
    expect(anonymous.stderr).toMatch(new RegExp(`error \\[FORBIDDEN\\]: ${held.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}; cortexql keys list went through its API, which needs an admin key \\(.*\\): give one: --key <key> \\(or CORTEXQL_API_KEY\\), or stop the server \\(Ctrl-C, or kill \\d+\\), run the command, and start the server again\\n$`));

    const keyId = admin.slice(3, 15);
    expect((await cortexql('keys', 'list', '--key', admin)).stdout).toBe(`${keyId}  admin   root\n`);
    const writer = /^(cq_\S+)/.exec((await cortexql('keys', 'create', 'alice', '--role', 'writer', '--key', admin)).stdout)?.[1] ?? '';
    expect(writer).toMatch(/^cq_[0-9a-f]{12}_/);
    // Explicitly named, the same.
    expect((await cortexql('keys', 'list', '--server', url, '--key', admin)).stdout).toBe(`${keyId}  admin   root\n${writer.slice(3, 15)}  writer  alice\n`);

    // Writes through the API: a model, checkpoints, evals read here and sent inline.
    const model = await cortexql('register', 'model', 'my-lm', '--tokens-per-step', '1000', '--final-step', '5000', '--key', writer);
    expect(JSON.parse(model.stdout)).toMatchObject({ modelId: 'my-lm', tokensPerStep: 1000, finalStep: 5000 });
    expect((await cortexql('register', 'checkpoints', 'my-lm', '--steps', '0,1000', '--key', writer)).stdout).toBe('registered 2 checkpoints of my-lm\n');
    const file = join(PYTHIA_EVALS, 'pythia-70m', 'zero-shot', '70m_step1000.json');
    expect((await cortexql('import', 'evals', file, '--model', 'my-lm', '--key', writer)).stdout).toMatch(/^imported \d+ scores from 1 files: 1 checkpoints of my-lm\n$/);
    const res = await fetch(`${url}graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ model(id: "my-lm") { checkpoints(first: 5) { totalCount } } }' }) });
    expect(await res.json()).toEqual({ data: { model: { checkpoints: { totalCount: 2 } } } });

    // A read-only export: the server writes the bundle, the CLI downloads and unpacks it. `out` is
    // the server's own export folder: the download must not truncate the file the server is sending.
    const out = join(tmp.dir, 'exports');
    const exported = await cortexql('export', '--out', out, '--models', 'pythia-70m', '--key', writer);
    const id = /^bundle (\S+): /m.exec(exported.stdout)?.[1] ?? '';
    expect(exported.stdout).toContain(`bundle ${id}: ${join(out, id)}\n`);
    const manifest = JSON.parse(readFileSync(join(out, id, 'manifest.json'), 'utf8')) as { files: { file: string; rows: number }[] };
    expect(manifest.files.find((f) => f.file === 'task_scores.parquet')?.rows).toBeGreaterThan(0);

    // Commands with no API route say exactly what to do instead.
    const compute = await failing('compute', 'internal', '--model', 'my-lm', '--step', '0', '--dataset', 'd');
    expect(compute).toMatchObject({
      code: 2,
      stderr: `error [WAREHOUSE_LOCKED]: ${held}; cortexql compute internal does not run through its API: stop the server (Ctrl-C, or kill ${server?.child.pid}), run the command, and start the server again, or call the computeInternal mutation, or computeCells (several checkpoints) with a writer key (the server computes)\n`,
    });
    expect((await failing('demo', 'build')).stderr).toMatch(/^error \[WAREHOUSE_LOCKED\]: .*cortexql demo build does not run through its API: stop the server/);
    // The schema needs no warehouse.
    expect((await cortexql('schema')).stdout).toBe(readFileSync(join(PACKAGE_ROOT, 'schema.graphql'), 'utf8'));
  });

  itWith(BUILT, 'answers --version, and --help lists every command', async () => {
    const { version } = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect((await cortexql('--version')).stdout).toBe(`${version}\n`);
    expect((await cortexql('keys', '--help')).stdout).toMatch(/create \[options\] <name>[\s\S]*revoke \[options\] <keyId>[\s\S]*list \[options\]/);
    expect((await cortexql('keys', 'list', '--help')).stdout).toContain('--server <url>');
  });

  itWith(BUILT, 'removes its server file when it stops, and the CLI opens the file itself again', async () => {
    if (server) expect(await stopServerProcess(server.child)).toBe(0);
    server = null;
    expect(existsSync(serverFilePath(db))).toBe(false);
    expect((await cortexql('keys', 'list')).stdout).toMatch(/ {2}admin {3}root\n.* {2}writer {2}alice\n$/);
  });
});

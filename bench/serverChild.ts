import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../services/paths.js';

/** The production entry point (dist/server/main.js) in a child process, anonymous read on, no rate limit. */
export async function startChild(db: string, extraArgs: readonly string[] = []): Promise<{ url: string; stop: () => Promise<number | null> }> {
  const child = spawn(process.execPath, [...(process.env.HOSTILE_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.HOSTILE_PROFILE] : []), join(PACKAGE_ROOT, 'dist', 'server', 'main.js'), '--db', db, '--port', '0', '--anonymous', 'reader', ...extraArgs], {
    env: { ...process.env, CORTEXQL_LOG_LEVEL: 'warn', CORTEXQL_READER_RPM: '1000000' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /ready at (http:\/\/[^/\s]+\/)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
  return {
    url,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill('SIGTERM');
      }),
  };
}

export type Answer = { status: number; body: { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] } };

export function client(url: string) {
  return async (query: string): Promise<Answer> => {
    const res = await fetch(`${url}graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
    return { status: res.status, body: (await res.json()) as Answer['body'] };
  };
}


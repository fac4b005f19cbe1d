import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PACKAGE_ROOT } from '../services/paths.js';
import type { LoopReport } from './loopProbe.js';

export interface ChildServer {
  readonly url: string;
  stop(): Promise<number | null>;
  /** Main-thread stall figures of the server process since the last reset (bench/loopProbe.ts); null unless started with `loopProbe`. */
  readonly loop: { reset(): Promise<void>; report(): Promise<LoopReport> } | null;
}

/**
 * The production entry point (dist/server/main.js) in a child process, anonymous read on, no rate
 * limit. `loopProbe` preloads bench/loopProbe.js, read over IPC; HOSTILE_PROFILE=<dir> writes a
 * CPU profile of the server there (node --cpu-prof) when it stops; HOSTILE_NODE_ARGS adds flags to its node.
 */
export async function startChild(db: string, extraArgs: readonly string[] = [], options: { loopProbe?: boolean } = {}): Promise<ChildServer> {
  const nodeArgs = [
    ...(process.env.HOSTILE_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.HOSTILE_PROFILE] : []),
    // Extra V8/Node flags for the server (e.g. --trace-gc); its stdout then goes to this process's stderr.
    ...(process.env.HOSTILE_NODE_ARGS ? process.env.HOSTILE_NODE_ARGS.split(' ').filter(Boolean) : []),
    ...(options.loopProbe ? ['--import', pathToFileURL(join(PACKAGE_ROOT, 'dist', 'bench', 'loopProbe.js')).href] : []),
  ];
  const child = spawn(process.execPath, [...nodeArgs, join(PACKAGE_ROOT, 'dist', 'server', 'main.js'), '--db', db, '--port', '0', '--anonymous', 'reader', ...extraArgs], {
    env: { ...process.env, CORTEXQL_LOG_LEVEL: 'warn', CORTEXQL_READER_RPM: '1000000' },
    stdio: ['ignore', 'pipe', 'inherit', ...(options.loopProbe ? (['ipc'] as const) : [])],
  });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /ready at (http:\/\/[^/\s]+\/)/.exec(out);
      if (m) resolve(m[1]);
      if (process.env.HOSTILE_NODE_ARGS) process.stderr.write(d);
    });
    child.once('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
  const ask = <T>(message: string, kind: string, pick: (m: Record<string, unknown>) => T) =>
    new Promise<T>((resolve) => {
      const on = (m: unknown) => {
        if (m && typeof m === 'object' && (m as Record<string, unknown>).kind === kind) {
          child.off('message', on);
          resolve(pick(m as Record<string, unknown>));
        }
      };
      child.on('message', on);
      child.send(message);
    });
  return {
    url,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill('SIGTERM');
      }),
    loop: options.loopProbe
      ? {
          reset: () => ask('loop:reset', 'loop:reset', () => undefined),
          report: () => ask('loop:report', 'loop:report', (m) => m.report as LoopReport),
        }
      : null,
  };
}

export type Answer = { status: number; body: { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] } };

export function client(url: string) {
  return async (query: string): Promise<Answer> => {
    const res = await fetch(`${url}graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
    return { status: res.status, body: (await res.json()) as Answer['body'] };
  };
}

import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../services/paths.js';

/** The built server entry, what `npm start` runs. */
export const SERVER_MAIN = join(PACKAGE_ROOT, 'dist', 'server', 'main.js');

export interface ServerProcess {
  readonly child: ChildProcess;
  /** Without a trailing slash: `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly output: () => string;
}

/** Starts the built server as its own process and resolves once it says where it listens. */
export function startServerProcess(env: Record<string, string>, args: readonly string[] = []): Promise<ServerProcess> {
  const child = spawn(process.execPath, [SERVER_MAIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /ready at (http:\/\/\S+?)\/? /.exec(output);
      if (m) resolve({ child, url: m[1], output: () => output });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${output}`)));
  });
}

/** SIGTERM, and the exit status once it has shut down. */
export async function stopServerProcess(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  return exited;
}

import { readFileSync, rmSync, writeFileSync } from 'node:fs';

/**
 * Where a running server says who it is: `<warehouse>.server.json` beside the warehouse file,
 * holding its process id and URL. DuckDB lets one process write a file, so a command that finds
 * the warehouse locked by the process named here knows the server's URL and can go through its
 * API instead (cli/viaServer.ts). A file left by a crashed server is recognised by its pid, which
 * no longer holds the lock.
 */
export interface ServerFile {
  readonly pid: number;
  readonly url: string;
}

export function serverFilePath(warehouse: string): string {
  return `${warehouse}.server.json`;
}

export function writeServerFile(warehouse: string, url: string): void {
  writeFileSync(serverFilePath(warehouse), `${JSON.stringify({ pid: process.pid, url } satisfies ServerFile)}\n`);
}

/** The server file of this warehouse, or null when there is none (or it is not one). */
export function readServerFile(warehouse: string): ServerFile | null {
  try {
    const json = JSON.parse(readFileSync(serverFilePath(warehouse), 'utf8')) as Partial<ServerFile>;
    return typeof json.pid === 'number' && typeof json.url === 'string' ? { pid: json.pid, url: json.url } : null;
  } catch {
    return null;
  }
}

/** Removes the server file if this process wrote it. */
export function removeServerFile(warehouse: string): void {
  if (readServerFile(warehouse)?.pid === process.pid) rmSync(serverFilePath(warehouse), { force: true });
}

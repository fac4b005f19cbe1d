import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { ServerApi } from './ServerApi.js';

/**
 * Sends a local file or folder to the server (`POST /uploads`) and returns the reference a
 * mutation reads it by: `upload:<id>` for a file, `upload:<id>/<folder>` for a folder (sent as a
 * .tar, which the server unpacks safely, services/safeTar.ts).
 */
export async function uploadPath(api: ServerApi, path: string): Promise<string> {
  if (!statSync(path).isDirectory()) return api.upload(path);
  const tar = await import('tar');
  const tmp = mkdtempSync(join(tmpdir(), 'cortexql-upload-'));
  try {
    const file = join(tmp, `${basename(path)}.tar`);
    await tar.create({ file, cwd: dirname(path), portable: true }, [basename(path)]);
    return `${await api.upload(file)}/${basename(path)}`;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

import { createReadStream, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar';
import { importFailed, type Problem } from '../errors/CortexError.js';
import { shown } from '../formats/validation.js';

export interface TarLimits {
  /** Bytes all entries may unpack to together. */
  readonly maxBytes: number;
  /** Entries (files and folders). */
  readonly maxEntries: number;
}

/** Plain files and folders: every other entry type (links, devices, FIFOs) is refused. */
const ALLOWED = new Set(['File', 'OldFile', 'ContiguousFile', 'Directory']);

interface ListedEntry {
  readonly path: string;
  readonly type: string;
  readonly size: number;
}

/**
 * Unpacks a .tar (or .tar.gz) into `dest`, all or nothing: the archive is listed first and refused
 * whole (IMPORT_FAILED, every bad entry listed) if it is not a tar, is truncated or empty, or holds
 * a link (symbolic or hard), a device or FIFO, an absolute name, a name with a `..` segment, or
 * more than the limits allow. Only then is it unpacked — plain files and folders only, owners
 * not preserved — and the result checked again (no link anywhere under `dest`). `label` names the
 * archive in problems (never a server path). Returns the unpacked files, relative to `dest`.
 */
export async function extractTar(file: string, dest: string, label: string, limits: TarLimits): Promise<string[]> {
  const entries = await listTar(file, label);
  const problems: Problem[] = [];
  let bytes = 0;
  for (const e of entries) {
    const where = `${label}: ${shown(e.path)}`;
    if (!ALLOWED.has(e.type)) problems.push({ where, message: `${e.type} entries are refused (only plain files and folders are unpacked)` });
    if (isAbsolute(e.path) || /^[A-Za-z]:/.test(e.path)) problems.push({ where, message: 'absolute names are refused' });
    if (e.path.split(/[\\/]/).includes('..')) problems.push({ where, message: "names with a '..' segment are refused" });
    bytes += e.size;
  }
  if (entries.length === 0) problems.push({ where: label, message: 'the archive is empty' });
  if (entries.length > limits.maxEntries) problems.push({ where: label, message: `holds ${entries.length} entries, over the limit of ${limits.maxEntries}` });
  if (bytes > limits.maxBytes) problems.push({ where: label, message: `unpacks to ${bytes} bytes, over the limit of ${limits.maxBytes}` });
  if (problems.length) throw importFailed(problems);

  mkdirSync(dest, { recursive: true });
  try {
    await tar.x({
      file, cwd: dest, strict: true, preservePaths: false, preserveOwner: false, noChmod: true,
      filter: (path, entry) => 'type' in entry && ALLOWED.has(entry.type) && !path.split(/[\\/]/).includes('..'),
    });
  } catch {
    throw importFailed([{ where: label, message: 'could not be unpacked (a corrupt archive)' }]);
  }
  return checkUnpacked(dest, label);
}

async function listTar(file: string, label: string): Promise<ListedEntry[]> {
  const entries: ListedEntry[] = [];
  try {
    await tar.t({ file, strict: true, onReadEntry: (e) => void entries.push({ path: e.path, type: e.type, size: e.size ?? 0 }) });
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    const message = /Truncated|unexpected end|Z_BUF_ERROR/i.test(`${code} ${(error as Error).message}`)
      ? 'truncated (the archive ends inside an entry)'
      : entries.length === 0 ? 'not a tar archive' : 'corrupt tar archive';
    throw importFailed([{ where: label, message }]);
  }
  // node-tar accepts an archive cut at an entry boundary; POSIX archives end with zero blocks.
  if (entries.length > 0 && !(await endsWithZeroBlock(file))) throw importFailed([{ where: label, message: 'truncated (no end-of-archive marker)' }]);
  return entries;
}

/** Whether the (gunzipped) archive is a whole number of 512-byte blocks ending with a zero block. */
async function endsWithZeroBlock(file: string): Promise<boolean> {
  const head = await new Promise<Buffer>((resolve, reject) => {
    const s = createReadStream(file, { start: 0, end: 1 });
    const parts: Buffer[] = [];
    s.on('data', (c) => parts.push(c as Buffer)).on('end', () => resolve(Buffer.concat(parts))).on('error', reject);
  });
  const gzipped = head[0] === 0x1f && head[1] === 0x8b;
  let total = 0;
  let tail = Buffer.alloc(0);
  const stream = gzipped ? createReadStream(file).pipe(createGunzip()) : createReadStream(file);
  try {
    for await (const chunk of stream) {
      const c = chunk as Buffer;
      total += c.length;
      tail = Buffer.concat([tail, c]).subarray(-512);
    }
  } catch {
    return false;
  }
  return total % 512 === 0 && tail.length === 512 && tail.every((b) => b === 0);
}

/** Every path under `dest` is a plain file or folder (a second check, after unpacking). */
function checkUnpacked(dest: string, label: string): string[] {
  const files: string[] = [];
  const walk = (dir: string, rel: string) => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      const sub = rel ? `${rel}/${name}` : name;
      const stat = lstatSync(full);
      if (stat.isDirectory()) walk(full, sub);
      else if (stat.isFile()) files.push(sub);
      else throw importFailed([{ where: `${label}: ${shown(sub)}`, message: 'only plain files and folders are unpacked' }]);
    }
  };
  walk(dest, '');
  return files.sort();
}

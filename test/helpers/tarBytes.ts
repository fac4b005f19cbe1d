import { Header } from 'tar';

/** One entry of a hand-made archive: any name and type, including those cortexql must refuse. */
export interface TarEntrySpec {
  readonly path: string;
  readonly type?: 'File' | 'Directory' | 'SymbolicLink' | 'Link' | 'FIFO' | 'CharacterDevice';
  readonly body?: Uint8Array | string;
  readonly linkpath?: string;
}

/**
 * A POSIX tar archive built entry by entry with node-tar's own header encoder — so tests can make
 * what no well-behaved packer writes: `..` and absolute names, links out, devices, FIFOs.
 */
export function tarBytes(entries: readonly TarEntrySpec[], options: { end?: boolean } = {}): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const body = e.body === undefined ? Buffer.alloc(0) : Buffer.from(e.body);
    const type = e.type ?? 'File';
    const header = new Header({ path: e.path, type, size: type === 'File' ? body.length : 0, linkpath: e.linkpath, mode: type === 'Directory' ? 0o755 : 0o644, mtime: new Date(0), uid: 0, gid: 0 });
    const block = Buffer.alloc(512);
    header.encode(block, 0);
    parts.push(block);
    if (type === 'File' && body.length > 0) parts.push(body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  if (options.end ?? true) parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

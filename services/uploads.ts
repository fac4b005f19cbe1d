import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { badInput, CortexError } from '../errors/CortexError.js';
import { extractTar } from './safeTar.js';

/**
 * Files sent by remote clients instead of server-side paths (`POST /uploads`, server/uploadRoutes.ts).
 * Each upload lives in a server-owned staging folder, `<dir>/<id>/`: its bytes under `data/`
 * (a `.tar`/`.tar.gz`/`.tgz` is unpacked there — links, absolute and `..` entries refused — and
 * the archive dropped), and `meta.json`. A mutation names it `upload:<id>` (the file, or the
 * folder an archive unpacked to) or `upload:<id>/<path inside>`; only the key that uploaded it
 * can. Uploads expire after `ttlMs` unless an artifact registered from them keeps them (pinned).
 */
export interface UploadOptions {
  readonly dir: string;
  /** Bytes one upload may have (and an archive may unpack to). */
  readonly maxBytes: number;
  /** How long an unused upload is kept. */
  readonly ttlMs: number;
  /** Bytes one key's live uploads may hold together (default 4 × maxBytes). */
  readonly quotaBytes?: number;
}

export interface UploadMeta {
  readonly id: string;
  readonly name: string;
  /** The key that uploaded it (null: anonymous access). */
  readonly owner: string | null;
  readonly bytes: number;
  readonly sha256: string;
  readonly kind: 'file' | 'archive';
  readonly created: string;
  readonly expiresAt: string | null;
  /** Files of an unpacked archive (the first 1000), relative to the upload. */
  readonly files?: readonly string[];
}

export const UPLOAD_PREFIX = 'upload:';
const ID = /^upl_[0-9a-f]{32}$/;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;
const ARCHIVE = /\.(tar|tar\.gz|tgz)$/i;

export class UploadStore {
  private lastSweep = 0;

  constructor(readonly options: UploadOptions) {
    mkdirSync(options.dir, { recursive: true });
  }

  /**
   * Streams a request body into a new upload, hashing it on the way; more than `maxBytes` stops
   * the transfer (PAYLOAD_TOO_LARGE) and keeps nothing. An archive is unpacked, or refused whole
   * (IMPORT_FAILED) and nothing kept.
   */
  async receive(body: Readable, name: string, owner: string | null, now = Date.now()): Promise<UploadMeta> {
    this.sweep(now);
    if (!NAME.test(name)) throw badInput(`upload name must be 1–200 letters, digits, '.', '_' or '-', not starting with '.' or '-' (e.g. features.npy, bundle.tar)`, { field: 'name' });
    const id = `upl_${randomBytes(16).toString('hex')}`;
    const folder = join(this.options.dir, id);
    const data = join(folder, 'data');
    mkdirSync(data, { recursive: true });
    try {
      const hash = createHash('sha256');
      let bytes = 0;
      const quota = this.options.quotaBytes ?? 4 * this.options.maxBytes;
      const used = this.usedBy(owner, now);
      if (used >= quota) throw new CortexError('PAYLOAD_TOO_LARGE', `your uploads hold ${used} bytes, the quota of ${quota} (CORTEXQL_UPLOAD_QUOTA_BYTES): delete some (DELETE /uploads/<id>) or let them expire`, { limit: quota });
      const max = Math.min(this.options.maxBytes, quota - used);
      const part = join(folder, 'upload.part');
      await pipeline(
        body,
        new Transform({
          transform(chunk: Buffer, _enc, done) {
            bytes += chunk.length;
            if (bytes > max) return done(new CortexError('PAYLOAD_TOO_LARGE', `upload exceeds the limit of ${max} bytes (CORTEXQL_MAX_UPLOAD_BYTES, or what is left of your quota)`, { limit: max }));
            hash.update(chunk);
            done(null, chunk);
          },
        }),
        createWriteStream(part, { flags: 'wx', mode: 0o600 }),
      );
      const kind = ARCHIVE.test(name) ? 'archive' : 'file';
      let files: string[] | undefined;
      if (kind === 'archive') {
        files = await extractTar(part, data, name, { maxBytes: max, maxEntries: 100_000 });
        rmSync(part);
      } else {
        renameSync(part, join(data, name));
      }
      const meta: UploadMeta = {
        id, name, owner, bytes, sha256: hash.digest('hex'), kind, created: new Date(now).toISOString(),
        expiresAt: new Date(now + this.options.ttlMs).toISOString(), ...(files ? { files: files.slice(0, 1000) } : {}),
      };
      writeFileSync(join(folder, 'meta.json'), JSON.stringify(meta));
      return meta;
    } catch (error) {
      rmSync(folder, { recursive: true, force: true });
      throw error;
    }
  }

  /** The upload `id` if `owner` may use it and it has not expired. */
  meta(id: string, owner: string | null, now = Date.now()): UploadMeta | null {
    if (!ID.test(id)) return null;
    let meta: UploadMeta;
    try {
      meta = JSON.parse(readFileSync(join(this.options.dir, id, 'meta.json'), 'utf8')) as UploadMeta;
    } catch {
      return null;
    }
    if (meta.owner !== owner) return null;
    if (meta.expiresAt !== null && Date.parse(meta.expiresAt) <= now) return null;
    return meta;
  }

  /** Where `upload:<id>` points: the uploaded file, or the folder an archive unpacked to. */
  contentPath(meta: UploadMeta): string {
    return meta.kind === 'file' ? join(this.options.dir, meta.id, 'data', meta.name) : join(this.options.dir, meta.id, 'data');
  }

  /** The folder `upload:<id>/…` paths resolve in. */
  dataDir(id: string): string {
    return join(this.options.dir, id, 'data');
  }

  /** `upload:<id>/<path>` for a file stored in an upload, or null when `real` is not in one. */
  refOf(real: string): string | null {
    const rel = relative(this.options.dir, real);
    if (rel.startsWith('..') || rel === '' || rel.includes(`..${sep}`)) return null;
    const [id, data, ...rest] = rel.split(sep);
    if (!ID.test(id) || data !== 'data') return null;
    return `${UPLOAD_PREFIX}${[id, ...rest].join('/')}`;
  }

  /** Keeps an upload for good: an artifact registered from it (an ONNX file, a tokenizer) is read later. */
  pin(real: string): void {
    const ref = this.refOf(real);
    if (ref === null) return;
    const id = ref.slice(UPLOAD_PREFIX.length).split('/')[0];
    const file = join(this.options.dir, id, 'meta.json');
    const meta = JSON.parse(readFileSync(file, 'utf8')) as UploadMeta;
    if (meta.expiresAt !== null) writeFileSync(file, JSON.stringify({ ...meta, expiresAt: null }));
  }

  /** Bytes of the live, unpinned uploads of `owner`. */
  private usedBy(owner: string | null, now: number): number {
    let used = 0;
    for (const id of readdirSync(this.options.dir)) {
      const meta = this.meta(id, owner, now);
      if (meta && meta.expiresAt !== null) used += meta.bytes;
    }
    return used;
  }

  /** Removes an upload of `owner` (false: none such). */
  remove(id: string, owner: string | null): boolean {
    const meta = this.meta(id, owner);
    if (!meta) return false;
    rmSync(join(this.options.dir, id), { recursive: true, force: true });
    return true;
  }

  /** Removes expired uploads and abandoned transfers (at most once a minute). */
  sweep(now = Date.now()): void {
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    for (const id of readdirSync(this.options.dir)) {
      const folder = join(this.options.dir, id);
      let expired: boolean;
      try {
        const meta = JSON.parse(readFileSync(join(folder, 'meta.json'), 'utf8')) as UploadMeta;
        expired = meta.expiresAt !== null && Date.parse(meta.expiresAt) <= now;
      } catch {
        // No meta.json: a transfer in progress, or one a crash abandoned (older than the TTL).
        expired = existsSync(folder) && statSync(folder).mtimeMs + this.options.ttlMs <= now;
      }
      if (expired) rmSync(folder, { recursive: true, force: true });
    }
  }
}

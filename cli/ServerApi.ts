import { createWriteStream } from 'node:fs';
import { readFile, rename, rm } from 'node:fs/promises';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CortexError } from '../errors/CortexError.js';
import { isErrorCode } from '../errors/errorCodes.js';

/**
 * A running cortexql server's public API as the CLI uses it when the server holds the warehouse
 * (DuckDB allows one writer process): GraphQL, uploads and bundle downloads, with an API key.
 * Errors come back as the CortexError the server answered (its code and message), so the CLI
 * prints `error [CODE]: message` as for local work.
 */
export class ServerApi {
  readonly url: string;
  constructor(url: string, private readonly key: string | null) {
    this.url = url.endsWith('/') ? url : `${url}/`;
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { ...(this.key ? { authorization: `Bearer ${this.key}` } : {}), ...extra };
  }

  private async send(path: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(new URL(path, this.url), init);
    } catch (error) {
      throw new CortexError('UNAVAILABLE', `cannot reach the cortexql server at ${this.url}: ${(error as Error).cause ?? (error as Error).message}`);
    }
  }

  /** Runs one GraphQL operation; the first error of the answer is thrown with its code. */
  async graphql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const res = await this.send('graphql', { method: 'POST', headers: this.headers({ 'content-type': 'application/json' }), body: JSON.stringify({ query, variables }) });
    const body = await answer(res);
    if (body.errors?.length) throw serverError(body.errors[0]);
    return body.data as T;
  }

  /** `POST /uploads`: sends a local file and returns its `upload:<id>` reference. */
  async upload(file: string): Promise<string> {
    const res = await this.send(`uploads?name=${encodeURIComponent(basename(file))}`, {
      method: 'POST', headers: this.headers({ 'content-type': 'application/octet-stream' }), body: await readFile(file),
    });
    const body = await answer(res);
    if (body.errors?.length) throw serverError(body.errors[0]);
    return (body as unknown as { ref: string }).ref;
  }

  /**
   * Downloads a server path (a bundle's `downloadPath`) into a local file. A GET changes nothing,
   * so a connection lost mid-body is tried again (twice) before it is reported. The body goes to
   * `<file>.part`, renamed once complete: `file` is never seen half-written, and when it is the
   * very file the server is sending (the CLI beside the server, `--out` its export folder), the
   * server goes on reading the old one instead of a file truncated under it.
   */
  async download(path: string, file: string): Promise<void> {
    const part = `${file}.part`;
    try {
      for (let attempt = 1; ; attempt++) {
        const res = await this.send(path.replace(/^\//, ''), { headers: this.headers() });
        if (!res.ok || !res.body) {
          const body = await answer(res);
          throw serverError(body.errors?.[0] ?? { message: `download of ${path} failed (HTTP ${res.status})` });
        }
        try {
          await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), createWriteStream(part));
          await rename(part, file);
          return;
        } catch (error) {
          if (attempt === 3) throw lostConnection(this.url, error);
        }
      }
    } finally {
      await rm(part, { force: true });
    }
  }
}

interface GraphQLAnswer {
  data?: unknown;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/** A connection that closed while an answer was read: the server went away, never a bug here. */
function lostConnection(url: string, error: unknown): CortexError {
  const cause = (error as Error).cause ?? (error as Error).message;
  return new CortexError('UNAVAILABLE', `the connection to the cortexql server at ${url} closed while its answer was read (${String(cause)}); try again`);
}

async function answer(res: Response): Promise<GraphQLAnswer> {
  let text: string;
  try {
    text = await res.text();
  } catch (error) {
    throw lostConnection(res.url, error);
  }
  try {
    return JSON.parse(text) as GraphQLAnswer;
  } catch {
    throw new CortexError('UNAVAILABLE', `the server answered HTTP ${res.status} without a JSON body`, { status: res.status });
  }
}

function serverError(error: { message: string; extensions?: Record<string, unknown> }): CortexError {
  const { code, ...details } = error.extensions ?? {};
  return new CortexError(isErrorCode(code) ? code : 'INTERNAL', error.message, details as never);
}

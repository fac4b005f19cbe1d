import { CortexError, isCortexError } from '../../errors/CortexError.js';
import type { ErrorBody } from '../../errors/errorCodes.js';
import {
  decodeMessage, encodeMessage, OCTET_STREAM,
  type JobFailureMessage, type JobInputsMessage, type JobProgressMessage, type JobResultsMessage,
} from './jobWire.js';

/** What claiming a job got: its inputs; `gone` (finished or cancelled meanwhile: nothing to do); `failed` (its inputs cannot be loaded: the server failed it). */
export type JobClaim =
  | { readonly kind: 'inputs'; readonly message: JobInputsMessage }
  | { readonly kind: 'gone'; readonly reason: string }
  | { readonly kind: 'failed'; readonly error: string };

const SMALL_MS = 30_000;
const BULK_MS = 10 * 60_000;

/**
 * The worker's side of the server's internal job routes (server/jobRoutes.ts), authenticated with
 * a writer key. Network failures and 5xx answers are transient errors (BullMQ retries the job);
 * results are re-sent a few times first, since computing them again is the expensive part.
 */
export class JobClient {
  private readonly base: string;

  constructor(serverUrl: string, private readonly apiKey: string | null) {
    this.base = new URL('internal/jobs/', serverUrl.endsWith('/') ? serverUrl : `${serverUrl}/`).href;
  }

  /** Checks that the server is reachable, takes the key, and hands jobs to remote workers. */
  async hello(): Promise<void> {
    const res = await this.request('GET', '', SMALL_MS);
    if (res.status === 401 || res.status === 403) throw new CortexError('BAD_USER_INPUT', `the server refused the API key (${res.status}): ${await reason(res)}`);
    if (!res.ok) throw new CortexError('BAD_USER_INPUT', `${this.base} answered ${res.status}: ${await reason(res)}`);
    const body = (await res.json()) as { remote?: boolean };
    if (!body.remote) throw new CortexError('BAD_USER_INPUT', 'the server runs its jobs in-process: start it with CORTEXQL_REDIS_URL (or REDIS_URL) set');
  }

  /** Claims a job: the server marks it RUNNING (one more attempt) and sends its inputs. */
  async claim(id: string): Promise<JobClaim> {
    const res = await this.request('GET', `${encodeURIComponent(id)}/inputs`, BULK_MS);
    if (res.ok) return { kind: 'inputs', message: decodeMessage(new Uint8Array(await res.arrayBuffer())) as JobInputsMessage };
    if (res.status === 404 || res.status === 409) return { kind: 'gone', reason: await reason(res) };
    if (res.status === 422) return { kind: 'failed', error: await reason(res) };
    throw await httpError(res);
  }

  /** Reports progress; false when the server no longer wants the job (cancelled or finished). */
  async progress(id: string, message: JobProgressMessage): Promise<boolean> {
    const res = await this.request('POST', `${encodeURIComponent(id)}/progress`, SMALL_MS, JSON.stringify(message), 'application/json');
    if (res.ok) return true;
    if (res.status === 404 || res.status === 409) return false;
    throw await httpError(res);
  }

  /** Sends results; true when written, false when refused (the job was cancelled or finished meanwhile). */
  async results(id: string, message: JobResultsMessage, tries = 4): Promise<boolean> {
    const body = encodeMessage(message);
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await this.request('POST', `${encodeURIComponent(id)}/results`, BULK_MS, body, OCTET_STREAM);
        if (res.ok) return true;
        if (res.status === 404 || res.status === 409) return false;
        throw await httpError(res);
      } catch (error) {
        if (!isCortexError(error, 'UNAVAILABLE') || attempt >= tries) throw error;
        await new Promise((r) => setTimeout(r, 500 * 2 ** (attempt - 1)));
      }
    }
  }

  async failure(id: string, message: JobFailureMessage): Promise<void> {
    const res = await this.request('POST', `${encodeURIComponent(id)}/failure`, SMALL_MS, JSON.stringify(message), 'application/json');
    if (!res.ok && res.status !== 404 && res.status !== 409) throw await httpError(res);
  }

  private async request(method: 'GET' | 'POST', path: string, timeoutMs: number, body?: string | Uint8Array, type?: string): Promise<Response> {
    const headers: Record<string, string> = {};
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
    if (type) headers['content-type'] = type;
    try {
      return await fetch(this.base + path, { method, headers, body, signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      throw new CortexError('UNAVAILABLE', `${method} ${this.base}${path} failed: ${(error as Error).message}`, {}, { cause: error });
    }
  }
}

async function reason(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  try {
    return (JSON.parse(text) as Partial<ErrorBody>).errors?.[0]?.message ?? text;
  } catch {
    return text || res.statusText;
  }
}

/**
 * 5xx (and a refused key, which an operator may be fixing) is UNAVAILABLE: the server may be
 * restarting, and BullMQ retries. Anything else unexpected is INTERNAL and not retried.
 */
async function httpError(res: Response): Promise<CortexError> {
  const message = `server answered ${res.status}: ${await reason(res)}`;
  if (res.status >= 500 || res.status === 401 || res.status === 403) return new CortexError('UNAVAILABLE', message, { status: res.status });
  return new CortexError('INTERNAL', message, { status: res.status });
}

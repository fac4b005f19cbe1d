import express, { type NextFunction, type Request, type Response } from 'express';
import { isCortexError } from '../errors/CortexError.js';
import { isFinalError } from '../services/jobs/jobIO.js';
import { checkResultsMessage, decodeMessage, encodeMessage, OCTET_STREAM, type JobFailureMessage, type JobProgressMessage } from '../services/jobs/jobWire.js';
import type { Scheduler } from '../services/jobs/Scheduler.js';
import type { Warehouse } from '../warehouse/Warehouse.js';
import { authenticate, hasRole, type AuthConfig } from './auth.js';
import { sendError } from './httpErrors.js';

/** Largest results body taken (a job's voxel scores); inputs are sent, not received, so they have no limit here. */
const RESULTS_LIMIT = '1gb';

/**
 * The server's side of remote computation (services/jobs/remoteWorker.ts): `cortexql worker`
 * processes claim a job and fetch its inputs, report progress, and send results or a failure.
 * Only this process writes (DuckDB has one writer), each job's cells in one transaction, so a
 * worker that dies mid-job leaves nothing half-written. Writer role required.
 *
 *   GET  /internal/jobs                  → { remote }                      (a worker's start-up check)
 *   GET  /internal/jobs/:id/inputs       → v8-serialized { spec, attempt, request }   409 not wanted, 422 JOB_FAILED
 *   POST /internal/jobs/:id/progress     ← JSON { done, total, device? }   204, 409 when cancelled or finished
 *   POST /internal/jobs/:id/results      ← v8-serialized { worker, result } 204 written, 409 refused, 400 malformed
 *   POST /internal/jobs/:id/failure      ← JSON { message, final }         204
 *
 * Refusals answer in the one error body shape, `{ errors: [{ message, extensions: { code } }] }`,
 * with the code's status from errors/errorCodes.ts.
 */
export function mountJobRoutes(app: express.Express, wh: Warehouse, scheduler: Scheduler, auth: AuthConfig): void {
  const router = express.Router();
  router.use(requireWriter(wh, auth));

  router.get('/', (_req, res) => {
    res.json({ remote: scheduler.remote });
  });

  router.get('/:id/inputs', async (req, res) => {
    const id = req.params.id;
    if (!scheduler.remote) return sendError(res, 'CONFLICT', 'this server runs its jobs in-process');
    const job = await scheduler.begin(id);
    if (!job) return sendError(res, 'CONFLICT', `job '${id}' is unknown, finished or cancelled`);
    try {
      const { request } = await scheduler.inputs(job);
      res.type(OCTET_STREAM).send(encodeMessage({ spec: job.spec, attempt: job.attempt, request }));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // Missing data cannot be fixed by trying again: the job fails now, as it would in-process.
      if (isFinalError(error)) {
        await scheduler.settle(id, { kind: 'failed', error: message });
        return sendError(res, 'JOB_FAILED', message, { cause: isCortexError(error) ? error.code : 'INTERNAL' });
      }
      await scheduler.settle(id, { kind: 'retrying', error: message });
      throw error;
    }
  });

  router.post('/:id/progress', express.json(), async (req, res) => {
    const m = req.body as Partial<JobProgressMessage>;
    if (!isCount(m.done) || !isCount(m.total) || (m.device !== undefined && typeof m.device !== 'string')) {
      return sendError(res, 'BAD_USER_INPUT', 'progress must be { done, total, device? } with whole numbers');
    }
    if (!(await scheduler.progress(req.params.id, m.done, m.total, m.device?.slice(0, 200)))) return sendError(res, 'CONFLICT', 'the job was cancelled or finished');
    res.status(204).end();
  });

  router.post('/:id/results', express.raw({ type: OCTET_STREAM, limit: RESULTS_LIMIT }), async (req, res) => {
    const id = req.params.id;
    let job;
    try {
      job = await scheduler.job(id);
    } catch {
      return sendError(res, 'NOT_FOUND', `job '${id}' does not exist`);
    }
    if (!Buffer.isBuffer(req.body) || req.body.length === 0) return sendError(res, 'BAD_USER_INPUT', `results must be an ${OCTET_STREAM} body`);
    let message;
    try {
      message = checkResultsMessage(JSON.parse(job.specJson), decodeMessage(req.body));
    } catch (error) {
      const text = `results from a worker were refused: ${error instanceof Error ? error.message : String(error)}`;
      await scheduler.settle(id, { kind: 'failed', error: text });
      return sendError(res, 'BAD_USER_INPUT', text);
    }
    if (!(await scheduler.complete(id, message.result))) return sendError(res, 'CONFLICT', 'the job was cancelled or finished');
    res.status(204).end();
  });

  router.post('/:id/failure', express.json(), async (req, res) => {
    const m = req.body as Partial<JobFailureMessage>;
    if (typeof m.message !== 'string' || typeof m.final !== 'boolean') return sendError(res, 'BAD_USER_INPUT', 'failure must be { message, final }');
    const error = m.message.slice(0, 2000);
    await scheduler.settle(req.params.id, m.final ? { kind: 'failed', error } : { kind: 'retrying', error });
    res.status(204).end();
  });

  app.use('/internal/jobs', router);
}

function requireWriter(wh: Warehouse, auth: AuthConfig) {
  return async (req: Request, res: Response, next: NextFunction) => {
    let principal;
    try {
      principal = await authenticate(req, wh, auth);
    } catch {
      return sendError(res, 'UNAUTHENTICATED', 'invalid or revoked API key');
    }
    if (hasRole(principal.role, 'writer')) return next();
    if (principal.keyId === null) return sendError(res, 'UNAUTHENTICATED', 'an API key with the writer role is needed');
    sendError(res, 'FORBIDDEN', `this key's role is ${principal.role}; the writer role is needed`);
  };
}

const isCount = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;

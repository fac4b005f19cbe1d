import type express from 'express';
import type { GraphQLError } from 'graphql';
import { isCortexError } from '../errors/CortexError.js';
import { isErrorCode, type ErrorCode } from '../errors/errorCodes.js';
import { UPLOAD_PREFIX, type UploadStore } from '../services/uploads.js';
import type { Warehouse } from '../warehouse/Warehouse.js';
import { authenticate, hasRole, type AuthConfig } from './auth.js';
import { sendError } from './httpErrors.js';

/**
 * `POST /uploads?name=<file name>` — a writer sends a file's bytes (`Content-Type:
 * application/octet-stream`, the raw body, no Content-Encoding) and gets `201 { id, ref, name,
 * bytes, sha256, expiresAt, files? }`; mutations take `ref` (`upload:<id>`) wherever they take a
 * server path. A `.tar`, `.tar.gz` or `.tgz` is unpacked (links, absolute and `..` entries
 * refuse it whole) and `files` lists what it held: `upload:<id>/<file>` names one. Only the
 * uploading key sees an upload; it expires after CORTEXQL_UPLOAD_TTL_SECONDS unless an artifact
 * registered from it keeps it. `DELETE /uploads/<id>` removes one early (204).
 *
 * Requiring application/octet-stream keeps browsers from sending uploads cross-site without a
 * CORS preflight (it is not a "simple" content type), as Apollo's CSRF prevention does for /graphql.
 */
export function mountUploadRoutes(app: express.Express, wh: Warehouse, store: UploadStore, auth: AuthConfig, log: (e: unknown) => void): void {
  const writer = async (req: express.Request, res: express.Response): Promise<{ keyId: string | null } | null> => {
    let principal;
    try {
      principal = await authenticate(req, wh, auth);
    } catch (error) {
      sendError(res, 'UNAUTHENTICATED', (error as GraphQLError).message);
      return null;
    }
    if (!hasRole(principal.role, 'writer')) {
      if (principal.role === null) sendError(res, 'UNAUTHENTICATED', 'uploads need a writer API key');
      else sendError(res, 'FORBIDDEN', 'uploads need the writer role');
      return null;
    }
    return { keyId: principal.keyId };
  };

  app.post('/uploads', async (req, res) => {
    // Refused before the body is read: the connection closes instead of draining it.
    const refuse = (code: ErrorCode, message: string, extensions: Record<string, unknown> = {}) => {
      res.setHeader('connection', 'close');
      sendError(res, code, message, extensions);
    };
    try {
      const who = await writer(req, res);
      if (!who) return;
      const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
      if (type !== 'application/octet-stream') return refuse('UNSUPPORTED_MEDIA_TYPE', 'send the file as the raw body with Content-Type: application/octet-stream');
      const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
      if (encoding !== 'identity') return refuse('UNSUPPORTED_MEDIA_TYPE', 'uploads take no Content-Encoding (compress as .tar.gz instead)');
      const length = Number(req.headers['content-length'] ?? NaN);
      if (Number.isFinite(length) && length > store.options.maxBytes) {
        return refuse('PAYLOAD_TOO_LARGE', `upload of ${length} bytes exceeds the limit of ${store.options.maxBytes} bytes (CORTEXQL_MAX_UPLOAD_BYTES)`, { limit: store.options.maxBytes });
      }
      const name = typeof req.query.name === 'string' ? req.query.name : 'upload.bin';
      const meta = await store.receive(req, name, who.keyId);
      const { owner: _owner, ...shown } = meta;
      res.status(201).json({ ...shown, ref: `${UPLOAD_PREFIX}${meta.id}` });
    } catch (error) {
      if (res.headersSent) return void res.end();
      if (isCortexError(error) && isErrorCode(error.code)) return refuse(error.code, error.message, { ...error.details });
      if ((error as { code?: string }).code === 'ERR_STREAM_PREMATURE_CLOSE' || (error as { code?: string }).code === 'ECONNRESET') return refuse('BAD_REQUEST', 'the upload was cut short');
      log(error);
      refuse('INTERNAL_SERVER_ERROR', 'Internal server error');
    }
  });

  app.delete('/uploads/:id', async (req, res) => {
    const who = await writer(req, res);
    if (!who) return;
    if (!store.remove(req.params.id, who.keyId)) return sendError(res, 'NOT_FOUND', 'no such upload of yours (unknown, expired, or another key’s)', { what: 'upload' });
    res.status(204).end();
  });
}

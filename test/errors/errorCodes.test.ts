import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CortexError, isCortexError } from '../../errors/CortexError.js';
import { ERROR_CODES, errorBody, httpStatus, isErrorCode } from '../../errors/errorCodes.js';
import { errorCodeTable, readmeErrorCodeTable } from '../../scripts/errorCodeTable.js';
import { PACKAGE_ROOT } from '../../services/paths.js';

describe('the error-code registry', () => {
  it('is the table in the README (run `npm run docs:errors` to refresh it)', () => {
    const readme = readFileSync(join(PACKAGE_ROOT, 'README.md'), 'utf8');
    expect(readmeErrorCodeTable(readme)).toBe(errorCodeTable());
  });

  it('gives every code an HTTP status and a meaning', () => {
    for (const [code, { status, meaning }] of Object.entries(ERROR_CODES)) {
      expect([code, status >= 200 && status < 600]).toEqual([code, true]);
      expect(meaning.length).toBeGreaterThan(20);
    }
    expect(httpStatus('RATE_LIMITED')).toBe(429);
    expect([isErrorCode('NOT_FOUND'), isErrorCode('toString'), isErrorCode(404)]).toEqual([true, false, false]);
  });

  it('shapes every error body alike, with the code in extensions', () => {
    expect(errorBody('CONFLICT', 'the job was cancelled or finished', { jobId: 'job_1' })).toEqual({
      errors: [{ message: 'the job was cancelled or finished', extensions: { jobId: 'job_1', code: 'CONFLICT' } }],
    });
  });

  it('types the details that control flow reads, and narrows by code', () => {
    const error: unknown = new CortexError('UNAVAILABLE', 'server answered 503: restarting', { status: 503 });
    expect(isCortexError(error, 'UNAVAILABLE') && error.details.status).toBe(503);
    expect(isCortexError(error, 'CANCELLED')).toBe(false);
    expect(new CortexError('JOB_FAILED', 'no features', { cause: 'NOT_FOUND' }).toJSON()).toEqual({ code: 'JOB_FAILED', message: 'no features', details: { cause: 'NOT_FOUND' } });
  });
});

/**
 * The one error type of cortexql. Every layer throws it; the API layer turns it into a
 * GraphQLError whose `extensions.code` is `code`, so clients can branch on the code and never
 * see a stack trace. Codes, their HTTP statuses and meanings are the table in errorCodes.ts.
 *
 * Modelled on graphql-js `GraphQLError`: readonly fields, machine-readable data in `details`,
 * and `toJSON` for logs and CLI output.
 */
import type { ErrorCode } from './errorCodes.js';

/** One problem found while validating input; imports collect all of them before failing. */
export interface Problem {
  /** Where: a file path, optionally with a JSON path (`file.json: results.piqa.acc`). */
  readonly where: string;
  readonly message: string;
}

/**
 * Details of the codes whose details code reads (rather than only passing them to clients):
 * typed, so control flow never rides on an untyped flag. Other codes carry free-form data that
 * becomes the GraphQL error's extensions.
 */
export interface ErrorDetailsByCode {
  readonly IMPORT_FAILED: { readonly problems: readonly Problem[]; readonly problemCount: number };
  readonly WAREHOUSE_LOCKED: { readonly path: string; readonly pid: number };
  /** `status`: the HTTP status of the answer that failed, when there was one. */
  readonly UNAVAILABLE: { readonly status?: number };
  readonly CANCELLED: Readonly<Record<string, never>>;
  /** `cause`: the code of the error that made the job's inputs unloadable. */
  readonly JOB_FAILED: { readonly cause: ErrorCode };
}

export type ErrorDetails<C extends ErrorCode> = C extends keyof ErrorDetailsByCode ? ErrorDetailsByCode[C] : Readonly<Record<string, unknown>>;

export class CortexError<C extends ErrorCode = ErrorCode> extends Error {
  readonly code: C;
  readonly details: ErrorDetails<C>;

  constructor(code: C, message: string, details?: ErrorDetails<C>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CortexError';
    this.code = code;
    this.details = Object.freeze({ ...details }) as ErrorDetails<C>;
  }

  toJSON(): { code: C; message: string; details: ErrorDetails<C> } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

export function badInput(message: string, details: Record<string, unknown> = {}): CortexError<'BAD_USER_INPUT'> {
  return new CortexError('BAD_USER_INPUT', message, details);
}

/** Ids are echoed at most this long in messages (a 10 MB id is not sent back). */
const SHOWN_ID = 80;

export function notFound(what: string, id: string | number): CortexError<'NOT_FOUND'> {
  const text = String(id);
  const shown = text.length > SHOWN_ID ? `${text.slice(0, SHOWN_ID)}… (${text.length} characters)` : text;
  return new CortexError('NOT_FOUND', `${what} '${shown}' does not exist`, { what, id: typeof id === 'number' ? id : shown });
}

export function degenerate(message: string, details: Record<string, unknown> = {}): CortexError<'DEGENERATE_INPUT'> {
  return new CortexError('DEGENERATE_INPUT', message, details);
}

/** An import that found problems: lists every one of them (up to `limit`) and wrote nothing. */
export function importFailed(problems: readonly Problem[], limit = 50): CortexError<'IMPORT_FAILED'> {
  const shown = problems.slice(0, limit);
  const head = shown.map((p) => `${p.where}: ${p.message}`).join('; ');
  const more = problems.length > limit ? ` (and ${problems.length - limit} more)` : '';
  return new CortexError('IMPORT_FAILED', `import failed, nothing was written: ${head}${more}`, {
    problems: shown,
    problemCount: problems.length,
  });
}

/** Whether `e` is a CortexError (of `code`, when given). */
export function isCortexError<C extends ErrorCode = ErrorCode>(e: unknown, code?: C): e is CortexError<C> {
  return e instanceof CortexError && (code === undefined || e.code === code);
}

/**
 * The one error type of cortexql. Every layer throws it; the API layer turns it into a
 * GraphQLError whose `extensions.code` is `code`, so clients can branch on the code and never
 * see a stack trace.
 *
 * Modelled on graphql-js `GraphQLError`: readonly fields, machine-readable data in `details`,
 * and `toJSON` for logs and CLI output.
 */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'COST_LIMIT'
  | 'DEPTH_LIMIT'
  | 'IMPORT_FAILED'
  | 'IMPORT_CONFLICT'
  | 'WAREHOUSE_LOCKED'
  | 'WAREHOUSE_ERROR'
  | 'DEGENERATE_INPUT'
  | 'DEADLINE_EXCEEDED'
  | 'REQUEST_CANCELLED'
  | 'SERVER_BUSY'
  | 'INTERNAL';

/** One problem found while validating input; imports collect all of them before failing. */
export interface Problem {
  /** Where: a file path, optionally with a JSON path (`file.json: results.piqa.acc`). */
  readonly where: string;
  readonly message: string;
}

export class CortexError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CortexError';
    this.code = code;
    this.details = Object.freeze({ ...details });
  }

  toJSON(): { code: ErrorCode; message: string; details: Readonly<Record<string, unknown>> } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

export function badInput(message: string, details: Record<string, unknown> = {}): CortexError {
  return new CortexError('BAD_USER_INPUT', message, details);
}

/** Ids are echoed at most this long in messages (a 10 MB id is not sent back). */
const SHOWN_ID = 80;

export function notFound(what: string, id: string | number): CortexError {
  const text = String(id);
  const shown = text.length > SHOWN_ID ? `${text.slice(0, SHOWN_ID)}… (${text.length} characters)` : text;
  return new CortexError('NOT_FOUND', `${what} '${shown}' does not exist`, { what, id: typeof id === 'number' ? id : shown });
}

export function degenerate(message: string, details: Record<string, unknown> = {}): CortexError {
  return new CortexError('DEGENERATE_INPUT', message, details);
}

/** An import that found problems: lists every one of them (up to `limit`) and wrote nothing. */
export function importFailed(problems: readonly Problem[], limit = 50): CortexError {
  const shown = problems.slice(0, limit);
  const head = shown.map((p) => `${p.where}: ${p.message}`).join('; ');
  const more = problems.length > limit ? ` (and ${problems.length - limit} more)` : '';
  return new CortexError('IMPORT_FAILED', `import failed, nothing was written: ${head}${more}`, {
    problems: shown,
    problemCount: problems.length,
  });
}

export function isCortexError(e: unknown): e is CortexError {
  return e instanceof CortexError;
}

/**
 * Every error code a client (or a `cortexql worker`) can receive, with the HTTP status of a
 * response that the error ends and what it means: the one table of codes. CortexErrors, the
 * HTTP routes and the GraphQL plugins all take their codes and statuses from here, and the
 * README's table of error codes is this table (test/errors/errorCodes.test.ts keeps it so).
 *
 * HTTP status: the status of a response the error ends — a REST route's answer, or a GraphQL
 * request refused before execution (authentication, rate, depth, cost, parse, validation).
 * An error raised while a GraphQL operation executes travels in `errors[]` of a 200 response,
 * beside the data that could be computed, as the GraphQL over HTTP convention has it.
 */
export interface ErrorCodeInfo {
  readonly status: number;
  readonly meaning: string;
}

export const ERROR_CODES = {
  BAD_USER_INPUT: { status: 400, meaning: 'An argument or input is invalid; the message says what to change (and `problems` lists every problem found).' },
  BAD_REQUEST: { status: 400, meaning: 'The HTTP request itself is malformed: a body that is not valid JSON, or no query.' },
  GRAPHQL_PARSE_FAILED: { status: 400, meaning: 'The query is not valid GraphQL syntax (reported by Apollo Server).' },
  GRAPHQL_VALIDATION_FAILED: { status: 400, meaning: 'The query does not match the schema: an unknown field, a missing required argument (reported by Apollo Server).' },
  OPERATION_RESOLUTION_FAILURE: { status: 400, meaning: 'The document has no operation of the given `operationName` (reported by Apollo Server).' },
  PERSISTED_QUERY_NOT_FOUND: { status: 200, meaning: 'An automatic persisted query hash is not known yet: send the query text with it (Apollo Server).' },
  DEPTH_LIMIT: { status: 400, meaning: 'The query nests deeper than the server allows (`maxDepth`); checked before anything runs.' },
  COST_LIMIT: { status: 400, meaning: "The query's estimated cost exceeds the role's ceiling (`cost`, `maxCost`); ask for smaller pages. Checked before anything runs." },
  TOKEN_LIMIT: { status: 400, meaning: 'The document has more lexical tokens than the server reads (`maxTokens`); refused before parsing.' },
  ALIAS_LIMIT: { status: 400, meaning: 'The operation uses more aliases than allowed (`maxAliases`); checked before anything runs.' },
  FIELD_LIMIT: { status: 400, meaning: 'The operation selects more fields than allowed once fragments are expanded (`maxFields`); checked before anything runs.' },
  DIRECTIVE_LIMIT: { status: 400, meaning: 'The operation uses more directives than allowed (`maxDirectives`); checked before anything runs.' },
  UNAUTHENTICATED: { status: 401, meaning: 'No API key where one is needed, or the key is invalid or revoked.' },
  FORBIDDEN: { status: 403, meaning: "The key's role may not do this (mutations need writer, API keys need admin)." },
  PATH_NOT_ALLOWED: { status: 403, meaning: 'A server-side path is refused: paths are off unless the operator configured import roots (`--import-root`), and a path must resolve to a regular file or folder inside one (`path`: as sent). Missing, outside the roots, a link out, a FIFO: one answer for all. Upload the file instead (`POST /uploads`).' },
  NOT_FOUND: { status: 404, meaning: 'A named model, dataset, checkpoint, subject, ROI, layer, task, metric, job, file, upload or key does not exist (`what`, `id`; `didYouMean` lists the closest known values, `known` the values there are when they are few).' },
  CONFLICT: { status: 409, meaning: 'A job is unknown, finished or cancelled, so a worker’s report about it is refused.' },
  CANCELLED: { status: 409, meaning: 'A computation was stopped: cancelled by a user, or interrupted by a shutdown (it resumes at the next start); nothing of it was written.' },
  IMPORT_CONFLICT: { status: 409, meaning: 'Two sources give one cell different values: a bundle and this warehouse, or two files of one eval import (`conflicts` lists the cells and files); nothing was written.' },
  REQUEST_CANCELLED: { status: 499, meaning: 'The client went away before the answer was ready; its work was stopped.' },
  PAYLOAD_TOO_LARGE: { status: 413, meaning: 'The request body exceeds the size limit.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, meaning: 'The request body’s content type, charset or content encoding is not one the server reads (JSON in UTF-8, optionally gzip/deflate).' },
  IMPORT_FAILED: { status: 422, meaning: 'An import found problems (`problems`: every bad field as `file: json.path: what`, `problemCount`); nothing was written.' },
  DEGENERATE_INPUT: { status: 422, meaning: 'The data cannot support the computation (e.g. a constant signal cannot be z-scored); the message states the broken rule.' },
  JOB_FAILED: { status: 422, meaning: "A job's inputs cannot be loaded (missing or invalid data): it is marked FAILED and not retried (`cause` is the underlying code)." },
  WAREHOUSE_LOCKED: { status: 423, meaning: 'Another process holds the DuckDB warehouse for writing (`pid`); DuckDB allows one writer.' },
  RATE_LIMITED: { status: 429, meaning: "The key's requests per minute are used up; retry shortly." },
  QUOTA_EXCEEDED: { status: 429, meaning: "The key's compute quota (jobs queued at once, compute seconds per hour) is used up, so no computation was started; stored cells are still answered. `retryAfterSeconds` says when to try again." },
  INTERNAL_SERVER_ERROR: { status: 500, meaning: 'An unexpected failure; its message is not shown to clients (the server logs it).' },
  INTERNAL: { status: 500, meaning: 'An invariant of cortexql broke (a bug); the message says which.' },
  WAREHOUSE_ERROR: { status: 500, meaning: 'The warehouse cannot be opened or written (e.g. it is open read-only).' },
  SERVER_BUSY: { status: 503, meaning: 'The compute pool’s queue, or the queue of expensive queries waiting for their turn, is full; retry shortly.' },
  DEADLINE_EXCEEDED: { status: 504, meaning: 'The request ran past its deadline (`--deadline`) and its work was stopped; ask for less, or raise the deadline.' },
  UNAVAILABLE: { status: 503, meaning: 'Something a computation depends on (the server, a compute worker thread) failed in a way that may pass: the job is retried with backoff.' },
} as const satisfies Record<string, ErrorCodeInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}

/** The HTTP status of a response that an error with `code` ends. */
export function httpStatus(code: ErrorCode): number {
  return ERROR_CODES[code].status;
}

/**
 * The one shape of an error response body, GraphQL's: every HTTP route answers errors this way,
 * with the code in `extensions.code`, so a client parses them all alike.
 */
export interface ErrorBody {
  readonly errors: readonly { readonly message: string; readonly extensions: { readonly code: ErrorCode } & Readonly<Record<string, unknown>> }[];
}

export function errorBody(code: ErrorCode, message: string, extensions: Readonly<Record<string, unknown>> = {}): ErrorBody {
  return { errors: [{ message, extensions: { ...extensions, code } }] };
}

import type { Response } from 'express';
import { GraphQLError } from 'graphql';
import { errorBody, httpStatus, type ErrorCode } from '../errors/errorCodes.js';

/**
 * A GraphQL error that ends a request before execution (auth, rate, depth, cost): its code and
 * HTTP status come from the error-code table (errors/errorCodes.ts); `data` joins the extensions.
 */
export function requestError(code: ErrorCode, message: string, data: Readonly<Record<string, unknown>> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...data, http: { status: httpStatus(code) } } });
}

/**
 * Answers an HTTP route with an error in the one body shape (GraphQL's `{ errors: [...] }`) and
 * the code's status; a transport error (body-parser's) keeps the status it came with.
 */
export function sendError(res: Response, code: ErrorCode, message: string, extensions: Readonly<Record<string, unknown>> = {}, status = httpStatus(code)): void {
  res.status(status).json(errorBody(code, message, extensions));
}

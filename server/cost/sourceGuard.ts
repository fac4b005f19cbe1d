import { requestError } from '../httpErrors.js';
import { GraphQLError, Lexer, Source, TokenKind } from 'graphql';

export interface SourceLimits {
  /** Lexical tokens in the document (graphql-js's parser stops at the same number: parseOptions.maxTokens). */
  readonly maxTokens: number;
  /** Nesting of `{`, `(` and `[`: graphql-js's recursive parser overflows the stack past ~2,500 levels. */
  readonly maxNesting: number;
}

/**
 * One pass of graphql-js's own lexer over the source, before it is parsed: refuses a document
 * with too many tokens (TOKEN_LIMIT) or nested deeper than any allowed operation could be
 * (DEPTH_LIMIT), so neither the parser's recursion nor anything after it sees such a document.
 * Linear in the source and stops at the first limit crossed. Lexical errors are left to the
 * parser, which reports them with their location.
 */
export function checkSource(source: string, limits: SourceLimits): void {
  const lexer = new Lexer(new Source(source));
  let tokens = 0;
  let nesting = 0;
  try {
    for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
      if (++tokens > limits.maxTokens) {
        throw limitError('TOKEN_LIMIT', `the document has more than ${limits.maxTokens} tokens`, { maxTokens: limits.maxTokens });
      }
      if (token.kind === TokenKind.BRACE_L || token.kind === TokenKind.PAREN_L || token.kind === TokenKind.BRACKET_L) {
        if (++nesting > limits.maxNesting) {
          throw limitError('DEPTH_LIMIT', `the document nests more than ${limits.maxNesting} levels of braces, parentheses or brackets`, { maxNesting: limits.maxNesting });
        }
      } else if (token.kind === TokenKind.BRACE_R || token.kind === TokenKind.PAREN_R || token.kind === TokenKind.BRACKET_R) {
        nesting--;
      }
    }
  } catch (error) {
    if (error instanceof GraphQLError && typeof error.extensions.code === 'string') throw error;
    // A lexical error: the parser reports it (GRAPHQL_PARSE_FAILED, with its location).
  }
}

export function limitError(code: 'TOKEN_LIMIT' | 'DEPTH_LIMIT' | 'ALIAS_LIMIT' | 'DIRECTIVE_LIMIT' | 'FIELD_LIMIT' | 'COST_LIMIT', message: string, data: Record<string, number>): GraphQLError {
  return requestError(code, message, data);
}

import { isCortexError } from './CortexError.js';

/**
 * What a command-line entry point (the `cortexql` CLI, `npm start`) prints when it stops on an
 * error, and its exit status: `error [CODE]: message` and 2 for a CortexError (a user mistake,
 * named by its code); `error [INTERNAL]: message` and 1 for anything else (a bug). A stack
 * trace only with `debug` (`--debug`, CORTEXQL_DEBUG=1).
 */
export function fatalMessage(error: unknown, debug: boolean): { text: string; exitCode: number } {
  const stack = debug && error instanceof Error && error.stack ? `\n${error.stack}` : '';
  if (isCortexError(error)) return { text: `error [${error.code}]: ${error.message}${stack}`, exitCode: 2 };
  const message = error instanceof Error ? error.message : String(error);
  return { text: `error [INTERNAL]: ${message}${stack || '\n(an unexpected error, likely a bug: run again with --debug to see where it happened)'}`, exitCode: 1 };
}

/** Whether stack traces were asked for: `--debug` anywhere on the command line, or CORTEXQL_DEBUG=1. */
export function debugRequested(argv: readonly string[] = process.argv, env = process.env): boolean {
  return argv.includes('--debug') || env.CORTEXQL_DEBUG === '1';
}

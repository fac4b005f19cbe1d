import { describe, expect, it } from 'vitest';
import { CortexError } from '../../errors/CortexError.js';
import { debugRequested, fatalMessage } from '../../errors/fatalMessage.js';

describe('what an entry point prints when it stops on an error', () => {
  it('a CortexError: its code and message, exit 2; the stack only when asked', () => {
    const e = new CortexError('IMPORT_FAILED', 'import failed, nothing was written: a.json: not valid JSON (line 1, column 1)');
    expect(fatalMessage(e, false)).toEqual({ text: 'error [IMPORT_FAILED]: import failed, nothing was written: a.json: not valid JSON (line 1, column 1)', exitCode: 2 });
    expect(fatalMessage(e, true).text).toMatch(/^error \[IMPORT_FAILED\]: .*\nCortexError: .*\n\s+at /);
  });

  it('anything else: INTERNAL (a bug), exit 1, a hint instead of the stack', () => {
    expect(fatalMessage(new TypeError('x is undefined'), false)).toEqual({
      text: 'error [INTERNAL]: x is undefined\n(an unexpected error, likely a bug: run again with --debug to see where it happened)',
      exitCode: 1,
    });
    expect(fatalMessage('plain', false).text).toMatch(/^error \[INTERNAL\]: plain\n/);
    expect(fatalMessage(new TypeError('x'), true).text).toMatch(/^error \[INTERNAL\]: x\nTypeError: x\n\s+at /);
  });

  it('asks for stacks with --debug or CORTEXQL_DEBUG=1', () => {
    expect(debugRequested(['node', 'cli', 'import', '--debug'], {})).toBe(true);
    expect(debugRequested(['node', 'cli'], { CORTEXQL_DEBUG: '1' })).toBe(true);
    expect(debugRequested(['node', 'cli'], {})).toBe(false);
  });
});

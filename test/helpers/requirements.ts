import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { describe, it, type TestContext, type TestOptions } from 'vitest';

/**
 * Something a test needs from the machine (a system library, a browser, Redis, Python packages,
 * the build). A test that cannot run is skipped with the reason in the output, and .ci/run sets
 * CORTEXQL_REQUIRE_ALL=1, under which such a test fails instead: CI has everything.
 */
export interface Requirement {
  readonly available: boolean;
  /** What is missing and how to get it, as the skip reason says it. */
  readonly what: string;
}

export const REQUIRE_ALL = process.env.CORTEXQL_REQUIRE_ALL === '1';

export function requirement(available: boolean, what: string): Requirement {
  return { available, what };
}

export function fileRequirement(path: string, what: string): Requirement {
  return requirement(existsSync(path), what);
}

/** Python modules importable by `python` (e.g. 'pandas, requests'). */
export function pythonRequirement(python: string, modules: string): Requirement {
  let available = false;
  try {
    execFileSync(python, ['-c', `import ${modules}`], { stdio: 'ignore' });
    available = true;
  } catch {
    // not installed
  }
  return requirement(available, `${modules} for ${python}`);
}

function missing(r: Requirement): Error {
  return new Error(`needs ${r.what}, which is missing; CORTEXQL_REQUIRE_ALL=1 turns this skip into a failure`);
}

/**
 * describe() whose tests are registered as skipped, the reason in their names, when `r` is
 * missing (their hooks do not run); under CORTEXQL_REQUIRE_ALL=1 the suite fails instead.
 */
export function describeWith(r: Requirement, title: string, body: () => void, options?: TestOptions): void {
  if (r.available) describe(title, options ?? {}, body);
  else if (REQUIRE_ALL) describe(title, () => it('has what it needs', () => { throw missing(r); }));
  else describe.skip(`${title} [skipped: needs ${r.what}]`, body);
}

/** it() that skips with the reason as its note when `r` is missing; under CORTEXQL_REQUIRE_ALL=1 it fails instead. */
export function itWith(r: Requirement, title: string, fn: (ctx: TestContext) => Promise<void> | void, options?: TestOptions): void {
  it(title, options ?? {}, async (ctx) => {
    if (!r.available) {
      if (REQUIRE_ALL) throw missing(r);
      ctx.skip(`needs ${r.what}`);
    }
    await fn(ctx);
  });
}

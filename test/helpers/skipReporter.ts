import type { Reporter, TestModule } from 'vitest/node';

/**
 * Lists every skipped test with its reason after the run, so a test that could not run on this
 * machine is never silent (the default reporter only counts them).
 */
export default class SkipReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    // Tests left out by a name filter (-t) are not missing anything: only requirement skips
    // (a note, or a describe.skip whose title names what it needs) are listed.
    const skipped = modules.flatMap((m) =>
      [...m.children.allTests('skipped')].flatMap((t) => {
        const result = t.result();
        const note = result.state === 'skipped' ? result.note : undefined;
        if (!note && !t.fullName.includes('[skipped: needs ')) return [];
        return [`  ${m.relativeModuleId} > ${t.fullName}${note ? ` [${note}]` : ''}`];
      }),
    );
    if (skipped.length === 0) return;
    console.log(`\n${skipped.length} test(s) skipped: they need something this machine lacks (CI sets CORTEXQL_REQUIRE_ALL=1, which fails them):\n${skipped.join('\n')}\n`);
  }
}

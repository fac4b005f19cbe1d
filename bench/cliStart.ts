/**
 * CLI start-up benchmark (a script, not a test): how long `cortexql --help` and `--version` take,
 * against a bare `node -e 0` measured in the same run (the floor no CLI can go under).
 *
 *   npm run bench:cli
 *
 * Goal (issue 14): `--help` under 1 s. Prints the median, min and max of repeated runs.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../services/paths.js';

const CLI = join(PACKAGE_ROOT, 'dist', 'cli', 'main.js');
const RUNS = Number(process.env.RUNS ?? 9);

function timed(args: string[]): { median: number; min: number; max: number } {
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    execFileSync(process.execPath, args, { stdio: 'ignore' });
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return { median: ms[Math.floor(RUNS / 2)], min: ms[0], max: ms[RUNS - 1] };
}

const bare = timed(['-e', '0']);
console.log(`node -e 0          median ${bare.median.toFixed(0)} ms (min ${bare.min.toFixed(0)}, max ${bare.max.toFixed(0)})`);
for (const args of [['--help'], ['--version'], ['keys', '--help']]) {
  const r = timed([CLI, ...args]);
  console.log(
    `cortexql ${args.join(' ').padEnd(10)} median ${r.median.toFixed(0)} ms (min ${r.min.toFixed(0)}, max ${r.max.toFixed(0)}); ` +
      `${(r.median / bare.median).toFixed(2)}× bare node, ${(r.median - bare.median).toFixed(0)} ms over it; goal < 1000 ms: ${r.median < 1000 ? 'met' : 'NOT met'}`,
  );
}

import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { resolveConfig } from '../server/config.js';
import { progressBars } from '../server/progress.js';

/** `cortexql demo build` and `cortexql schema`: the demo warehouse and the SDL. */
export function demoCommands(program: Command): void {
  program
    .command('demo')
    .description('demo warehouse')
    .command('build')
    .description('(re)build the demo warehouse from the data shipped in the repository')
    .option('--db <path>', 'warehouse file (env CORTEXQL_DB)')
    .option('--scale <x>', 'size of the simulated study (1 = the demo; env CORTEXQL_DEMO_SCALE)', Number)
    .action(async (opts) => {
      const { buildDemoWarehouse } = await import('../server/demo.js');
      const bars = progressBars();
      const r = await buildDemoWarehouse(resolveConfig(opts).db, { scale: opts.scale, onProgress: bars.update }).finally(bars.stop);
      console.log(
        `demo warehouse built in ${r.seconds.toFixed(0)} s: ${r.pythiaScores} Pythia eval scores; simulated study ${r.study.modelId} ` +
          `(${r.study.checkpoints} checkpoints on ${r.study.datasetId}, planted peak at step ${r.study.schedule.peakStep}, trough at ${r.study.schedule.troughStep})`,
      );
    });

  program
    .command('schema')
    .description('print the GraphQL schema (SDL)')
    .option('--out <file>', 'write to a file instead of stdout')
    .action(async (opts) => {
      const { cortexSchema } = await import('../server/schema.js');
      const { printSchema } = await import('graphql');
      const sdl = `${printSchema(await cortexSchema())}\n`;
      if (opts.out) writeFileSync(opts.out, sdl);
      else process.stdout.write(sdl);
    });
}

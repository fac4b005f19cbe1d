import type { Command } from 'commander';
import { existsSync, writeFileSync } from 'node:fs';
import { progressBars } from '../server/progress.js';
import { runOnWarehouse } from './warehouseCommand.js';

/** `cortexql demo build` and `cortexql schema`: the demo warehouse and the SDL. */
export function demoCommands(program: Command): void {
  program
    .command('demo')
    .description('demo warehouse')
    .command('build')
    .description('(re)build the demo warehouse from the data shipped in the repository')
    .option('--db <path>', 'warehouse file (env CORTEXQL_DB)')
    .option('--scale <x>', 'size of the simulated study (default: the demo, 16 checkpoints of a 3-layer model; 0.5: of a 6-layer model; env CORTEXQL_DEMO_SCALE)', Number)
    .action(async (opts) => {
      const { buildDemoWarehouse } = await import('../server/demo.js');
      const { resolveConfig } = await import('../server/config.js');
      const db = resolveConfig(opts).db;
      // The rebuilt file replaces this one: not while a server (or another command) has it open.
      if (existsSync(db)) await runOnWarehouse(opts, { command: 'demo build', role: 'admin', local: async () => undefined });
      const bars = progressBars();
      const r = await buildDemoWarehouse(db, { scale: opts.scale, onProgress: bars.update }).finally(bars.stop);
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

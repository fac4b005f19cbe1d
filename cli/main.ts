#!/usr/bin/env node
import 'reflect-metadata';
import { Command } from 'commander';
import { isCortexError } from '../errors/CortexError.js';
import { computeCommands } from './computeCommands.js';
import { demoCommands } from './demoCommands.js';
import { exportCommand } from './exportCommand.js';
import { importCommands } from './importCommands.js';
import { keysCommands } from './keysCommands.js';
import { registerCommands } from './registerCommands.js';
import { serveCommands } from './serveCommands.js';

const program = new Command('cortexql')
  .description('GraphQL analytics over a DuckDB warehouse of LLM brain-alignment, internal-state and benchmark trajectories')
  .showHelpAfterError();

// In the order `cortexql --help` lists them.
for (const add of [serveCommands, importCommands, computeCommands, registerCommands, exportCommand, keysCommands, demoCommands]) add(program);

program.parseAsync().catch((error: unknown) => {
  if (isCortexError(error)) {
    console.error(`error [${error.code}]: ${error.message}`);
    process.exit(2);
  }
  console.error(error);
  process.exit(1);
});

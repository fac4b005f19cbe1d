#!/usr/bin/env -S node --max-semi-space-size=64
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import '../server/processDefaults.js';
import { Command } from 'commander';
import { PACKAGE_ROOT } from '../services/paths.js';
import { debugRequested, fatalMessage } from '../errors/fatalMessage.js';
import { computeCommands } from './computeCommands.js';
import { demoCommands } from './demoCommands.js';
import { exportCommand } from './exportCommand.js';
import { importCommands } from './importCommands.js';
import { keysCommands } from './keysCommands.js';
import { registerCommands } from './registerCommands.js';
import { serveCommands } from './serveCommands.js';

const debug = debugRequested();
const program = new Command('cortexql')
  .description('GraphQL analytics over a DuckDB warehouse of LLM brain-alignment, internal-state and benchmark trajectories')
  .version((JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version, '-V, --version', 'print the version')
  .option('--debug', 'print the stack trace of an unexpected error (also CORTEXQL_DEBUG=1)')
  // Usage mistakes (unknown options, bad option values) read like every other error: error [CODE]: message.
  .configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, 'error [BAD_USER_INPUT]: ')) })
  .showHelpAfterError();

// Command files import what their actions need when they run, so `--help` loads commander only.
// In the order `cortexql --help` lists them.
for (const add of [serveCommands, importCommands, computeCommands, registerCommands, exportCommand, keysCommands, demoCommands]) add(program);

program.parseAsync(process.argv.filter((a) => a !== '--debug')).catch((error: unknown) => {
  const { text, exitCode } = fatalMessage(error, debug);
  console.error(text);
  process.exit(exitCode);
});

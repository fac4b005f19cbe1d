#!/usr/bin/env node
/** `npm start`: the server on its defaults (flags and env as for `cortexql serve`). */
import './processDefaults.js';
import 'reflect-metadata';
import { Command } from 'commander';
import { isCortexError } from '../errors/CortexError.js';
import { resolveConfig } from './config.js';
import { serve } from './serve.js';

const opts = new Command('cortexql-server')
  .option('--db <path>')
  .option('--host <host>')
  .option('--port <port>')
  .option('--max-cost <n>')
  .option('--max-depth <n>')
  .option('--anonymous <role>')
  .option('--readers <n>')
  .option('--cache-entries <n>')
  .option('--read-only')
  .option('--watch-interval <ms>')
  .option('--parquet <dir>')
  .option('--publish <file>')
  .option('--publish-every <s>')
  .option('--memory-limit <size>')
  .parse()
  .opts();

serve(resolveConfig(opts)).catch((error: unknown) => {
  console.error(isCortexError(error) ? `error [${error.code}]: ${error.message}` : error);
  process.exit(isCortexError(error) ? 2 : 1);
});

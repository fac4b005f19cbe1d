#!/usr/bin/env -S node --max-semi-space-size=64
/** `npm start`: the server on its defaults (flags and env as for `cortexql serve`). */
import './processDefaults.js';
import 'reflect-metadata';
import { Command } from 'commander';
import { debugRequested, fatalMessage } from '../errors/fatalMessage.js';
import { resolveConfig } from './config.js';
import { serve } from './serve.js';

const opts = new Command('cortexql-server')
  .option('--db <path>')
  .option('--host <host>')
  .option('--port <port>')
  .option('--max-cost <n>')
  .option('--max-depth <n>')
  .option('--max-aliases <n>')
  .option('--max-tokens <n>')
  .option('--deadline <seconds>')
  .option('--anonymous <role>')
  .option('--compute-roles <list>')
  .option('--cors-origin <origin>', '', (v: string, all: string[] = []) => [...all, v])
  .option('--readers <n>')
  .option('--cache-entries <n>')
  .option('--read-only')
  .option('--watch-interval <ms>')
  .option('--parquet <dir>')
  .option('--publish <file>')
  .option('--publish-every <s>')
  .option('--memory-limit <size>')
  .option('--import-root <dir>', 'a folder mutations may read by path (repeatable)', (dir: string, all: string[]) => [...all, dir], [])
  .option('--debug')
  .configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, 'error [BAD_USER_INPUT]: ')) })
  .parse()
  .opts();

const fail = (error: unknown) => {
  const { text, exitCode } = fatalMessage(error, debugRequested());
  console.error(text);
  process.exit(exitCode);
};
try {
  serve(resolveConfig(opts)).catch(fail);
} catch (error) {
  fail(error);
}

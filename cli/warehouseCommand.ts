import type { Command } from 'commander';
import { CortexError, isCortexError } from '../errors/CortexError.js';
import type { Warehouse } from '../warehouse/Warehouse.js';
import type { ServerApi } from './ServerApi.js';

/** The options every warehouse command takes: the file, or a running server and a key. */
export interface WarehouseOptions {
  readonly db?: string;
  readonly server?: string;
  readonly key?: string;
}

/** How a command reaches the warehouse: directly, or through a running server's API. */
export interface WarehouseRoute<T> {
  /** The command as typed, for messages: `keys list`. */
  readonly command: string;
  /** The role its API call needs. */
  readonly role: 'reader' | 'writer' | 'admin';
  readonly local: (wh: Warehouse) => Promise<T>;
  /** The same through the API; absent: the command only runs where it can open the file. */
  readonly remote?: (api: ServerApi) => Promise<T>;
  /** For commands without `remote`: how to do the same through the API. */
  readonly apiAlternative?: string;
}

/** Adds `--db`, `--server` and `--key` to a command. */
export function warehouseOptions(command: Command, remote = true): Command {
  command.option('--db <path>', 'warehouse file (env CORTEXQL_DB)');
  if (remote) {
    command
      .option('--server <url>', 'go through a running cortexql server instead of opening the file (env CORTEXQL_SERVER_URL; automatic when the server holds --db)')
      .option('--key <apiKey>', 'API key for --server (env CORTEXQL_API_KEY)');
  }
  return command;
}

/**
 * Runs a command on the warehouse. With `--server` it goes through that server's API. Otherwise
 * it opens the file; DuckDB allows one writer process, so when a running cortexql server holds
 * the file (services/serverFile.ts names it) the command goes through that server's API with
 * `--key`, or — for commands with no API route — stops with WAREHOUSE_LOCKED saying what to do.
 */
export async function runOnWarehouse<T>(opts: WarehouseOptions, route: WarehouseRoute<T>): Promise<T> {
  const key = opts.key ?? process.env.CORTEXQL_API_KEY ?? null;
  const serverUrl = opts.server ?? (process.env.CORTEXQL_SERVER_URL || undefined);
  const { ServerApi } = await import('./ServerApi.js');
  if (serverUrl !== undefined) {
    if (!route.remote) throw new CortexError('BAD_USER_INPUT', `cortexql ${route.command} does not run through the API (--server): ${route.apiAlternative ?? 'run it where the warehouse file is, with the server stopped'}`);
    return route.remote(new ServerApi(serverUrl, key));
  }
  const { resolveConfig } = await import('../server/config.js');
  const { withWarehouse } = await import('./options.js');
  const db = resolveConfig({ db: opts.db }).db;
  try {
    return await withWarehouse(db, route.local);
  } catch (error) {
    if (!isCortexError(error, 'WAREHOUSE_LOCKED')) throw error;
    const { readServerFile } = await import('../services/serverFile.js');
    const server = readServerFile(db);
    const pid = error.details.pid;
    if (!server || server.pid !== pid) throw error;
    const held = `warehouse ${db} is held by the cortexql server at ${server.url} (PID ${pid}; DuckDB allows one writer process)`;
    const stop = `stop the server (Ctrl-C, or kill ${pid}), run the command, and start the server again`;
    if (!route.remote) {
      throw new CortexError('WAREHOUSE_LOCKED', `${held}; cortexql ${route.command} does not run through its API: ${stop}${route.apiAlternative ? `, or ${route.apiAlternative}` : ''}`, { path: db, pid });
    }
    console.error(`(${held}: going through its API)`);
    try {
      return await route.remote(new ServerApi(server.url, key));
    } catch (refused) {
      if (!isCortexError(refused, 'UNAUTHENTICATED') && !isCortexError(refused, 'FORBIDDEN')) throw refused;
      const how = key ? 'give a key of that role' : `give one: --key <key> (or CORTEXQL_API_KEY)`;
      throw new CortexError(refused.code, `${held}; cortexql ${route.command} went through its API, which needs ${route.role === 'admin' ? 'an' : 'a'} ${route.role} key (${refused.message}): ${how}, or ${stop}`, { path: db, pid });
    }
  }
}

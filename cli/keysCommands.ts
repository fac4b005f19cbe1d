import type { Command } from 'commander';
import { withWarehouse } from './options.js';

/** `cortexql keys create | revoke | list`: API keys. */
export function keysCommands(program: Command): void {
  const keys = program.command('keys').description('API keys (stored hashed; roles reader, writer, admin)');
  keys
    .command('create <name>')
    .description('create a key and print it (it is shown only once)')
    .requiredOption('--role <role>', 'reader, writer or admin')
    .option('--db <path>', 'warehouse file (env CORTEXQL_DB)')
    .action(async (name: string, opts) => {
      const { createApiKey } = await import('../services/apiKeys.js');
      const { key, info } = await withWarehouse(opts.db, (wh) => createApiKey(wh, name, opts.role));
      console.log(`${key}\n(key ${info.keyId}, role ${info.role}; send it as "Authorization: Bearer <key>")`);
    });
  keys
    .command('revoke <keyId>')
    .option('--db <path>', 'warehouse file (env CORTEXQL_DB)')
    .action(async (keyId: string, opts) => {
      const { revokeApiKey } = await import('../services/apiKeys.js');
      await withWarehouse(opts.db, (wh) => revokeApiKey(wh, keyId));
      console.log(`revoked ${keyId}`);
    });
  keys
    .command('list')
    .option('--db <path>', 'warehouse file (env CORTEXQL_DB)')
    .action(async (opts) => {
      const { listApiKeys } = await import('../warehouse/apiKeysRepo.js');
      for (const k of await withWarehouse(opts.db, (wh) => listApiKeys(wh))) {
        console.log(`${k.keyId}  ${k.role.padEnd(6)}  ${k.name}${k.revoked ? '  (revoked)' : ''}`);
      }
    });
}

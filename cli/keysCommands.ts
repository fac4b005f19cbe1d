import type { Command } from 'commander';
import { runOnWarehouse, warehouseOptions } from './warehouseCommand.js';

interface KeyInfo {
  readonly keyId: string;
  readonly role: string;
  readonly name: string;
  readonly revoked: unknown;
}

/** `cortexql keys create | revoke | list`: API keys, in the file or through a running server (admin key). */
export function keysCommands(program: Command): void {
  const keys = program.command('keys').description('API keys (stored hashed; roles reader, writer, admin)');
  warehouseOptions(
    keys
      .command('create <name>')
      .description('create a key and print it (it is shown only once)')
      .requiredOption('--role <role>', 'reader, writer or admin'),
  ).action(async (name: string, opts) => {
    const { key, info } = await runOnWarehouse(opts, {
      command: 'keys create', role: 'admin',
      local: async (wh) => (await import('../services/apiKeys.js')).createApiKey(wh, name, opts.role),
      remote: async (api) =>
        (await api.graphql<{ createApiKey: { key: string; info: KeyInfo } }>(
          'mutation CliCreateKey($name: String!, $role: Role!) { createApiKey(name: $name, role: $role) { key info { keyId role name revoked } } }',
          { name, role: String(opts.role).toUpperCase() },
        )).createApiKey,
    });
    console.log(`${key}\n(key ${info.keyId}, role ${info.role.toLowerCase()}; send it as "Authorization: Bearer <key>")`);
  });
  warehouseOptions(keys.command('revoke <keyId>').description('revoke a key; it stops working at once')).action(async (keyId: string, opts) => {
    await runOnWarehouse(opts, {
      command: 'keys revoke', role: 'admin',
      local: async (wh) => (await import('../services/apiKeys.js')).revokeApiKey(wh, keyId),
      remote: (api) => api.graphql('mutation CliRevokeKey($keyId: ID!) { revokeApiKey(keyId: $keyId) }', { keyId }),
    });
    console.log(`revoked ${keyId}`);
  });
  warehouseOptions(keys.command('list').description('list keys: id, role, name, whether revoked')).action(async (opts) => {
    const list: readonly KeyInfo[] = await runOnWarehouse(opts, {
      command: 'keys list', role: 'admin',
      local: async (wh) => (await import('../warehouse/apiKeysRepo.js')).listApiKeys(wh),
      remote: async (api) => (await api.graphql<{ apiKeys: KeyInfo[] }>('query CliListKeys { apiKeys { keyId role name revoked } }')).apiKeys,
    });
    for (const k of list) console.log(`${k.keyId}  ${k.role.toLowerCase().padEnd(6)}  ${k.name}${k.revoked ? '  (revoked)' : ''}`);
  });
}

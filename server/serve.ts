import { startServer } from './app.js';
import type { ServerConfig } from './config.js';
import { ensureDemoWarehouse } from './demo.js';
import { progressBars } from '../cli/progress.js';
import { Warehouse } from '../warehouse/Warehouse.js';

/** Opens the warehouse (building the demo on first run), serves, and shuts down cleanly on signals. */
export async function serve(config: ServerConfig): Promise<void> {
  if (config.demo) {
    const bars = progressBars();
    const built = await ensureDemoWarehouse(config.db, bars.update).finally(bars.stop);
    if (built) console.log(`built the demo warehouse at ${config.db}`);
  }
  const wh = await Warehouse.create({ path: config.db });
  const server = await startServer(wh, config);
  const shutdown = async (signal: string) => {
    console.log(`${signal}: shutting down`);
    await server.close();
    wh.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  console.log(`cortexql ready at ${server.url} (GraphiQL in a browser; API at ${server.endpoint})`);
}

/**
 * Runs the bounds app (app.ts) as its own process, the way partnermock's CLI runs: listens on
 * 127.0.0.1, port 0, prints one line `bounds listening on <url> <json>` and stops on SIGTERM/SIGINT.
 * The bench bundles this file with esbuild and runs it with plain `node`, as it runs partnermock's built
 * CLI, so neither process carries a TypeScript loader.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBoundApp } from './app.ts';

let publicUrl = '';
const { app, just2tradeToken } = await createBoundApp(() => publicUrl);
const server = createServer(app);
await new Promise<void>((resolve, reject) => {
  server.once('error', reject);
  server.listen(0, '127.0.0.1', () => resolve());
});
const { port } = server.address() as AddressInfo;
publicUrl = `http://localhost:${port}`;
console.log(`bounds listening on ${publicUrl} ${JSON.stringify({ just2tradeToken })}`);

const stop = () => {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 2000).unref();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

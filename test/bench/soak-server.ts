/**
 * The soak's server: partnermock's built package (the path given), started with `startMockServer()` as a
 * test suite would, in a process of its own run with `--expose-gc`. On SIGUSR2 it collects garbage fully and
 * prints what is left (`measure <n> heap=<MB> rss=<MB>`): the heap that survives a full collection is what a
 * leak makes grow, without the tens of MB that RSS rises and falls by between collections.
 */
import { pathToFileURL } from 'node:url';
import type { startMockServer as StartMockServer } from '../../src/index.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run the soak server with node --expose-gc');
const index = process.argv[2];
if (!index) throw new Error('usage: soak-server.ts <dist/src/index.js>');
const { startMockServer } = (await import(pathToFileURL(index).href)) as { startMockServer: typeof StartMockServer };
const server = await startMockServer({ port: 0 });
let measures = 0;
process.on('SIGUSR2', () => {
  // Twice: what the first frees (weak references, finalizers) the second collects.
  gc();
  gc();
  const { heapUsed, rss } = process.memoryUsage();
  measures += 1;
  console.log(`measure ${measures} heap=${(heapUsed / 1e6).toFixed(2)} rss=${(rss / 1e6).toFixed(1)}`);
});
process.once('SIGTERM', () => void server.close().then(() => process.exit(0)));
console.log(`soak server listening on http://127.0.0.1:${server.port}`);

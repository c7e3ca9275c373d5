// Starts the mock from the installed package's server entry and runs each flow with the client.
import { startMockServer } from 'partnermock';
import { b2copyFlow, just2tradeFlow, keetaFlow } from './flows.js';

const server = await startMockServer({ port: 0 });
const report: Record<string, string> = {};
try {
  for (const [name, flow] of Object.entries({ b2copy: b2copyFlow, keeta: keetaFlow, just2trade: just2tradeFlow })) {
    try {
      await flow(server.url);
      report[name] = 'ok';
    } catch (error) {
      report[name] = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
  }
} finally {
  await server.close();
}
console.log(JSON.stringify(report));

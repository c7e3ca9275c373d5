// Starts the mock from the installed package's server entry and runs each flow with the client.
import { startMockServer } from 'partnermock';
import { b2copyFlow, just2tradeFlow, keetaFlow } from './flows.js';
import { serve } from './server-types.js';

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
// A plugin factory from the package, with options, served next to the built-ins.
report.pluginOptions = (await serve()).startsWith('http://') ? 'ok' : 'no url';
console.log(JSON.stringify(report));

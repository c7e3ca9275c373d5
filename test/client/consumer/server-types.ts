// The main entry keeps the server API, typed; the built-in plugins' factories take their options.
import { startMockServer, definePlugin, type ProviderPlugin } from 'partnermock';
import { createJust2TradePlugin } from 'partnermock/mocks/just2trade';

export async function serve(): Promise<string> {
  const server = await startMockServer({
    port: 0,
    seed: 7,
    providers: ['b2copy', 'keeta'],
    plugins: [createJust2TradePlugin({ codeTtlSeconds: 5 })],
  });
  await server.close();
  return server.url;
}

/** Never called: calls the types must refuse. */
export async function typeProbes(): Promise<void> {
  // @ts-expect-error the port is a number
  await startMockServer({ port: '4010' });
  // @ts-expect-error lifetimes are numbers of seconds
  createJust2TradePlugin({ codeTtlSeconds: '5' });
  const plugin: ProviderPlugin = definePlugin({
    name: 'x',
    spec: 'x.yaml',
    mounts: ['/x'],
    formatError: () => ({ status: 500 }),
  });
  void plugin;
}

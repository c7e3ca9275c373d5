// The main entry keeps the server API, typed.
import { startMockServer, definePlugin, type ProviderPlugin } from 'partnermock';

export async function serve(): Promise<string> {
  const server = await startMockServer({ port: 0, seed: 7 });
  // @ts-expect-error the port is a number
  await startMockServer({ port: '4010' });
  const plugin: ProviderPlugin = definePlugin({ name: 'x', spec: 'x.yaml', mounts: ['/x'], formatError: () => ({ status: 500 }) });
  void plugin;
  await server.close();
  return server.url;
}

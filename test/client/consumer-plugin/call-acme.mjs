// Loads the README's TypeScript plugin example (acme/index.ts) from the installed package, both ways the
// README shows: startMockServer({ plugins: [...] }) and the CLI's --plugin. Prints what each answered.
import { spawn } from 'node:child_process';
import { startMockServer } from 'partnermock';

const answers = {};
const mock = await startMockServer({ port: 0, providers: [], plugins: ['./acme/index.ts'] });
for (const login of ['demo', 'nobody']) {
  const response = await fetch(`${mock.url}/acme/users/${login}`);
  answers[`api ${login}`] = { status: response.status, body: await response.json() };
}
await mock.close();

const cli = spawn(process.execPath, [
  'node_modules/partnermock/dist/src/cli.js',
  '--port',
  '0',
  '--quiet',
  '--plugin',
  './acme/index.ts',
]);
const url = await new Promise((resolve, reject) => {
  let out = '';
  cli.stdout.on('data', (chunk) => {
    out += chunk;
    const match = /listening on (http:\/\/\S+)/.exec(out);
    if (match) resolve(match[1]);
  });
  cli.on('exit', (code) => reject(new Error(`the CLI exited with ${code}`)));
  // Unref'd: once the CLI has answered, the wait must not keep this script alive.
  setTimeout(() => reject(new Error('the CLI did not start within 20 s')), 20_000).unref();
});
const response = await fetch(`${url}/acme/users/demo`);
answers['cli demo'] = { status: response.status, body: await response.json() };
cli.kill('SIGTERM');
console.log(JSON.stringify(answers));

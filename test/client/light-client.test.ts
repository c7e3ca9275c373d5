/**
 * `@partnermock/client` (packages/client), the clients alone for production code: packed from this repo
 * (its `prepare` builds dist/ from src/client and src/generated) and installed by itself in a fresh
 * project, it brings exactly openapi-fetch (with its openapi-typescript-helpers) and jose beneath it and
 * nothing of the mock; its .d.ts type-check a strict consumer (the `@ts-expect-error` lines prove the
 * types refuse wrong calls) and its README's example, with no Node types; and the installed code,
 * resolved from node_modules in a child process, completes B2COPY and Keeta calls against the mock.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockServer, type RunningMockServer } from '../../src/index.ts';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const packageDir = join(root, 'packages/client');
const tsc = join(root, 'node_modules/typescript/bin/tsc');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const big = { maxBuffer: 16 * 1024 * 1024 };

interface PackageJson {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
}
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as PackageJson;

let project: string;
let packedFiles: string[];
/** Every package of `npm ls --all --json`, at any depth, as `name@version`. */
let tree: string[];
/** What tsc printed for the consumer project (empty when it type-checks). */
let compileOutput: string;
let server: RunningMockServer;

/** Uses the types the way a CRM would; each `@ts-expect-error` fails the check if the types let it through. */
const CONSUMER = `import {
  CallbackError,
  ProviderError,
  createB2CopyClient,
  createJust2TradeClient,
  createKeetaClient,
  parseKeetaCallback,
  type B2CopySignInResult,
  type B2CopyTokenPair,
  type Just2TradeToken,
  type KeetaAuthorizationUrl,
  type KeetaCallback,
} from '@partnermock/client';

export async function flows(base: string): Promise<string> {
  const b2copy = createB2CopyClient({ baseUrl: \`\${base}/b2copy\` });
  const result: B2CopySignInResult = await b2copy.signIn({ email: 'username@example.com', password: 'Secret123' });
  // @ts-expect-error a sign-in may be a 2FA answer without tokens: narrow first
  void result.accessToken.token;
  if (result['2faRequired']) return '2fa';
  const pair: B2CopyTokenPair = result;
  // @ts-expect-error signIn needs the password
  await b2copy.signIn({ email: 'username@example.com' });
  // @ts-expect-error the typed openapi-fetch client knows only the spec's paths
  await b2copy.api.POST('/api/v2/no-such-path', {});
  const { url: webUi } = await b2copy.getAuthUrl({ accountId: 77632289, secretKey: 'Password1234!', investmentPlatformId: 1 });

  const keeta = createKeetaClient({ baseUrl: \`\${base}/keeta\` });
  const link: KeetaAuthorizationUrl = await keeta.getAuthorizationUrl({ clientId: 'keeta-demo', state: 's' });
  // @ts-expect-error the answer has no such field
  void link.url;
  // @ts-expect-error clientId is required
  await keeta.getAuthorizationUrl({ state: 's' });
  const callback: KeetaCallback = parseKeetaCallback('https://crm.example/cb?authId=1&state=s&appId=2&timestamp=3', 's');

  const just2trade = createJust2TradeClient({
    authBaseUrl: \`\${base}/just2trade/auth\`,
    apiBaseUrl: \`\${base}/just2trade/api\`,
    clientId: 'crm-demo',
    clientSecret: 'secret',
    redirectUri: 'http://localhost:3000/callback',
  });
  const { url, codeVerifier } = await just2trade.startAuthorization({ state: 's' });
  const token: Just2TradeToken = await just2trade.exchangeCode('code', { codeVerifier });
  // @ts-expect-error every option is required but fetch
  createJust2TradeClient({ authBaseUrl: base, apiBaseUrl: base, clientId: 'crm-demo' });

  try {
    await b2copy.refresh(pair.refreshToken.token);
  } catch (error) {
    if (error instanceof ProviderError) return \`\${error.provider} \${error.operationId} \${error.status}\`;
    if (error instanceof CallbackError) return error.reason;
  }
  return [pair.accessToken.token, webUi, link.merchantAuthorizationUrl, callback.authId, url, token.access_token].join();
}
`;

const CONSUMER_TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    // The web platform only: the client's types must not need @types/node.
    lib: ['ES2023', 'DOM', 'DOM.Iterable'],
    types: [],
    strict: true,
    noUncheckedIndexedAccess: true,
    // Check the installed .d.ts themselves too, not only their use.
    skipLibCheck: false,
    noEmit: true,
  },
  include: ['*.ts'],
};

/** Run from the temp project by node, so `@partnermock/client` resolves from its node_modules. */
const CALL = `import { readFileSync } from 'node:fs';
import { ProviderError, createB2CopyClient, createKeetaClient } from '@partnermock/client';

const [base, privateKeyPath] = process.argv.slice(2);
const b2copy = createB2CopyClient({ baseUrl: \`\${base}/b2copy\` });
const pair = await b2copy.signIn({ email: 'username@example.com', password: 'Secret123' });
const refused = await b2copy.signIn({ email: 'username@example.com', password: 'wrong' }).then(
  () => 'accepted',
  (error) => (error instanceof ProviderError ? { status: error.status, operationId: error.operationId } : String(error)),
);
// jose from the install: signs the ES256 external token with the mock's development key.
const external = await b2copy.signInExternalCrm({
  privateKeyPem: readFileSync(privateKeyPath, 'utf8'),
  keyId: 'dev-key',
  adminId: 1,
  deviceIp: '127.0.0.1',
});
const keeta = createKeetaClient({ baseUrl: \`\${base}/keeta\` });
const { merchantAuthorizationUrl } = await keeta.getAuthorizationUrl({ clientId: 'keeta-demo', state: 'crm-state' });
const link = new URL(merchantAuthorizationUrl);
const jwt = (token) => token.split('.').length === 3;
console.log(
  JSON.stringify({
    resolved: import.meta.resolve('@partnermock/client'),
    signIn: { twoFactor: pair['2faRequired'], access: jwt(pair.accessToken.token), refresh: jwt(pair.refreshToken.token) },
    refused,
    externalCrm: { access: jwt(external.accessToken.token) },
    keeta: { origin: link.origin, appId: link.searchParams.get('appId'), state: link.searchParams.get('state') },
  }),
);
`;

/** The package's README example, with what it leaves to the reader declared. */
function readmeExample(): string {
  const readme = readFileSync(join(packageDir, 'README.md'), 'utf8');
  const example = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!example) throw new Error('packages/client/README.md has no ts example');
  return `declare const callbackUrl: string;\n${example}`;
}

/** A package in `npm ls --all --json`. */
interface ListedPackage {
  version: string;
  dependencies?: Record<string, ListedPackage>;
}

function collect(dependencies: Record<string, ListedPackage> | undefined, into: string[]): string[] {
  for (const [name, node] of Object.entries(dependencies ?? {})) {
    into.push(`${name}@${node.version}`);
    collect(node.dependencies, into);
  }
  return into;
}

beforeAll(async () => {
  server = await startMockServer({ port: 0 });
  project = realpathSync(mkdtempSync(join(tmpdir(), 'partnermock-light-client-')));
  // `npm pack` runs the package's `prepare`, so this also builds dist/ from the sources.
  const { stdout } = await run(npm, ['pack', '--json', '--pack-destination', project], { cwd: packageDir, ...big });
  const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  if (!packed) throw new Error('npm pack reported nothing');
  packedFiles = packed.files.map((file) => file.path).sort();
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify(
      {
        name: 'crm-production',
        private: true,
        type: 'module',
        dependencies: { '@partnermock/client': `file:./${packed.filename}` },
      },
      null,
      2,
    ),
  );
  await run(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: project, ...big });
  const listed = await run(npm, ['ls', '--all', '--json'], { cwd: project, ...big });
  tree = collect((JSON.parse(listed.stdout) as { dependencies?: Record<string, ListedPackage> }).dependencies, []);

  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(CONSUMER_TSCONFIG, null, 2));
  writeFileSync(join(project, 'consumer.ts'), CONSUMER);
  writeFileSync(join(project, 'readme.ts'), readmeExample());
  writeFileSync(join(project, 'call.mjs'), CALL);
  const compiled = await run(process.execPath, [tsc, '-p', project], { cwd: project }).catch(
    (error: { stdout: string; stderr: string }) => error,
  );
  compileOutput = compiled.stdout + compiled.stderr;
}, 240_000);

afterAll(async () => {
  await server?.close();
  if (project) rmSync(project, { recursive: true, force: true });
});

describe('@partnermock/client, packed and installed alone', () => {
  it('packs the compiled client and the generated types, and no sources', () => {
    const names = (dir: string) => readdirSync(join(root, dir)).map((file) => file.replace(/\.ts$/, ''));
    expect(packedFiles).toEqual(
      [
        'README.md',
        'package.json',
        ...names('src/client').flatMap((name) => [`dist/client/${name}.js`, `dist/client/${name}.d.ts`]),
        // Types only: their JavaScript would be an empty module.
        ...names('src/generated').map((name) => `dist/generated/${name}.d.ts`),
      ].sort(),
    );
  });

  it('has the root package version and its ranges of openapi-fetch and jose', () => {
    const rootPackage = readJson(join(root, 'package.json'));
    const installed = readJson(join(project, 'node_modules/@partnermock/client/package.json'));
    expect(installed.version).toBe(rootPackage.version);
    expect(installed.dependencies).toEqual({
      jose: rootPackage.dependencies?.jose,
      'openapi-fetch': rootPackage.dependencies?.['openapi-fetch'],
    });
  });

  it('installs exactly itself, openapi-fetch, openapi-typescript-helpers and jose', () => {
    const names = [...new Set(tree.map((entry) => entry.slice(0, entry.lastIndexOf('@'))))].sort();
    expect(names).toEqual(['@partnermock/client', 'jose', 'openapi-fetch', 'openapi-typescript-helpers']);
    // And on disk: nothing else in node_modules.
    const modules = readdirSync(join(project, 'node_modules')).filter((name) => !name.startsWith('.'));
    const onDisk = modules.flatMap((name) =>
      name.startsWith('@') ? readdirSync(join(project, 'node_modules', name)).map((sub) => `${name}/${sub}`) : [name],
    );
    expect(onDisk.sort()).toEqual(names);
  });

  it('type-checks a strict consumer and the README example against the installed .d.ts, without Node types', () => {
    expect(compileOutput).toBe('');
  });

  it('completes B2COPY and Keeta calls against the mock, running from node_modules', async () => {
    const privateKey = join(root, 'mocks/b2copy/dev-keys/external-crm-dev-key.private.pem');
    const { stdout } = await run(process.execPath, ['call.mjs', server.url, privateKey], {
      cwd: project,
      timeout: 60_000,
    });
    expect(JSON.parse(stdout)).toEqual({
      resolved: pathToFileURL(join(project, 'node_modules/@partnermock/client/dist/client/index.js')).href,
      signIn: { twoFactor: false, access: true, refresh: true },
      refused: { status: 401, operationId: 'signIn' },
      externalCrm: { access: true },
      keeta: { origin: new URL(server.url).origin, appId: '2123830428', state: 'crm-state' },
    });
  }, 60_000);
});

// The three flows as CRM code would write them with partnermock/client.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  ProviderError,
  createB2CopyClient,
  createJust2TradeClient,
  createKeetaClient,
  parseKeetaCallback,
} from 'partnermock/client';

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

async function refused(call: Promise<unknown>, status: number): Promise<ProviderError> {
  try {
    await call;
  } catch (error) {
    check(
      error instanceof ProviderError && error.status === status,
      `expected a ${status} ProviderError, got ${String(error)}`,
    );
    return error;
  }
  throw new Error(`expected a ${status} ProviderError, got success`);
}

export async function b2copyFlow(baseUrl: string): Promise<void> {
  const b2copy = createB2CopyClient({ baseUrl: `${baseUrl}/b2copy` });
  const signedIn = await b2copy.signIn({ email: 'username@example.com', password: 'Secret123' });
  check(!signedIn['2faRequired'], 'the default user has no 2FA');
  // Ten seconds before the access token expires: inside the default margin, so the session refreshes.
  const session = b2copy.session(signedIn, { now: () => Date.parse(signedIn.accessToken.expiresAt) - 10_000 });
  const access = await session.accessToken();
  check(access !== signedIn.accessToken.token, 'the session refreshed an access token that expires within the margin');
  await refused(b2copy.refresh(signedIn.refreshToken.token), 401);

  const devKey = join(
    dirname(createRequire(import.meta.url).resolve('partnermock/package.json')),
    'dist/mocks/b2copy/dev-keys/external-crm-dev-key.private.pem',
  );
  const admin = await b2copy.signInExternalCrm({
    privateKeyPem: readFileSync(devKey, 'utf8'),
    keyId: 'dev-key',
    adminId: 1,
    deviceIp: '127.0.0.1',
  });
  check(admin.accessToken.token.split('.').length === 3, 'external CRM sign-in returns a JWT');

  const { url } = await b2copy.getAuthUrl({ accountId: 77632289, secretKey: 'Password1234!', investmentPlatformId: 1 });
  const landing = await fetch(url);
  check(
    landing.status === 200 && (await landing.text()).includes('77632289'),
    'the seamless-login URL signs the account in',
  );
  check((await fetch(url)).status >= 400, 'the seamless-login URL is one-time');
}

export async function keetaFlow(baseUrl: string): Promise<void> {
  const keeta = createKeetaClient({ baseUrl: `${baseUrl}/keeta` });
  const { merchantAuthorizationUrl } = await keeta.getAuthorizationUrl({
    clientId: 'keeta-demo',
    redirectUri: 'https://crm.example/keeta/callback',
    state: 'k-1',
  });
  check(new URL(merchantAuthorizationUrl).searchParams.get('state') === 'k-1', 'the merchant URL carries the state');
  await refused(keeta.getAuthorizationUrl({ clientId: 'no-such-app' }), 401);
  const callback = parseKeetaCallback(await submitFirstForm(merchantAuthorizationUrl, {}), 'k-1');
  check(callback.appId === '2123830428' && callback.authId.length > 0, 'the redirect carries the authorization');
}

export async function just2tradeFlow(baseUrl: string): Promise<void> {
  const clients = (await (await fetch(`${baseUrl}/__mock/just2trade/clients`)).json()) as {
    clientId: string;
    clientSecret: string;
  }[];
  const demo = clients.find((client) => client.clientId === 'crm-demo');
  check(demo, 'the default client is listed');
  const just2trade = createJust2TradeClient({
    authBaseUrl: `${baseUrl}/just2trade/auth`,
    apiBaseUrl: `${baseUrl}/just2trade/api`,
    clientId: demo.clientId,
    clientSecret: demo.clientSecret,
    redirectUri: 'http://localhost:3000/callback',
  });
  const location = await submitFirstForm(just2trade.authorizeUrl({ state: 'j-1' }), {
    login: 'login',
    password: 'password',
  });
  const { code } = just2trade.parseCallback(location, 'j-1');
  const token = await just2trade.exchangeCode(code);
  check(token.token_type === 'Bearer' && token.expires_in === 86400, 'the documented token shape');
  const profile = await just2trade.getProfile(token.access_token);
  check(profile.login === 'login' && profile.accounts.length === 2, 'the documented profile');
  await refused(just2trade.exchangeCode(code), 400);
  await refused(just2trade.getProfile(token.access_token), 401);
}

/**
 * Opens an HTML page, fills its first form (hidden fields kept, `fields` set, the first submit
 * button's name/value added) and posts it with the page's cookies; returns the redirect's Location.
 */
async function submitFirstForm(pageUrl: string, fields: Record<string, string>): Promise<string> {
  const page = await fetch(pageUrl);
  check(page.ok, `GET ${pageUrl} answered ${page.status}`);
  const html = await page.text();
  const form = /<form\b([^>]*)>([\s\S]*?)<\/form>/i.exec(html);
  check(form, 'the page has a form');
  const action = attribute(form[1]!, 'action');
  const body = new URLSearchParams();
  let submitted = false;
  for (const [tag] of form[2]!.matchAll(/<(input|button)\b[^>]*>/gi)) {
    const name = attribute(tag, 'name');
    const type = (
      attribute(tag, 'type') ?? (tag.toLowerCase().startsWith('<button') ? 'submit' : 'text')
    ).toLowerCase();
    if (!name) continue;
    if (type === 'submit') {
      if (!submitted) body.append(name, attribute(tag, 'value') ?? '');
      submitted = true;
    } else if (!(name in fields)) {
      body.append(name, attribute(tag, 'value') ?? '');
    }
  }
  for (const [name, value] of Object.entries(fields)) body.set(name, value);
  const select = /<select\b[^>]*name="([^"]+)"[^>]*>[\s\S]*?<option\b[^>]*value="([^"]*)"/i.exec(form[2]!);
  if (select && !body.has(select[1]!)) body.set(select[1]!, decode(select[2]!));
  const cookie = page.headers
    .getSetCookie()
    .map((line) => line.split(';')[0])
    .join('; ');
  const answer = await fetch(new URL(action ?? '', page.url), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...(cookie ? { Cookie: cookie } : {}) },
    body,
  });
  const location = answer.headers.get('location');
  check(answer.status === 302 && location, `the form answered ${answer.status}, not a redirect`);
  return location;
}

function attribute(tag: string, name: string): string | undefined {
  const match = new RegExp(`\\s${name}="([^"]*)"`, 'i').exec(tag);
  return match ? decode(match[1]!) : undefined;
}

function decode(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

// A CRM developer's file, type-checked under `strict` against the packed package. Every
// `@ts-expect-error` line is a call the client's types must refuse: if the types accepted it,
// tsc would report the directive as unused and the test would fail.
import {
  CallbackError,
  ProviderError,
  createB2CopyClient,
  createJust2TradeClient,
  createKeetaClient,
  parseKeetaCallback,
  type B2CopyTokenPair,
  type Just2TradeProfile,
  type KeetaCallback,
} from 'partnermock/client';

export async function typed(baseUrl: string): Promise<void> {
  const b2copy = createB2CopyClient({ baseUrl: `${baseUrl}/b2copy` });
  const signedIn = await b2copy.signIn({ email: 'username@example.com', password: 'Secret123' });
  if (!signedIn['2faRequired']) {
    const pair: B2CopyTokenPair = signedIn;
    const expiresAt: string = pair.accessToken.expiresAt;
    void expiresAt;
  }
  // @ts-expect-error the password is required
  await b2copy.signIn({ email: 'username@example.com' });
  // @ts-expect-error refresh takes the refresh token string, not the pair
  await b2copy.refresh(signedIn);
  // @ts-expect-error accountId, not account_id
  await b2copy.getAuthUrl({ account_id: '1', secretKey: 'x', investmentPlatformId: 1 });
  const { url }: { url: string } = await b2copy.getAuthUrl({
    accountId: 77632289,
    secretKey: 'Password1234!',
    investmentPlatformId: 1,
  });
  void url;

  // The underlying typed client: paths and bodies come from the spec.
  const raw = await b2copy.api.POST('/api/admin/auth/v2/admin/adminservice/refreshtoken', {
    body: { refresh_token: 'x' },
  });
  if (raw.data) {
    const token: string = raw.data.refreshToken.token;
    void token;
  }
  // @ts-expect-error not a B2COPY path
  await b2copy.api.POST('/connect/token', { body: {} });
  // @ts-expect-error refresh_token must be a string
  await b2copy.api.POST('/api/admin/auth/v2/admin/adminservice/refreshtoken', { body: { refresh_token: 1 } });

  const keeta = createKeetaClient({ baseUrl: `${baseUrl}/keeta` });
  const { merchantAuthorizationUrl } = await keeta.getAuthorizationUrl({ clientId: 'keeta-demo', state: 's' });
  void merchantAuthorizationUrl;
  // @ts-expect-error clientId is required
  await keeta.getAuthorizationUrl({ state: 's' });
  const callback: KeetaCallback = parseKeetaCallback(
    'https://crm.example/cb?authId=1&state=s&appId=2&timestamp=3',
    's',
  );
  // @ts-expect-error the state the CRM sent must be passed (undefined only on purpose)
  parseKeetaCallback('https://crm.example/cb?authId=1&state=s&appId=2&timestamp=3');
  const code: string | undefined = callback.code;
  // @ts-expect-error authId is a string
  const authId: number = callback.authId;
  (void code, authId);

  const just2trade = createJust2TradeClient({
    authBaseUrl: `${baseUrl}/just2trade/auth`,
    apiBaseUrl: `${baseUrl}/just2trade/api`,
    clientId: 'crm-demo',
    clientSecret: 'secret',
    redirectUri: 'http://localhost:3000/callback',
  });
  const authorizeUrl: string = just2trade.authorizeUrl({ state: 's' });
  void authorizeUrl;
  const token = await just2trade.exchangeCode('code');
  const expiresIn: number = token.expires_in;
  void expiresIn;
  const profile: Just2TradeProfile = await just2trade.getProfile(token.access_token);
  const accountNumber: string | undefined = profile.accounts[0]?.account_number;
  void accountNumber;
  // @ts-expect-error the profile has no password
  void profile.password;
  // @ts-expect-error parseCallback needs the state the CRM sent
  just2trade.parseCallback('http://localhost:3000/callback?code=x');

  try {
    await b2copy.refresh('not-a-token');
  } catch (error) {
    if (error instanceof ProviderError) {
      const status: number = error.status;
      const operationId: string = error.operationId;
      (void status, operationId);
    } else if (error instanceof CallbackError) {
      const reason: string = error.reason;
      void reason;
    }
  }
}

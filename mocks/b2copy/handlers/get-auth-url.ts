/**
 * `POST /api/v1/standalone/auth/getAuthUrl` (docs: b2copy-seamless-login.md): the Side Auth secret key buys a
 * one-time Web UI URL, `<Redirect URL setting>/<32 hex token>`, that signs the client account in.
 */
import { randomBytes } from 'node:crypto';
import type { components } from '../../../src/generated/b2copy.ts';
import type { HandlerContext } from '../../../src/index.ts';
import { B2CopyError } from '../errors.ts';
import type { Account, SideAuthSettings } from '../fixtures.ts';
import type { B2Copy } from '../index.ts';

type AuthUrlRequest = components['schemas']['AuthUrlRequest'];

export async function getAuthUrl(ctx: HandlerContext<B2Copy, 'getAuthUrl'>) {
  const body = ctx.request.body;
  const { secretKey, field } = secretKeyOf(body);

  const settings = await ctx.fixtures.get<SideAuthSettings>('settings', 'sideAuth');
  // The docs warn that saving System > Settings can reset the key to empty; then nothing gets a URL.
  if (!settings || settings.secretKey === '') {
    throw new B2CopyError(
      403,
      'secret_key_not_set',
      'The Side Auth Secret Key is not set in System > Settings (saving other settings can reset it to empty); enter a value there first.',
    );
  }
  if (secretKey !== settings.secretKey) {
    throw new B2CopyError(
      401,
      'invalid_secret_key',
      'The secret key is invalid: it does not match the Side Auth Secret Key in System > Settings.',
      field,
    );
  }
  // Checked after the secret key, so that accounts cannot be probed without it.
  const account = await ctx.fixtures.get<Account>('accounts', body.account_id);
  if (!account || account.investmentPlatformId !== body.investment_platform_id) {
    throw new B2CopyError(
      404,
      'account_not_found',
      `Account ${body.account_id} was not found on investment platform ${body.investment_platform_id}.`,
      '/account_id',
    );
  }

  const token = randomBytes(16).toString('hex');
  await ctx.state.authUrlTokens.set(token, {
    token,
    accountId: account.accountId,
    investmentPlatformId: account.investmentPlatformId,
    expiresAtMs: ctx.clock.nowMs() + ctx.options.authUrlTtlSeconds * 1000,
  });
  const url = `${settings.redirectUrl.replace(/\/+$/, '')}/${token}`;
  return ctx.respond.json(200, { status: 200, meta: { behaviours: [], status: 200 }, data: { url }, modules: [] });
}

/**
 * The secret key, and the body member it came in (for the error's `field`). The docs' table spells the
 * member `secrete_key`, their example `secret_key`: either is accepted, both only when they are equal.
 * The spec requires one of them, so the key is never missing here; were it missing, it would match no
 * setting (an empty setting is refused before the comparison).
 */
function secretKeyOf(body: AuthUrlRequest): { secretKey: string | undefined; field: string } {
  const { secret_key: secretKey, secrete_key: secreteKey } = body;
  if (secretKey !== undefined && secreteKey !== undefined && secretKey !== secreteKey) {
    throw new B2CopyError(
      400,
      'secret_key_mismatch',
      'secret_key and secrete_key must be equal when both are sent.',
      '/secrete_key',
    );
  }
  return secretKey !== undefined
    ? { secretKey, field: '/secret_key' }
    : { secretKey: secreteKey, field: '/secrete_key' };
}

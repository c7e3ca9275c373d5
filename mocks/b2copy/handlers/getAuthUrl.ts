/**
 * `POST /api/v1/standalone/auth/getAuthUrl` (docs page 000): the Side Auth secret key buys a
 * one-time Web UI URL, `<Redirect URL setting>/<32 hex token>`, that signs the client account in.
 */
import { randomBytes } from 'node:crypto';
import type { components } from '../../../src/generated/b2copy.ts';
import { sweepWhenGrown, type HandlerContext } from '../../../src/index.ts';
import { B2CopyError } from '../errors.ts';
import type { Account, SideAuthSettings } from '../fixtures.ts';
import type { B2CopyServices } from '../services.ts';
import { SWEEP_FLOOR, type B2CopyState } from '../state.ts';

type Body = components['schemas']['AuthUrlRequest'] & { secret_key?: string; secrete_key?: string };

export function getAuthUrl(ctx: HandlerContext<B2CopyState, B2CopyServices>) {
  const body = ctx.request.body as Body;
  // The docs' table spells the field `secrete_key`, their example `secret_key`: either is accepted.
  if (body.secret_key !== undefined && body.secrete_key !== undefined && body.secret_key !== body.secrete_key) {
    throw new B2CopyError(
      400,
      'secret_key_mismatch',
      'secret_key and secrete_key must be equal when both are sent.',
      '/secrete_key',
    );
  }
  const secretKey = (body.secret_key ?? body.secrete_key)!;
  const field = body.secret_key !== undefined ? '/secret_key' : '/secrete_key';

  const settings = ctx.fixtures.get<SideAuthSettings>('settings', 'sideAuth');
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
  const account = ctx.fixtures.get<Account>('accounts', body.account_id);
  if (!account || account.investmentPlatformId !== body.investment_platform_id) {
    throw new B2CopyError(
      404,
      'account_not_found',
      `Account ${body.account_id} was not found on investment platform ${body.investment_platform_id}.`,
      '/account_id',
    );
  }

  sweepWhenGrown(ctx.state.authUrlTokens, (entry) => entry.expiresAtMs <= ctx.clock.nowMs(), SWEEP_FLOOR);
  const token = randomBytes(16).toString('hex');
  ctx.state.authUrlTokens.set(token, {
    accountId: account.accountId,
    investmentPlatformId: account.investmentPlatformId,
    expiresAtMs: ctx.clock.nowMs() + ctx.services.options.authUrlTtlSeconds * 1000,
  });
  const url = `${settings.redirectUrl.replace(/\/+$/, '')}/${token}`;
  return ctx.respond.json(200, { status: 200, meta: { behaviours: [], status: 200 }, data: { url }, modules: [] });
}

/**
 * Recording a merchant's decision and turning it into the redirect back (docs: seeds 003,
 * `redirectUri?authId=authId&state=%s&appId=%s&timestamp=%s&keetaMerchantId=%s&code=%s`).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Clock, FixtureStore } from '../../src/index.ts';
import type { KeetaApp, KeetaAuthorization, Merchant } from './fixtures.ts';
import type { PendingForm } from './pending-forms.ts';

export type Decision = { decision: 'authorized'; merchant: Merchant } | { decision: 'denied'; merchant?: Merchant };

/**
 * Stores the decision in the session's read-only `authorizations` collection and returns it. Every
 * decision gets a fresh authId (UUID v4, inferred: the docs give no example) and, for an authorized
 * shop-level app, a fresh random code. The docs document no endpoint that redeems the code, so
 * none is invented: it is unique, issued once, and kept with its authorization.
 */
export function recordDecision(
  fixtures: FixtureStore,
  clock: Clock,
  form: PendingForm,
  app: KeetaApp,
  outcome: Decision,
): KeetaAuthorization {
  const timestamp = clock.nowMs();
  const authorization: KeetaAuthorization = {
    authId: randomUUID(),
    decision: outcome.decision,
    clientId: app.clientId,
    appId: app.appId,
    mode: app.mode,
    ...(outcome.merchant ? { merchantId: outcome.merchant.id, merchantName: outcome.merchant.name } : {}),
    state: form.state,
    ...(form.redirectUri !== undefined ? { redirectUri: form.redirectUri } : {}),
    ...(outcome.decision === 'authorized' && app.mode === 'shop_level_authorization_code'
      ? { code: randomBytes(16).toString('hex') }
      : {}),
    timestamp,
    createdAt: new Date(timestamp).toISOString(),
  };
  // A plugin writes its read-only collections directly; the control API only lists them.
  fixtures.add('authorizations', authorization);
  return authorization;
}

/**
 * The query parameters of the redirect back, in the docs' order. Authorized: the documented
 * parameters (keetaMerchantId and code only in shop-level mode). Denied (inferred, the docs describe
 * only success): OAuth's `error=access_denied` (RFC 6749 §4.1.2.1) with a description and the state.
 */
export function redirectParameters(authorization: KeetaAuthorization): URLSearchParams {
  if (authorization.decision === 'denied') {
    return new URLSearchParams([
      ['error', 'access_denied'],
      ['error_description', 'The merchant denied the authorization request.'],
      ['state', authorization.state],
    ]);
  }
  const params = new URLSearchParams([
    ['authId', authorization.authId],
    ['state', authorization.state],
    ['appId', authorization.appId],
    ['timestamp', String(authorization.timestamp)],
  ]);
  if (authorization.code !== undefined && authorization.merchantId !== undefined) {
    params.append('keetaMerchantId', authorization.merchantId);
    params.append('code', authorization.code);
  }
  return params;
}

/**
 * For the inspector: whether a JWT seen in a B2COPY exchange verifies, and against what. B2COPY's own access
 * and refresh tokens (RS256) against the session's published keys, found by `kid` (a retired key says so);
 * an external CRM's token (ES256) against the public key registered for its `key_id`. Only the signature
 * is checked here: expiry and the rest are the inspector's to show, on the session's clock.
 */
import { compactVerify, decodeJwt, decodeProtectedHeader } from 'jose';
import type { PluginContext } from '../../src/index.ts';
import type { Integration } from './fixtures.ts';
import type { B2Copy } from './index.ts';
import { publishedKeys, retiredAt } from './keys.ts';

type Verdict = { verified: boolean; detail: string };

export async function inspectToken(token: string, ctx: PluginContext<B2Copy>): Promise<Verdict | undefined> {
  const header = decodeProtectedHeader(token);
  // The signature only (compactVerify checks no claim): a token is shown whatever its age, times beside it.
  if (header.alg === 'RS256') {
    const sessionKeys = await ctx.state.signingKeys.get();
    const published = (await publishedKeys(sessionKeys, ctx.services)).find(
      (candidate) => candidate.kid === header.kid,
    );
    if (!published) {
      const retired = retiredAt(sessionKeys, String(header.kid));
      return {
        verified: false,
        detail:
          retired !== undefined
            ? `signed with key ${String(header.kid)}, retired at ${new Date(retired * 1000).toISOString()}`
            : `kid ${JSON.stringify(header.kid ?? null)} is not in this session's JWKS`,
      };
    }
    const key = await ctx.services.signingKey(published);
    return verdict(() => compactVerify(token, key.publicKey, { algorithms: ['RS256'] }), `JWKS key ${key.kid}`);
  }
  if (header.alg === 'ES256') {
    const keyId = decodeJwt(token).key_id;
    const integration =
      typeof keyId === 'string' ? await ctx.fixtures.get<Integration>('integrations', keyId) : undefined;
    if (!integration) return { verified: false, detail: `key_id ${JSON.stringify(keyId ?? null)} is not registered` };
    const key = await ctx.services.externalKey(integration.publicKeyPem);
    return verdict(() => compactVerify(token, key, { algorithms: ['ES256'] }), `integration ${keyId}'s key`);
  }
  return undefined;
}

async function verdict(verify: () => Promise<unknown>, against: string): Promise<Verdict> {
  try {
    await verify();
    return { verified: true, detail: `signature verified with ${against}` };
  } catch (error) {
    return { verified: false, detail: `signature does not verify with ${against}: ${(error as Error).message}` };
  }
}

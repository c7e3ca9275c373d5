/**
 * `POST /api/admin/auth/v2/admin/adminservice/authexternalcrm` (docs: b2copy-external-crm.md): the external CRM
 * exchanges its ES256 JWT for a token pair of the service admin named in `admin_id`.
 */
import type { HandlerContext } from '../../../src/index.ts';
import { B2CopyError } from '../errors.ts';
import { verifyExternalToken } from '../external-token.ts';
import type { B2Copy } from '../index.ts';
import { isAllowedIp } from '../ip-address.ts';
import { issueTokenPair } from '../tokens.ts';

export async function authExternalCrm(ctx: HandlerContext<B2Copy, 'authExternalCrm'>) {
  const { adminId, deviceIp, integration } = await verifyExternalToken(ctx.request.body.external_token, ctx);

  // Known and verified, but switched off on B2COPY's side (a partner-side change): refused until enabled.
  if (integration.disabled === true) {
    throw new B2CopyError(
      403,
      'integration_disabled',
      `key_id ${integration.keyId} is disabled: B2COPY accepts no external_token signed for this integration until it is enabled again.`,
      '/external_token',
    );
  }

  // Admin ids are compared as strings: the claim may be 1 or "1", a fixture { id: 1 } or { id: "1" }.
  if (!(await ctx.fixtures.get('admins', adminId))) {
    throw new B2CopyError(403, 'admin_not_found', `admin_id ${adminId} is not a service admin.`, '/external_token');
  }
  const allowed = integration.allowedIps;
  if (!isAllowedIp(deviceIp, allowed)) {
    throw new B2CopyError(
      403,
      'ip_not_allowed',
      `device_ip ${deviceIp} is not allowed for key_id ${integration.keyId} (allowed: ${allowed.join(', ')}).`,
      '/external_token',
    );
  }
  // The TCP peer, never a header: the CRM's own claim about its address is not enough.
  const source = ctx.request.remoteAddress;
  if (!isAllowedIp(source, allowed)) {
    throw new B2CopyError(
      403,
      'ip_not_allowed',
      `request source address ${source} is not allowed for key_id ${integration.keyId} (allowed: ${allowed.join(', ')}).`,
    );
  }

  // The family remembers the key, so that refresh refuses it too while the key is disabled or removed.
  const owner = { sub: adminId, subType: 'service_admin', keyId: integration.keyId } as const;
  return ctx.respond.json(200, await issueTokenPair(ctx, owner));
}

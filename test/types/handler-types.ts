/**
 * Type test (checked by `npm run typecheck`, never run): handlers are typed from their operation in the
 * spec. Each `@ts-expect-error` line must fail to compile; if one ever compiles, tsc reports the unused
 * directive and the typecheck fails. Built on the test-only Tollgate provider (test/fixtures/fourth-provider).
 */
import { definePlugin, type HandlerContext } from '../../src/index.ts';
import { issueToken, whoAmI, type Tollgate } from '../fixtures/fourth-provider/index.ts';

export function wellTyped(ctx: HandlerContext<Tollgate, 'issueToken'>) {
  // The body's fields have the schema's types, with no cast.
  const grant: 'client_credentials' = ctx.request.body.grant_type;
  const clientId: string = ctx.request.body.client_id;
  void grant;
  void clientId;
  return ctx.respond.json(200, { access_token: 'a'.repeat(16), token_type: 'Bearer', expires_in: 60 });
}

export function wrongStatus(ctx: HandlerContext<Tollgate, 'issueToken'>) {
  // @ts-expect-error 201 is not a status issueToken declares.
  return ctx.respond.json(201, { access_token: 'x', token_type: 'Bearer', expires_in: 60 });
}

export function wrongBody(ctx: HandlerContext<Tollgate, 'issueToken'>) {
  // @ts-expect-error token_type is the const 'Bearer'.
  return ctx.respond.json(200, { access_token: 'x', token_type: 'bearer', expires_in: 60 });
}

export function missingField(ctx: HandlerContext<Tollgate, 'issueToken'>) {
  // @ts-expect-error expires_in is required in the 200 answer.
  return ctx.respond.json(200, { access_token: 'x', token_type: 'Bearer' });
}

export function unknownRequestField(ctx: HandlerContext<Tollgate, 'issueToken'>) {
  // @ts-expect-error the token request has no `scope` field.
  return ctx.request.body.scope;
}

export function noBodyOnAGet(ctx: HandlerContext<Tollgate, 'whoAmI'>) {
  // @ts-expect-error whoAmI takes no body.
  return ctx.request.body.grant_type;
}

export const wrongKeys = definePlugin<Tollgate>({
  name: 'tollgate',
  spec: 'tollgate.yaml',
  mounts: ['/tollgate'],
  formatError: () => ({ status: 500 }),
  handlers: {
    issueToken,
    // @ts-expect-error no operation is called issueTokens.
    issueTokens: issueToken,
  },
});

export const swapped = definePlugin<Tollgate>({
  name: 'tollgate',
  spec: 'tollgate.yaml',
  mounts: ['/tollgate'],
  formatError: () => ({ status: 500 }),
  // @ts-expect-error whoAmI's handler reads no body and answers whoAmI's statuses; it cannot answer issueToken.
  handlers: { issueToken: whoAmI, whoAmI },
});

/** `POST /api/v2/signin` (docs: b2copy-signin.md): Back Office credentials for a token pair. */
import type { HandlerContext } from '../../../src/index.ts';
import { B2CopyError } from '../errors.ts';
import type { BackOfficeUser } from '../fixtures.ts';
import type { B2Copy } from '../index.ts';
import { issueTokenPair } from '../tokens.ts';

export async function signIn(ctx: HandlerContext<B2Copy, 'signIn'>) {
  const { email, password } = ctx.request.body;
  const user = await ctx.fixtures.get<BackOfficeUser>('users', email);
  // One answer for an unknown email and a wrong password, so emails cannot be probed.
  if (!user || user.password !== password) {
    throw new B2CopyError(401, 'invalid_credentials', 'The email or password is incorrect.');
  }
  // The docs show the `2faRequired` flag but not the second step: such a user gets no tokens here.
  if (user.twoFactor) return ctx.respond.json(200, { '2faRequired': true });
  // Back Office users have no id in the fixtures; the token's subject is their email (inferred).
  return ctx.respond.json(200, await issueTokenPair(ctx, { sub: user.email, subType: 'back_office_user' }));
}

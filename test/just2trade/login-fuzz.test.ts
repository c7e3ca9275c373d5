/**
 * Property: whatever is posted to the login page (which the core does not validate: it is not in the
 * spec) — random forms, JSON, text, cookies, content types — the answer is below 500, HTML, and never
 * a redirect unless the post carries a real form's pending id, its CSRF token in field and cookie, and
 * the right credentials. A real pending form stays usable throughout.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { LOGIN, just2tradeApp, type Flow, type LoginForm } from './flow.ts';

let flow: Flow;
let form: LoginForm;
beforeAll(async () => {
  flow = (await just2tradeApp()).flow();
  form = await flow.openLogin();
});

describe('the login page under arbitrary input', () => {
  it('never answers 5xx and never redirects without a genuine submission', async () => {
    const value = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.constantFrom('', 'login', 'password', '%zz', 'a\u0000b'),
      fc.constant(undefined),
    );
    const fields = fc.record({
      pending: fc.oneof(value, fc.constant(form.pending)),
      csrf_token: fc.oneof(value, fc.constant(form.csrfToken)),
      login: value,
      // Never the right password, so no generated post is a genuine submission.
      password: value.filter((v) => v !== 'password'),
    });
    const bodies = fc.oneof(
      fields.map((f) => ({
        type: 'application/x-www-form-urlencoded',
        body: new URLSearchParams(
          Object.entries(f).filter(([, v]) => v !== undefined) as [string, string][],
        ).toString(),
      })),
      fields.map((f) => ({ type: 'application/json', body: JSON.stringify(f) })),
      fc.jsonValue().map((v) => ({ type: 'application/json', body: JSON.stringify(v) })),
      fc.record({
        type: fc.constantFrom('text/plain', 'application/json', 'application/x-www-form-urlencoded', ''),
        body: fc.string({ maxLength: 80 }),
      }),
    );
    const cookies = fc.oneof(
      fc.constant(''),
      fc.constant(form.cookie),
      fc.string({ maxLength: 60 }).filter((c) => /^[\x20-\x7e]*$/.test(c)),
    );

    await fc.assert(
      fc.asyncProperty(bodies, cookies, async ({ type, body }, cookie) => {
        const post = flow.http.post(LOGIN).set('X-Mock-Session', flow.session).redirects(0);
        if (type) post.set('Content-Type', type);
        if (cookie) post.set('Cookie', cookie);
        const response = await post.send(body);
        expect(response.status, `${type} ${body} ${cookie}\n${response.text}`).toBeLessThan(500);
        expect(response.headers['content-type']).toMatch(/^text\/html/);
        expect(response.headers.location).toBeUndefined();
      }),
      { numRuns: 300 },
    );
    // The genuine form was never spoiled by any of it.
    expect((await flow.submitLogin(form)).status).toBe(302);
  });
});

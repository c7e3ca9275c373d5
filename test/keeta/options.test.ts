/** `createKeetaPlugin(options)`: the form lifetime and the cap on pending forms per session. */
import { describe, expect, it } from 'vitest';
import { createKeetaPlugin } from '../../mocks/keeta/index.ts';
import { mockApp, newSession } from '../helpers.ts';
import { errorMessage, linkFor, openPage, submit } from './keeta-helpers.ts';

describe('createKeetaPlugin options', () => {
  it('formLifetimeSeconds sets how long a form stays submittable', async () => {
    const { http } = await mockApp({
      providers: [],
      plugins: [createKeetaPlugin({ formLifetimeSeconds: 30 })],
      log: () => {},
    });
    const session = newSession();
    const link = await linkFor(http, session, { clientId: 'keeta-demo', redirectUri: 'https://crm.example.com/cb' });
    const early = (await openPage(http, session, link)).form;
    const late = (await openPage(http, session, link)).form;
    await http.post('/__mock/clock').set('X-Mock-Session', session).send({ advanceSeconds: 29 });
    expect((await submit(http, session, early)).status).toBe(302);
    await http.post('/__mock/clock').set('X-Mock-Session', session).send({ advanceSeconds: 1 });
    const expired = await submit(http, session, late);
    expect(expired.status).toBe(400);
    expect(errorMessage(expired.text)).toMatch(/expired/);
  });

  it('maxPendingForms forgets the oldest unsubmitted forms beyond the cap', async () => {
    const { http } = await mockApp({
      providers: [],
      plugins: [createKeetaPlugin({ maxPendingForms: 2 })],
      log: () => {},
    });
    const session = newSession();
    const link = await linkFor(http, session, { clientId: 'keeta-demo', redirectUri: 'https://crm.example.com/cb' });
    const forms = [];
    for (let i = 0; i < 3; i += 1) forms.push((await openPage(http, session, link)).form);
    const forgotten = await submit(http, session, forms[0]!);
    expect(forgotten.status).toBe(400);
    expect(errorMessage(forgotten.text)).toMatch(/unknown or was forgotten/);
    expect((await submit(http, session, forms[1]!)).status).toBe(302);
    expect((await submit(http, session, forms[2]!)).status).toBe(302);
  });

  it('refuses nonsense at creation', () => {
    expect(() => createKeetaPlugin({ formLifetimeSeconds: 0 })).toThrow(/formLifetimeSeconds/);
    expect(() => createKeetaPlugin({ formLifetimeSeconds: Number.NaN })).toThrow(/formLifetimeSeconds/);
    expect(() => createKeetaPlugin({ maxPendingForms: 1.5 })).toThrow(/maxPendingForms/);
  });
});

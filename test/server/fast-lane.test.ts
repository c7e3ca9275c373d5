/**
 * `startMockServer` listens with `MockApp.handle`, which hands provider requests straight to the
 * providers' routes; supertest and other express users drive `MockApp.app`. The two must answer alike:
 * the same requests, through each, give the same status, headers that matter and body.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockServer, type RunningMockServer } from '../../src/index.ts';

let mock: RunningMockServer;
beforeAll(async () => {
  mock = await startMockServer({ port: 0 });
});
afterAll(() => mock.close());

const cases: {
  name: string;
  method: 'GET' | 'POST' | 'DELETE' | 'HEAD';
  path: string;
  body?: string;
  type?: string;
}[] = [
  { name: 'an operation', method: 'GET', path: '/keeta/oauth/authorization/url?clientId=keeta-demo&state=s' },
  { name: 'a refusal by the spec', method: 'GET', path: '/keeta/oauth/authorization/url' },
  {
    name: 'a refusal by the handler',
    method: 'POST',
    path: '/b2copy/api/v2/signin',
    body: '{"email":"a@b.c","password":"x"}',
    type: 'application/json',
  },
  { name: 'broken JSON', method: 'POST', path: '/b2copy/api/v2/signin', body: '{', type: 'application/json' },
  { name: 'an unknown path under a mount', method: 'GET', path: '/just2trade/api/nope' },
  { name: 'a wrong method', method: 'DELETE', path: '/just2trade/auth/connect/token' },
  { name: 'a HEAD', method: 'HEAD', path: '/keeta/oauth/authorization/url?clientId=keeta-demo' },
  { name: 'a page', method: 'GET', path: '/just2trade/auth/connect/authorize/login' },
  { name: 'the control API', method: 'GET', path: '/__mock/health' },
  { name: 'no route at all', method: 'GET', path: '/nowhere' },
];

describe('the server handler and the express app answer alike', () => {
  it.each(cases)('$name', async ({ method, path, body, type }) => {
    const viaServer = await fetch(`${mock.url}${path}`, {
      method,
      ...(body ? { body, headers: { 'Content-Type': type! } } : {}),
    });
    const serverText = await viaServer.text();
    let viaApp = request(mock.mock.app)[method.toLowerCase() as 'get'](path);
    if (body) viaApp = viaApp.set('Content-Type', type!).send(body);
    const appAnswer = await viaApp;
    expect(viaServer.status).toBe(appAnswer.status);
    for (const header of ['content-type', 'cache-control', 'allow', 'www-authenticate', 'x-frame-options']) {
      expect(viaServer.headers.get(header) ?? undefined, header).toBe(appAnswer.headers[header]);
    }
    // Pages carry a fresh nonce and CSRF token per answer; everything else is byte for byte.
    if (!path.includes('/login')) expect(serverText).toBe(appAnswer.text ?? '');
  });
});

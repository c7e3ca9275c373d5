/** Edge cases at the transport and in the journal, over a real socket. */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockServer, type RunningMockServer } from '../../src/index.ts';

let mock: RunningMockServer;
beforeAll(async () => {
  mock = await startMockServer({ port: 0 });
});
afterAll(() => mock.close());

const SIGN_IN = '/b2copy/api/v2/signin';
const USER = JSON.stringify({ email: 'username@example.com', password: 'Secret123' });

describe('edge cases', () => {
  it('a JSON body that starts with a byte-order mark is read as JSON', async () => {
    const response = await fetch(`${mock.url}${SIGN_IN}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(USER)]),
    });
    expect(response.status).toBe(200);
  });

  it('an empty body declared gzip is an empty body, not an undecodable one', async () => {
    const response = await fetch(`${mock.url}${SIGN_IN}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', 'Content-Length': '0' },
    });
    expect(response.status).toBe(400);
    expect((await response.json()).errors[0].message).toMatch(/body is required/);
  });

  it('a refusal before the pipeline is journaled under the session it was sent in', async () => {
    const session = `edge-${process.pid}`;
    await fetch(`${mock.url}/b2copy/nope`, { headers: { 'X-Mock-Session': session } });
    const journal = await (
      await fetch(`${mock.url}/__mock/journal`, { headers: { 'X-Mock-Session': session } })
    ).json();
    expect(journal).toEqual([expect.objectContaining({ session, path: '/b2copy/nope', status: 404 })]);
  });
});

describe('closing with a request in flight', () => {
  it('answers a pipelined request that arrives while closing, and the process lives on', async () => {
    const closing = await startMockServer({ port: 0 });
    const socket = connect(closing.port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    await new Promise((resolve) => socket.once('connect', resolve));
    // Half a sign-in, then close, then the rest and a second request on the same socket.
    socket.write(
      `POST ${SIGN_IN} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${USER.length}\r\n\r\n` +
        USER.slice(0, 10),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closed = closing.close();
    socket.write(`${USER.slice(10)}GET /__mock/health HTTP/1.1\r\nHost: x\r\n\r\n`);
    await closed;
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.destroy();
    expect(received).toMatch(/^HTTP\/1\.1 200/);
    expect(received).toMatch(/Connection: close/i);
  });
});

/**
 * `GET /__mock/events` over a real socket (issue 17, items 1 and 3): the journal live as Server-Sent
 * Events. Entries recorded after a reader connects arrive as events (`id:` the entry's id, the entry as
 * JSON), filtered by session (`?session=` or `X-Mock-Session`) and provider; heartbeat comments keep an
 * idle stream alive; a reader that stops reading is dropped (its socket closed, its listener gone) while
 * the others go on; and a stopping server ends the streams, its close() not held open by them.
 */
import { get, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockServer, type JournalEntry, type RunningMockServer } from '../../src/index.ts';
import { newSession } from '../helpers.ts';

let mock: RunningMockServer;
beforeAll(async () => {
  mock = await startMockServer({ port: 0, log: () => {} });
});
afterAll(async () => {
  await mock?.close();
});

/** Every wait in this file is bounded by this (a failure, not a hang). */
const WAIT_MS = 10_000;

interface SseEvent {
  id?: string;
  event?: string;
  data?: string;
}

/**
 * A reader of the event stream at `path` (below the server's URL): the events and comments as they come.
 * `opened` resolves once the preamble arrived, from which point the server is listening for it.
 */
function openStream(server: RunningMockServer, path: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const events: SseEvent[] = [];
  const comments: string[] = [];
  let ended = false;
  let changed: () => void = () => {};
  const next = () => new Promise<void>((resolve) => (changed = resolve));

  // node:http with no agent rather than fetch: fetch's pool opens a spare connection when a stream is
  // aborted, which would hold the server's close() until that connection times out.
  const done = (async () => {
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const request = get(`${server.url}${path}`, { headers, agent: false, signal: controller.signal }, resolve);
      request.on('error', reject);
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(response.headers['cache-control']).toBe('no-store');
    response.setEncoding('utf8');
    let buffered = '';
    try {
      for await (const chunk of response) {
        buffered += chunk as string;
        let end: number;
        while ((end = buffered.indexOf('\n\n')) !== -1) {
          const block = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const event: SseEvent = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else if (line.startsWith('id: ')) event.id = line.slice(4);
            else if (line.startsWith('event: ')) event.event = line.slice(7);
            else if (line.startsWith('data: ')) event.data = line.slice(6);
          }
          if (event.data !== undefined) events.push(event);
        }
        changed();
      }
    } catch (error) {
      if (!controller.signal.aborted) throw error;
    } finally {
      ended = true;
      changed();
    }
  })();

  /** Waits (bounded) until `condition` holds of what has arrived. */
  const until = async (condition: () => boolean, what: string) => {
    const deadline = Date.now() + WAIT_MS;
    while (!condition()) {
      if (ended && !condition()) throw new Error(`the stream ended before ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await Promise.race([next(), new Promise((resolve) => setTimeout(resolve, Math.min(left, 200)))]);
    }
  };

  const entries = () => events.map((event) => ({ event, entry: JSON.parse(event.data!) as JournalEntry }));
  return {
    events,
    comments,
    entries,
    ended: () => ended,
    done,
    until,
    opened: until(() => comments.some((comment) => comment.startsWith('partnermock journal')), 'the preamble'),
    /** Waits for the entry with this id to arrive. */
    receive: (id: string) => until(() => events.some((event) => event.id === id), `entry ${id}`),
    close: () => controller.abort(),
  };
}

type Stream = ReturnType<typeof openStream>;

/** A provider request in `session` (answered whatever its status); the id of the entry it made. */
async function request(server: RunningMockServer, session: string, provider: 'b2copy' | 'keeta' | 'just2trade') {
  const path = {
    b2copy: '/b2copy/api/v2/signin',
    keeta: '/keeta/oauth/authorization/url?clientId=keeta-demo',
    just2trade: '/just2trade/api/auth',
  }[provider];
  const response = await fetch(`${server.url}${path}`, {
    method: provider === 'b2copy' ? 'POST' : 'GET',
    headers: { 'X-Mock-Session': session, 'Content-Type': 'application/json' },
    ...(provider === 'b2copy' ? { body: JSON.stringify({ email: 'username@example.com', password: 'nope' }) } : {}),
    signal: AbortSignal.timeout(WAIT_MS),
  });
  await response.body?.cancel();
  const [entry] = await server.session(session).journal({ provider, limit: 1 });
  return entry!.id;
}

describe('events', () => {
  let stream: Stream | undefined;
  afterAll(() => stream?.close());

  it('streams each entry recorded after connecting, as an event with its id and the entry as JSON', async () => {
    const session = newSession();
    const earlier = await request(mock, session, 'keeta');
    stream = openStream(mock, `/__mock/events?session=${session}`);
    await stream.opened;
    const ids = [
      await request(mock, session, 'b2copy'),
      await request(mock, session, 'keeta'),
      await request(mock, session, 'just2trade'),
    ];
    await stream.receive(ids[2]!);

    expect(stream.events.map((event) => event.id)).toEqual(ids);
    expect(stream.events.every((event) => event.event === 'exchange')).toBe(true);
    expect(stream.events.some((event) => event.id === earlier)).toBe(false);
    const listed = await mock.session(session).journal({ limit: 3 });
    // Each event is the entry as the journal lists it.
    expect(stream.entries().map(({ entry }) => entry)).toEqual(listed.reverse());
    expect(stream.entries()[0]!.entry).toMatchObject({
      session,
      provider: 'b2copy',
      operationId: 'signIn',
      method: 'POST',
      path: '/b2copy/api/v2/signin',
      status: 401,
    });
  });
});

describe('filters', () => {
  it('?session= and the X-Mock-Session header keep one session; ?provider= one provider', async () => {
    const [a, b] = [newSession(), newSession()];
    // A quick heartbeat: one that arrives after an event was written proves the event has arrived too.
    const byQuery = openStream(mock, `/__mock/events?session=${a}&heartbeatMs=50`);
    const byHeader = openStream(mock, '/__mock/events?heartbeatMs=50', { 'X-Mock-Session': b });
    const keetaOnly = openStream(mock, '/__mock/events?provider=keeta&heartbeatMs=50');
    const keetaOfA = openStream(mock, `/__mock/events?provider=keeta&session=${a}&heartbeatMs=50`);
    const everything = openStream(mock, '/__mock/events?heartbeatMs=50');
    const filtered = [byQuery, byHeader, keetaOnly, keetaOfA];
    const streams = [...filtered, everything];
    try {
      await Promise.all(streams.map((stream) => stream.opened));
      const made: { id: string; session: string; provider: string }[] = [];
      for (const session of [a, b]) {
        for (const provider of ['b2copy', 'keeta', 'just2trade'] as const) {
          made.push({ id: await request(mock, session, provider), session, provider });
        }
      }
      const ids = (pick: (made: { session: string; provider: string }) => boolean) =>
        made.filter(pick).map((each) => each.id);
      const expected = [
        ids((each) => each.session === a),
        ids((each) => each.session === b),
        ids((each) => each.provider === 'keeta'),
        ids((each) => each.provider === 'keeta' && each.session === a),
      ];
      // The last entry was written to every stream it passes at once; once the unfiltered stream has it,
      // two more heartbeats on each stream bring whatever was written to that stream before.
      await everything.receive(made.at(-1)!.id);
      const beats = (stream: Stream) => stream.comments.filter((comment) => comment === 'heartbeat').length;
      await Promise.all(
        streams.map((stream) => {
          const seen = beats(stream);
          return stream.until(() => beats(stream) >= seen + 2, 'two more heartbeats');
        }),
      );
      for (const [index, stream] of filtered.entries()) {
        expect(stream.events.map((event) => event.id)).toEqual(expected[index]);
      }
      expect(byHeader.entries().every(({ entry }) => entry.session === b)).toBe(true);
      expect(keetaOnly.entries().every(({ entry }) => entry.provider === 'keeta')).toBe(true);
      // Other tests' requests may reach the unfiltered stream too.
      const all = everything.events.map((event) => event.id);
      expect(made.every((each) => all.includes(each.id))).toBe(true);
    } finally {
      for (const stream of streams) stream.close();
    }
  });
});

describe('heartbeat', () => {
  it('sends a comment every heartbeatMs on an idle stream', async () => {
    const session = newSession(); // nothing happens in it: only heartbeats arrive
    const stream = openStream(mock, `/__mock/events?session=${session}&heartbeatMs=100`);
    try {
      await stream.opened;
      const started = Date.now();
      await stream.until(() => stream.comments.filter((comment) => comment === 'heartbeat').length >= 3, '3 beats');
      // Three beats, 100 ms apart: not at once, and well before the default 15 s.
      expect(Date.now() - started).toBeGreaterThanOrEqual(200);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(stream.events).toHaveLength(0);
    } finally {
      stream.close();
    }
  });
});

describe('a slow reader', () => {
  it('is dropped: its socket closed and its listener gone, while another stream goes on', async () => {
    const server = await startMockServer({ port: 0, journalSize: 50, log: () => {} });
    // Counts the journal's live listeners (the streams' subscriptions), from outside its private set.
    const journal = server.mock.journal;
    const subscribe = journal.subscribe.bind(journal);
    let listeners = 0;
    journal.subscribe = (listener) => {
      listeners += 1;
      const stop = subscribe(listener);
      let stopped = false;
      return () => {
        if (!stopped) listeners -= 1;
        stopped = true;
        stop();
      };
    };
    let slow: Socket | undefined;
    const healthy = openStream(server, '/__mock/events?provider=b2copy');
    try {
      await healthy.opened;
      expect(listeners).toBe(1);

      // A reader that sends its request and never reads a byte.
      slow = connect(server.port, '127.0.0.1');
      const socket = slow;
      socket.pause();
      let closed = false;
      const closing = new Promise<void>((resolve) => socket.once('close', () => ((closed = true), resolve())));
      socket.on('error', () => {}); // a reset is a close too
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      socket.write(`GET /__mock/events HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n\r\n`);
      await waitFor(() => listeners === 2, 'the slow reader to be listening');

      // Requests whose entries are large (a long path, each event ~8 KB), with large bodies, until the
      // server gives up on the slow reader: it must within far fewer than MAX_REQUESTS.
      const MAX_REQUESTS = 5000;
      const path = `/keeta/${'x'.repeat(8000)}`;
      const body = 'y'.repeat(16 * 1024);
      let sent = 0;
      const deadline = Date.now() + 20_000;
      while (listeners === 2 && sent < MAX_REQUESTS && Date.now() < deadline) {
        await Promise.all(
          Array.from({ length: 25 }, async () => {
            const response = await fetch(`${server.url}${path}`, {
              method: 'POST',
              body,
              signal: AbortSignal.timeout(WAIT_MS),
            });
            await response.body?.cancel();
          }),
        );
        sent += 25;
      }
      expect(listeners, `still listening after ${sent} requests`).toBe(1);

      // Dropped: reading what the kernel still holds, the slow reader then finds its socket closed.
      socket.resume();
      socket.on('data', () => {});
      await Promise.race([closing, sleep(WAIT_MS)]);
      expect(closed).toBe(true);

      // The healthy reader is still served, and still the only listener.
      const before = healthy.events.length;
      const response = await fetch(`${server.url}/b2copy/api/v2/signin`, {
        method: 'POST',
        body: '{}',
        signal: AbortSignal.timeout(WAIT_MS),
      });
      await response.body?.cancel();
      await healthy.until(() => healthy.events.length > before, 'an event after the drop');
      expect(healthy.entries().at(-1)!.entry).toMatchObject({ operationId: 'signIn', status: 400 });
      expect(listeners).toBe(1);

      healthy.close();
      await waitFor(() => listeners === 0, 'no listener left');
    } finally {
      healthy.close();
      slow?.destroy();
      await server.close();
    }
  }, 40_000);
});

describe('a stopping server', () => {
  it('ends its streams, and close() resolves promptly with a stream open', async () => {
    const server = await startMockServer({ port: 0, log: () => {} });
    const stream = openStream(server, '/__mock/events?heartbeatMs=60000');
    await stream.opened;
    const started = Date.now();
    await Promise.race([
      server.close(),
      sleep(WAIT_MS).then(() => {
        throw new Error('close() is held open by the stream');
      }),
    ]);
    expect(Date.now() - started).toBeLessThan(2000);
    await Promise.race([stream.done, sleep(WAIT_MS)]);
    expect(stream.ended()).toBe(true);
  });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `condition` until it holds, for at most WAIT_MS. */
async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

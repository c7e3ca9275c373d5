/**
 * The journal stays bounded now that it keeps each exchange (issue 17): over a real socket, 2,000 requests
 * with `journalSize: 50` leave 50 entries, the newest, and only their exchanges can be opened. An event
 * stream open meanwhile sees every one of them, so listening adds no entry either.
 */
import { get, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockServer, type JournalEntry, type RunningMockServer } from '../../src/index.ts';

const JOURNAL_SIZE = 50;
const REQUESTS = 2000;
const WAIT_MS = 10_000;

let mock: RunningMockServer;
beforeAll(async () => {
  mock = await startMockServer({ port: 0, journalSize: JOURNAL_SIZE, log: () => {} });
});
afterAll(async () => {
  await mock?.close();
});

async function journal(): Promise<JournalEntry[]> {
  const response = await fetch(`${mock.url}/__mock/journal?limit=1000`, { signal: AbortSignal.timeout(WAIT_MS) });
  expect(response.status).toBe(200);
  return (await response.json()) as JournalEntry[];
}

const detailStatus = async (id: string) => {
  const response = await fetch(`${mock.url}/__mock/journal/${id}`, { signal: AbortSignal.timeout(WAIT_MS) });
  await response.body?.cancel();
  return response.status;
};

describe('the journal', () => {
  it(`keeps ${JOURNAL_SIZE} entries after ${REQUESTS} requests`, async () => {
    // A listener meanwhile, counting the events (node:http: no spare pooled connection left behind).
    let events = 0;
    const controller = new AbortController();
    const stream = await new Promise<IncomingMessage>((resolve, reject) =>
      get(`${mock.url}/__mock/events`, { agent: false, signal: controller.signal }, resolve).on('error', reject),
    );
    stream.setEncoding('utf8');
    let opened: () => void;
    const ready = new Promise<void>((resolve) => (opened = resolve));
    let partial = '';
    stream.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop()!; // a line cut by the chunk's end waits for the rest
      for (const line of lines) {
        if (line.startsWith(': partnermock journal')) opened();
        if (line === 'event: exchange') events += 1;
      }
    });
    stream.on('error', () => {});
    await Promise.race([
      ready,
      new Promise((_, reject) => setTimeout(() => reject(new Error('no preamble')), WAIT_MS)),
    ]);

    try {
      let sent = 0;
      // Sign-ins with a body (refused: no such user), so each entry holds a request body and an answer.
      const body = JSON.stringify({ email: 'nobody@example.com', password: 'p'.repeat(2000) });
      while (sent < REQUESTS) {
        await Promise.all(
          Array.from({ length: 50 }, async () => {
            const response = await fetch(`${mock.url}/b2copy/api/v2/signin`, {
              method: 'POST',
              headers: { 'Content-Type': 'application/json' },
              body,
              signal: AbortSignal.timeout(WAIT_MS),
            });
            expect(response.status).toBe(401);
            await response.body?.cancel();
          }),
        );
        sent += 50;
      }

      const kept = await journal();
      expect(kept).toHaveLength(JOURNAL_SIZE);
      const ids = kept.map((entry) => Number(entry.id));
      // The newest, newest first: ids are consecutive and end with the last request's.
      expect(ids).toEqual(Array.from({ length: JOURNAL_SIZE }, (_, index) => REQUESTS - index));
      expect(kept.every((entry) => entry.operationId === 'signIn' && entry.status === 401)).toBe(true);
      expect(await detailStatus(String(REQUESTS))).toBe(200);
      expect(await detailStatus(String(REQUESTS - JOURNAL_SIZE + 1))).toBe(200);
      expect(await detailStatus(String(REQUESTS - JOURNAL_SIZE))).toBe(404);
      expect(await detailStatus('1')).toBe(404);

      // Every request reached the listener, and listening recorded nothing of its own.
      const deadline = Date.now() + WAIT_MS;
      while (events < REQUESTS && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(events).toBe(REQUESTS);
      expect(await journal()).toHaveLength(JOURNAL_SIZE);
    } finally {
      controller.abort();
    }
  }, 60_000);
});

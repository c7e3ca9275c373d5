/** Shared test setup: the mock as an express app for supertest (never a fixed port). */
import { fileURLToPath } from 'node:url';
import request from 'supertest';
import { createMockApp, type MockServerOptions } from '../src/index.ts';

export const NOTES_PLUGIN = fileURLToPath(new URL('./fixtures/notes-plugin/index.ts', import.meta.url));

export async function mockApp(options: MockServerOptions = {}) {
  const mock = await createMockApp(options);
  return { mock, http: request(mock.app) };
}

/** The mock serving only the test-only notes plugin (loaded by path, as `--plugin` does). */
export function notesApp(options: MockServerOptions = {}) {
  return mockApp({ providers: [], plugins: [NOTES_PLUGIN], ...options });
}

/** A fresh session id per test, so tests sharing one app never see each other's state. */
let counter = 0;
export function newSession(): string {
  counter += 1;
  return `test-${process.pid}-${counter}`;
}

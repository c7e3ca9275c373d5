/** The browser tests' gate: skipped without Chromium on a developer's machine, failed under CI=true. */
import { afterEach, describe, expect, it, vi } from 'vitest';

async function gateWith(env: { CI?: string; CHROMIUM_PATH: string }) {
  vi.resetModules();
  vi.stubEnv('CI', env.CI ?? '');
  vi.stubEnv('CHROMIUM_PATH', env.CHROMIUM_PATH);
  return import('./browser.ts');
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('the Chromium gate', () => {
  it('skips when Chromium is missing outside CI', async () => {
    expect((await gateWith({ CHROMIUM_PATH: '/nonexistent/chromium' })).skipWithoutChromium).toBe(true);
  });

  it('under CI=true never skips, and a missing Chromium fails with the reason', async () => {
    const gate = await gateWith({ CI: 'true', CHROMIUM_PATH: '/nonexistent/chromium' });
    expect(gate.skipWithoutChromium).toBe(false);
    expect(() => gate.launchChromium()).toThrow(/No Chromium at \/nonexistent\/chromium.*install Debian's chromium/);
  });

  it('runs wherever Chromium is', async () => {
    expect((await gateWith({ CHROMIUM_PATH: process.execPath })).skipWithoutChromium).toBe(false);
  });
});

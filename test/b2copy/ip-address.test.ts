/** IP addresses are compared as addresses: mapped IPv4, IPv6 spellings, and non-addresses. */
import { describe, expect, it } from 'vitest';
import { canonicalIp, isAllowedIp } from '../../mocks/b2copy/ip-address.ts';

describe('canonicalIp', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['::FFFF:7f00:1', '127.0.0.1'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['127.1', undefined],
    ['01.2.3.4', undefined],
    ['localhost', undefined],
    ['', undefined],
  ])('%s → %s', (given, want) => {
    expect(canonicalIp(given)).toBe(want);
  });
});

describe('isAllowedIp', () => {
  it('matches an address in any spelling, and nothing that is not an address', () => {
    expect(isAllowedIp('::ffff:10.0.0.1', ['10.0.0.1'])).toBe(true);
    expect(isAllowedIp('0::1', ['127.0.0.1', '::1'])).toBe(true);
    expect(isAllowedIp('10.0.0.2', ['10.0.0.1'])).toBe(false);
    expect(isAllowedIp('not-an-ip', ['not-an-ip'])).toBe(false);
  });
});

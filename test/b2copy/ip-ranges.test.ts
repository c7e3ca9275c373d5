/**
 * CIDR ranges in an integration's `allowedIps` (issue 15): the matcher (node's BlockList over the parsed
 * entries), the entry schema the control API and the config file validate with (and that it agrees with the
 * matcher on what an entry is), and external-CRM sign-in over real sockets from IPv4 and, where the host has
 * it, IPv6 loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devPublicKeyPem } from '../../mocks/b2copy/dev-keys/dev-key.ts';
import { collections } from '../../mocks/b2copy/fixtures.ts';
import { devPrivateKeyPem } from '../../mocks/b2copy/index.ts';
import { allowedIpList, allowedIpSchema, isAllowedIp, parseIpRange } from '../../mocks/b2copy/ip-address.ts';
import { createB2CopyClient } from '../../src/client/b2copy.ts';
import { ProviderError } from '../../src/client/provider-error.ts';
import { startMockServer, type RunningMockServer } from '../../src/index.ts';
import { compile, createSchemaCompilers } from '../../src/validation/ajv.ts';
import { newSession } from '../helpers.ts';

describe('parseIpRange', () => {
  it.each([
    ['10.0.0.0/8', { address: '10.0.0.0', prefix: 8, family: 'ipv4' }],
    ['10.1.2.3/8', { address: '10.1.2.3', prefix: 8, family: 'ipv4' }], // host bits allowed
    ['0.0.0.0/0', { address: '0.0.0.0', prefix: 0, family: 'ipv4' }],
    ['127.0.0.1/32', { address: '127.0.0.1', prefix: 32, family: 'ipv4' }],
    ['127.0.0.1', { address: '127.0.0.1', prefix: 32, family: 'ipv4' }],
    ['::ffff:127.0.0.1', { address: '127.0.0.1', prefix: 32, family: 'ipv4' }],
    ['fd00::/8', { address: 'fd00::', prefix: 8, family: 'ipv6' }],
    ['::ffff:10.0.0.0/104', { address: '::ffff:10.0.0.0', prefix: 104, family: 'ipv6' }],
    ['2001:DB8::1/128', { address: '2001:DB8::1', prefix: 128, family: 'ipv6' }],
    ['0:0:0:0:0:0:0:1', { address: '::1', prefix: 128, family: 'ipv6' }],
  ])('%s', (entry, range) => {
    expect(parseIpRange(entry)).toEqual(range);
  });

  it.each([
    '10.0.0.0/33',
    'fd00::/129',
    '10.0.0.0/08',
    '10.0.0.0/-1',
    '10.0.0.0/ 8',
    '10.0.0.0/',
    '/8',
    '10.0.0/8',
    '10.0.0.0/8/8',
    'fd00::g/8',
    'fe80::%eth0/10',
    'fe80::1%eth0',
    'localhost',
    '',
  ])('refuses %j', (entry) => {
    expect(parseIpRange(entry)).toBeUndefined();
  });
});

describe('isAllowedIp with ranges', () => {
  it('IPv4 ranges, with host bits beyond the prefix ignored', () => {
    expect(isAllowedIp('10.200.3.4', ['10.0.0.0/8'])).toBe(true);
    expect(isAllowedIp('11.0.0.1', ['10.0.0.0/8'])).toBe(false);
    expect(isAllowedIp('192.168.1.255', ['192.168.1.0/24'])).toBe(true);
    expect(isAllowedIp('192.168.2.0', ['192.168.1.0/24'])).toBe(false);
    expect(isAllowedIp('10.200.0.1', ['10.1.2.3/8'])).toBe(true);
  });

  it('IPv6 ranges, in any spelling', () => {
    expect(isAllowedIp('fd12:3456::1', ['fd00::/8'])).toBe(true);
    expect(isAllowedIp('FDFF:0:0:0:0:0:0:9', ['fd00::/8'])).toBe(true);
    expect(isAllowedIp('fe00::1', ['fd00::/8'])).toBe(false);
    expect(isAllowedIp('2001:db8:ffff::1', ['2001:DB8::/32'])).toBe(true);
    expect(isAllowedIp('2001:db9::1', ['2001:db8::/32'])).toBe(false);
    expect(isAllowedIp('::1', ['fd00::/8'])).toBe(false);
  });

  it('IPv4-mapped IPv6 is IPv4, both ways', () => {
    expect(isAllowedIp('::ffff:10.1.2.3', ['10.0.0.0/8'])).toBe(true);
    expect(isAllowedIp('::FFFF:a01:203', ['10.0.0.0/8'])).toBe(true);
    expect(isAllowedIp('::ffff:11.1.2.3', ['10.0.0.0/8'])).toBe(false);
    expect(isAllowedIp('10.1.2.3', ['::ffff:10.0.0.0/104'])).toBe(true);
    expect(isAllowedIp('10.1.2.3', ['::ffff:0:0/96'])).toBe(true);
    expect(isAllowedIp('11.1.2.3', ['::ffff:10.0.0.0/104'])).toBe(false);
  });

  it('/0 is every address of its family (and ::/0 every IPv4 address too, as mapped IPv6)', () => {
    expect(isAllowedIp('203.0.113.7', ['0.0.0.0/0'])).toBe(true);
    expect(isAllowedIp('::ffff:203.0.113.7', ['0.0.0.0/0'])).toBe(true);
    expect(isAllowedIp('::1', ['0.0.0.0/0'])).toBe(false);
    expect(isAllowedIp('2001:db8::1', ['::/0'])).toBe(true);
    expect(isAllowedIp('203.0.113.7', ['::/0'])).toBe(true);
  });

  it('/32 and /128 are one address', () => {
    expect(isAllowedIp('127.0.0.1', ['127.0.0.1/32'])).toBe(true);
    expect(isAllowedIp('::ffff:127.0.0.1', ['127.0.0.1/32'])).toBe(true);
    expect(isAllowedIp('127.0.0.2', ['127.0.0.1/32'])).toBe(false);
    expect(isAllowedIp('2001:DB8:0:0:0:0:0:1', ['2001:db8::1/128'])).toBe(true);
    expect(isAllowedIp('2001:db8::2', ['2001:db8::1/128'])).toBe(false);
  });

  it('single addresses still match as addresses, mixed with ranges', () => {
    expect(isAllowedIp('::ffff:10.0.0.1', ['10.0.0.1'])).toBe(true);
    expect(isAllowedIp('0::1', ['127.0.0.1', '::1'])).toBe(true);
    expect(isAllowedIp('10.0.0.2', ['10.0.0.1'])).toBe(false);
    expect(isAllowedIp('127.0.0.1', ['fd00::/8', '127.0.0.1'])).toBe(true);
    expect(isAllowedIp('fd00::5', ['127.0.0.1', 'fd00::/8'])).toBe(true);
  });

  it("ignores a caller's zone id: a link-local peer is still in fe80::/10", () => {
    expect(isAllowedIp('fe80::1%eth0', ['fe80::/10'])).toBe(true);
  });

  it('a malformed entry never matches, and does not stop the others from matching', () => {
    for (const entry of ['10.0.0.0/33', '::/129', '10.0.0.0/', '/0', '10.0.0.0/08', 'localhost', 'fe80::%eth0/10']) {
      for (const caller of ['10.0.0.1', '127.0.0.1', '::1', 'fe80::1', '203.0.113.7'])
        expect(isAllowedIp(caller, [entry]), `${caller} in [${entry}]`).toBe(false);
    }
    expect(isAllowedIp('10.0.0.1', ['10.0.0.0/33', 'not-an-ip', '10.0.0.0/8'])).toBe(true);
  });

  it('a caller that is not an address never matches, not even /0', () => {
    for (const caller of ['not-an-ip', '', '10.0.0.0/8', '127.1', '::1/128'])
      expect(isAllowedIp(caller, ['0.0.0.0/0', '::/0', caller]), caller).toBe(false);
  });

  it("builds each array's BlockList once, and again only when its entries change", () => {
    const allowed = ['10.0.0.0/8'];
    const list = allowedIpList(allowed);
    expect(allowedIpList(allowed)).toBe(list);
    expect(allowedIpList(['10.0.0.0/8'])).not.toBe(list); // another item's array: its own list
    allowed.push('fd00::/8');
    expect(allowedIpList(allowed)).not.toBe(list);
    expect(isAllowedIp('fd00::1', allowed)).toBe(true);
  });
});

describe('the allowedIps entry schema', () => {
  const validate = compile(createSchemaCompilers().fixture, allowedIpSchema);
  const errorsOf = (entry: string) => (validate(entry) ? [] : (validate.errors ?? []).map((error) => error.message));

  it.each(['10.0.0.0/8', 'fd00::/8', '127.0.0.1/32', '::1/128', '0.0.0.0/0', '::/0', '10.1.2.3/8', '::1', '1.2.3.4'])(
    'accepts %s',
    (entry) => expect(errorsOf(entry)).toEqual([]),
  );

  it('says what is wrong: the address, or the prefix length of its family', () => {
    expect(errorsOf('localhost')).toContain('must match format "ipv4"');
    expect(errorsOf('10.0.0.0/33')[0]).toBe('must match pattern "^[^/]*/(3[0-2]|[12]?[0-9])$"');
    expect(errorsOf('fd00::/129')[0]).toBe('must match pattern "^[^/]*/(12[0-8]|1[01][0-9]|[1-9]?[0-9])$"');
    expect(errorsOf('10.0.0/8')[0]).toMatch(/^must match pattern "\^\(25\[0-5\]/);
    expect(errorsOf('10.0.0/8')).toHaveLength(2); // the address pattern, and the branch it is in
  });

  // A seeded corpus of near-misses: the schema must accept exactly what the matcher can use.
  function corpus(): string[] {
    let seed = 15;
    const random = (n: number) => {
      // mulberry32
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return Math.floor((((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * n);
    };
    const pick = <T>(items: readonly T[]) => items[random(items.length)]!;
    const octet = () => (random(8) ? String(random(256)) : pick(['0', '255', '256', '01', '1000', '']));
    const group = () => pick(['0', '1', 'ffff', 'FD00', 'abc', '12345', 'g', random(65536).toString(16)]);
    const ipv4 = () => Array.from({ length: pick([3, 4, 4, 4, 4, 4, 5]) }, octet).join('.');
    const ipv6 = () => {
      const groups = Array.from({ length: pick([6, 7, 8, 8, 9]) }, () => (random(3) ? '0' : group()));
      let text = groups.join(':');
      if (random(2)) text = text.replace(pick([/(^|:)0(:0)+(:|$)/, /(^|:)0(:|$)/]), '::');
      if (random(4) === 0) text = `${text.replace(/(:[^:]*){2}$/, '')}:${ipv4()}`;
      return random(5) ? text : text.replace(/[^:]/, '');
    };
    const prefix = () => pick(['', '', `/${random(140)}`, '/0', '/32', '/33', '/128', '/129', '/08', '/', '/x']);
    return Array.from({ length: 3000 }, () => (random(2) ? ipv4() : ipv6()) + prefix());
  }

  it('accepts exactly the entries parseIpRange reads (3000 seeded addresses and near-misses)', () => {
    const entries = corpus();
    const disagreements = entries.filter((entry) => validate(entry) !== (parseIpRange(entry) !== undefined));
    expect(disagreements).toEqual([]);
    const accepted = entries.filter((entry) => validate(entry));
    // The corpus exercises both answers, for ranges and single addresses of both families, and embedded IPv4.
    for (const sample of [/^[\d.]+\/\d+$/, /:.*\/\d+$/, /^[\d.]+$/, /^[^/]*:[^/]*$/, /:[^/]*\./])
      expect(
        accepted.some((entry) => sample.test(entry)),
        String(sample),
      ).toBe(true);
    expect(entries.length - accepted.length).toBeGreaterThan(300);
  });

  it('is the schema of the integrations collection', () => {
    const schema = collections.integrations!.schema as { properties: { allowedIps: { items: unknown } } };
    expect(schema.properties.allowedIps.items).toBe(allowedIpSchema);
  });
});

describe('allowedIps ranges over HTTP', () => {
  let server: RunningMockServer;
  beforeAll(async () => {
    server = await startMockServer({ port: 0, providers: ['b2copy'], log: () => {} });
  });
  afterAll(() => server.close());

  /** Requests to `host` (not `server.url`'s localhost, which may resolve to either family) in one session. */
  function session(base: string) {
    const id = newSession();
    const fetchInSession = (input: Request) => {
      input.headers.set('X-Mock-Session', id);
      return fetch(input);
    };
    return {
      b2copy: createB2CopyClient({ baseUrl: `${base}/b2copy`, fetch: fetchInSession }),
      /** Registers the dev key's public half under `keyId` through the control API. */
      addIntegration: (keyId: string, allowedIps: string[]) =>
        fetch(`${base}/__mock/b2copy/integrations`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-Mock-Session': id },
          body: JSON.stringify({ keyId, publicKeyPem: devPublicKeyPem(), allowedIps }),
        }),
    };
  }
  const signIn = (b2copy: ReturnType<typeof session>['b2copy'], keyId: string, deviceIp: string) =>
    b2copy.signInExternalCrm({ privateKeyPem: devPrivateKeyPem(), keyId, adminId: 1, deviceIp });
  const refusal = (promise: Promise<unknown>) =>
    promise.then(
      () => expect.unreachable('signed in'),
      (error: unknown) => {
        expect(error).toBeInstanceOf(ProviderError);
        return error as ProviderError<{ errors: { code: string; message: string }[] }>;
      },
    );

  it('127.0.0.0/8 admits a loopback caller (device_ip and source address); 10.0.0.0/8 refuses it', async () => {
    const { b2copy, addIntegration } = session(`http://127.0.0.1:${server.port}`);
    expect((await addIntegration('loopback', ['127.0.0.0/8'])).status).toBe(201);
    expect((await addIntegration('ten', ['10.0.0.0/8'])).status).toBe(201);

    const pair = await signIn(b2copy, 'loopback', '127.0.0.5');
    expect(pair.accessToken.token).toMatch(/^eyJ/);

    // device_ip in range, but the TCP peer is loopback: B2COPY's 403.
    const source = await refusal(signIn(b2copy, 'ten', '10.1.2.3'));
    expect(source.status).toBe(403);
    expect(source.body.errors[0]).toMatchObject({
      code: 'ip_not_allowed',
      message: 'request source address 127.0.0.1 is not allowed for key_id ten (allowed: 10.0.0.0/8).',
    });
    // device_ip outside the range is refused first.
    const device = await refusal(signIn(b2copy, 'loopback', '10.1.2.3'));
    expect(device.body.errors[0]).toMatchObject({
      code: 'ip_not_allowed',
      message: expect.stringMatching(/^device_ip 10\.1\.2\.3 is not allowed for key_id loopback \(allowed: 127/),
    });
  });

  it('refuses invalid entries with 400, naming each one as /body/allowedIps/<i>', async () => {
    const { addIntegration } = session(`http://127.0.0.1:${server.port}`);
    const response = await addIntegration('bad', [
      '10.0.0.0/8',
      '10.0.0.0/33',
      'fd00::/129',
      'localhost',
      '10.0.0.0/8/8',
    ]);
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as {
      error: { code: string; message: string; details: { location: string; message: string }[] };
    };
    expect(error.code).toBe('invalid_request');
    expect([...new Set(error.details.map((issue) => issue.location))]).toEqual([
      '/body/allowedIps/1',
      '/body/allowedIps/2',
      '/body/allowedIps/3',
      '/body/allowedIps/4',
    ]);
    expect(error.message).toContain('/body/allowedIps/1 must match pattern "^[^/]*/(3[0-2]|[12]?[0-9])$"');
    expect(error.message).toContain('/body/allowedIps/2 must match pattern "^[^/]*/(12[0-8]|1[01][0-9]|[1-9]?[0-9])$"');
    expect(error.message).toContain('/body/allowedIps/3 must match format "ipv4"');
    expect(error.message).not.toContain('/body/allowedIps/0');
  });

  describe('on a dual-stack server (listening on ::)', () => {
    let dual: RunningMockServer;
    beforeAll(async () => {
      // Loopback IPv6 is part of what these tests need: a host without it fails them rather than skipping.
      dual = await startMockServer({ port: 0, host: '::', controlOpen: true, providers: ['b2copy'], log: () => {} });
    });
    afterAll(() => dual?.close());

    // The socket sees ::ffff:127.0.0.1; the harness reports it as 127.0.0.1 (request-parts.ts).
    it('an IPv4 caller (an IPv4-mapped peer there) is in 127.0.0.0/8 and not in 10.0.0.0/8', async () => {
      const { b2copy, addIntegration } = session(`http://127.0.0.1:${dual.port}`);
      expect((await addIntegration('v4', ['127.0.0.0/8'])).status).toBe(201);
      expect((await addIntegration('ten', ['10.0.0.0/8'])).status).toBe(201);
      await expect(signIn(b2copy, 'v4', '::ffff:127.0.0.9')).resolves.toHaveProperty('refreshToken');
      const refused = await refusal(signIn(b2copy, 'ten', '10.0.0.1'));
      expect(refused.body.errors[0]?.message).toMatch(/^request source address 127\.0\.0\.1 is not allowed/);
    });

    it('an IPv6 loopback caller is in ::1/128 and not in fd00::/8', async () => {
      const { b2copy, addIntegration } = session(`http://[::1]:${dual.port}`);
      expect((await addIntegration('v6', ['::1/128'])).status).toBe(201);
      expect((await addIntegration('ula', ['fd00::/8', '127.0.0.0/8'])).status).toBe(201);
      await expect(signIn(b2copy, 'v6', '::1')).resolves.toHaveProperty('accessToken');
      const refused = await refusal(signIn(b2copy, 'ula', 'fd00::1'));
      expect(refused.body.errors[0]?.message).toMatch(/^request source address ::1 is not allowed for key_id ula/);
    });
  });
});

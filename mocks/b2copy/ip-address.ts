/**
 * IP addresses compared the way a network sees them, not as strings: `::ffff:127.0.0.1` is
 * `127.0.0.1`, and `0:0:0:0:0:0:0:1` is `::1`. An integration's `allowedIps` entries are single addresses
 * or CIDR ranges (`10.0.0.0/8`, `fd00::/8`), matched with node's `net.BlockList`.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';

/** The canonical text of an IP address, or undefined when `value` is not one. */
export function canonicalIp(value: string): string | undefined {
  if (isIPv4(value)) return value;
  if (!isIPv6(value)) return undefined;
  let canonical: string;
  try {
    // The WHATWG URL parser writes IPv6 hosts in their canonical compressed, lower-case form (RFC 5952).
    canonical = new URL(`http://[${value}]/`).hostname.slice(1, -1);
  } catch {
    return value.toLowerCase(); // e.g. a zone id (fe80::1%eth0), which URLs cannot carry
  }
  // An IPv4-mapped IPv6 address (::ffff:a.b.c.d, written by the parser as ::ffff:XXXX:XXXX) is IPv4.
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
  if (mapped) {
    const high = parseInt(mapped[1]!, 16);
    const low = parseInt(mapped[2]!, 16);
    return [high >> 8, high & 255, low >> 8, low & 255].join('.');
  }
  return canonical;
}

export type IpFamily = 'ipv4' | 'ipv6';

/** One `allowedIps` entry read as a range: a single address is its own /32 or /128. */
export interface IpRange {
  address: string;
  prefix: number;
  family: IpFamily;
}

/**
 * An `allowedIps` entry as a range, or undefined when it is neither an address nor a CIDR range whose
 * prefix fits its family (0-32 for IPv4, 0-128 for IPv6, no leading zeros). Zone ids (`fe80::1%eth0`) are
 * refused. Host bits beyond the prefix are allowed: `10.1.2.3/8` is `10.0.0.0/8`.
 */
export function parseIpRange(entry: string): IpRange | undefined {
  if (entry.includes('%')) return undefined;
  const slash = entry.indexOf('/');
  if (slash < 0) {
    const address = canonicalIp(entry);
    if (address === undefined) return undefined;
    return isIPv4(address) ? { address, prefix: 32, family: 'ipv4' } : { address, prefix: 128, family: 'ipv6' };
  }
  // Not canonicalised: `::ffff:10.0.0.0/104` is an IPv6 range, and its prefix counts IPv6 bits.
  const address = entry.slice(0, slash);
  const bits = entry.slice(slash + 1);
  const family: IpFamily | undefined = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : undefined;
  if (!family || !/^(0|[1-9][0-9]{0,2})$/.test(bits)) return undefined;
  const prefix = Number(bits);
  return prefix <= (family === 'ipv4' ? 32 : 128) ? { address, prefix, family } : undefined;
}

/** Each `allowedIps` array's BlockList, built on its first check. Weak: it goes when the fixture item goes. */
const blockLists = new WeakMap<readonly string[], { entries: string; list: BlockList }>();

/**
 * The ranges of `allowed` as a BlockList (malformed entries left out: they never match). Built once per
 * array and rebuilt only if the array's entries have changed since.
 */
export function allowedIpList(allowed: readonly string[]): BlockList {
  const entries = allowed.join('\n');
  const cached = blockLists.get(allowed);
  if (cached?.entries === entries) return cached.list;
  const list = new BlockList();
  for (const entry of allowed) {
    const range = parseIpRange(entry);
    if (!range) continue;
    try {
      list.addSubnet(range.address, range.prefix, range.family);
    } catch {
      // parseIpRange checked what BlockList checks; an entry it still refuses never matches.
    }
  }
  blockLists.set(allowed, { entries, list });
  return list;
}

/**
 * Whether `address` is in one of the `allowed` addresses or ranges. IPv4 and IPv4-mapped IPv6 are the same
 * address both ways: `::ffff:10.1.2.3` is in `10.0.0.0/8`, and `10.1.2.3` is in `::ffff:0:0/96` (and in `::/0`).
 * A caller's zone id (`fe80::1%eth0`, as a socket may report a link-local peer) is not part of its address.
 */
export function isAllowedIp(address: string, allowed: readonly string[]): boolean {
  const caller = canonicalIp(address.replace(/%.*$/s, ''));
  if (caller === undefined) return false;
  return allowedIpList(allowed).check(caller, isIPv4(caller) ? 'ipv4' : 'ipv6');
}

// The JSON Schema of an allowedIps entry. JSON Schema cannot split a string, so a range's address is checked
// with a pattern (RFC 3986's grammar, written out below) and its prefix length with another.
const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])';
const IPV4 = `${OCTET}(\\.${OCTET}){3}`;
const H16 = '[0-9a-fA-F]{1,4}';
const LS32 = `(${H16}:${H16}|${IPV4})`;
/** Up to `n + 1` groups before a `::`. */
const upTo = (n: number) => (n === 0 ? `(${H16})?` : `((${H16}:){0,${n}}${H16})?`);
const IPV6 = `(${[
  `(${H16}:){6}${LS32}`,
  `::(${H16}:){5}${LS32}`,
  `${upTo(0)}::(${H16}:){4}${LS32}`,
  `${upTo(1)}::(${H16}:){3}${LS32}`,
  `${upTo(2)}::(${H16}:){2}${LS32}`,
  `${upTo(3)}::${H16}:${LS32}`,
  `${upTo(4)}::${LS32}`,
  `${upTo(5)}::${H16}`,
  `${upTo(6)}::`,
].join('|')})`;

/**
 * An `allowedIps` entry: an IPv4 or IPv6 address, or a CIDR range of either. Written so that a bad entry's
 * first error says what is wrong with it: a single address must match format "ipv4" or "ipv6"; a range
 * (anything with a `/`) is IPv6 if its address has a `:`, and its address and its prefix length are checked
 * apart, so `10.0.0.0/33` fails only the pattern that ends `(3[0-2]|[12]?[0-9])$`. Same rules as
 * parseIpRange: no zone ids, no leading zeros in the prefix, host bits beyond the prefix allowed.
 */
export const allowedIpSchema = {
  type: 'string',
  allOf: [
    { if: { pattern: '^[^/]*$' }, then: { anyOf: [{ format: 'ipv4' }, { format: 'ipv6' }] } },
    {
      if: { pattern: '^[^/:]*/' },
      then: { allOf: [{ pattern: `^${IPV4}/` }, { pattern: '^[^/]*/(3[0-2]|[12]?[0-9])$' }] },
    },
    {
      if: { pattern: '^[^/]*:[^/]*/' },
      then: { allOf: [{ pattern: `^${IPV6}/` }, { pattern: '^[^/]*/(12[0-8]|1[01][0-9]|[1-9]?[0-9])$' }] },
    },
  ],
} as const;

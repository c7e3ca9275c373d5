/**
 * IP addresses compared the way a network sees them, not as strings: `::ffff:127.0.0.1` is
 * `127.0.0.1`, and `0:0:0:0:0:0:0:1` is `::1`.
 */
import { isIPv4, isIPv6 } from 'node:net';

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

/** Whether `address` is one of `allowed` (each compared in canonical form). */
export function isAllowedIp(address: string, allowed: readonly string[]): boolean {
  const wanted = canonicalIp(address);
  return wanted !== undefined && allowed.some((candidate) => canonicalIp(candidate) === wanted);
}

/** For a plugin's `inspectSession`: its items, listed as the inspector shows them. */
import type { SessionItem } from '../plugin.ts';

/** Newest first; of things made at the same time, the one recorded last first. */
export function newestFirst(items: { item: SessionItem; atMs: number }[]): SessionItem[] {
  return items
    .map((entry, index) => ({ ...entry, index }))
    .sort((a, b) => b.atMs - a.atMs || b.index - a.index)
    .map(({ item }) => item);
}

/** How much of a code, token or form id an item shows: enough to tell them apart, far too little to use one. */
const SHOWN_CHARS = 8;

/** An id as an item shows it: its first characters. */
export function shortId(value: string): string {
  return `${value.slice(0, SHOWN_CHARS)}…`;
}

/** A time (epoch ms) as an item shows it. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** A thing a session holds that expires: a form, a code, a link, a token. */
export interface ExpiringThing {
  kind: string;
  /** As shown: `shortId(...)` for anything that is a secret. */
  id: string;
  subject?: string;
  expiresAtMs: number;
  /** How long it lives: it was made its lifetime before it expires (its sliding expiry's last use, for a token). */
  lifetimeMs: number;
  /** What ended it, if something did (`used`, `revoked`, `spent`): else it is active, or expired by the clock. */
  ended?: SessionItem['status'];
  /** Whether the item shows when it was made (not for a sliding expiry, whose start is its last use). */
  showIssuedAt?: boolean;
}

/** An expiring thing as the inspector lists it, with the time to sort it by (when it was made or last used). */
export function expiringItem(thing: ExpiringThing, nowMs: number): { item: SessionItem; atMs: number } {
  const atMs = thing.expiresAtMs - thing.lifetimeMs;
  return {
    atMs,
    item: {
      kind: thing.kind,
      id: thing.id,
      status: thing.ended ?? (nowMs >= thing.expiresAtMs ? 'expired' : 'active'),
      ...(thing.subject !== undefined ? { subject: thing.subject } : {}),
      ...(thing.showIssuedAt === false ? {} : { issuedAt: isoTime(atMs) }),
      expiresAt: isoTime(thing.expiresAtMs),
    },
  };
}

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

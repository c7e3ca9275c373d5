/** For a plugin's `inspectSession`: its items, listed as the inspector shows them. */
import type { SessionItem } from '../plugin.ts';

/** Newest first; of things made at the same time, the one recorded last first. */
export function newestFirst(items: { item: SessionItem; atMs: number }[]): SessionItem[] {
  return items
    .map((entry, index) => ({ ...entry, index }))
    .sort((a, b) => b.atMs - a.atMs || b.index - a.index)
    .map(({ item }) => item);
}

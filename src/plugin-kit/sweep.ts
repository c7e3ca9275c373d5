/**
 * Keeps a plugin's per-session maps from growing without bound at a constant cost per request: a map
 * is swept of dead entries only once it has doubled since its last sweep (and never below `floor`
 * entries). Expiry itself is always checked when an entry is looked up; sweeping only frees memory.
 */
const nextSweepAt = new WeakMap<Map<unknown, unknown>, number>();

/** Deletes the entries `isDead` picks when `map` has grown enough; returns whether it swept. */
export function sweepWhenGrown<K, V>(map: Map<K, V>, isDead: (value: V, key: K) => boolean, floor = 1000): boolean {
  if (map.size < (nextSweepAt.get(map as Map<unknown, unknown>) ?? floor)) return false;
  for (const [key, value] of map) if (isDead(value, key)) map.delete(key);
  nextSweepAt.set(map as Map<unknown, unknown>, Math.max(floor, 2 * map.size));
  return true;
}

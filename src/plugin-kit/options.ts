/**
 * A plugin factory's numeric options (lifetimes, skews, limits) with their defaults, refused at startup
 * rather than on the first request when they are not whole numbers at or above their minimum (1 unless
 * stated: a lifetime of 0 would issue things that are dead on arrival).
 */
export function resolveOptions<Options extends Record<string, number>>(
  plugin: string,
  defaults: Options,
  given: Partial<Options> = {},
  minimums: Partial<Record<keyof Options, number>> = {},
): Options {
  const resolved = { ...defaults };
  for (const name of Object.keys(defaults) as (keyof Options & string)[]) {
    const value = given[name];
    if (value === undefined) continue;
    const minimum = minimums[name] ?? 1;
    if (!Number.isSafeInteger(value) || value < minimum) {
      throw new RangeError(`${plugin}: ${name} must be an integer >= ${minimum}, got ${String(value)}.`);
    }
    resolved[name] = value;
  }
  return resolved;
}

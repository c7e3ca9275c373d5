/** "Did you mean": the CLI's unknown options and the config file's unknown keys. */

/** The known name nearest to `name` (edit distance at most 3), if any. */
export function closest(name: string, known: readonly string[]): string | undefined {
  const distance = (a: string, b: string): number => {
    const row = Array.from({ length: b.length + 1 }, (_, index) => index);
    for (let i = 1; i <= a.length; i++) {
      let previous = row[0]!;
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const kept = row[j]!;
        row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
        previous = kept;
      }
    }
    return row[b.length]!;
  };
  const [best] = known
    .map((candidate) => ({ candidate, cost: distance(name, candidate) }))
    .sort((x, y) => x.cost - y.cost);
  return best && best.cost <= 3 ? best.candidate : undefined;
}

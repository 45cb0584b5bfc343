/**
 * Unknown option keys: a misspelt option would otherwise be ignored and its default used without a
 * word (`{ reducton: "mean" }` silently sums), so every options object of every entry point is
 * checked against the keys it accepts. RangeError naming the key and the closest valid one.
 * @module
 */

import { describe } from "./grads.ts";

/**
 * Edit distance with adjacent transpositions (optimal string alignment), case-insensitive: the
 * usual typos (a dropped, doubled, swapped or wrongly cased letter) are 1 apart.
 */
export function editDistance(a: string, b: string): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  const rows = Array.from({ length: a.length + 1 }, (_, i) => {
    const row = new Array<number>(b.length + 1).fill(0);
    row[0] = i;
    return row;
  });
  for (let j = 0; j <= b.length; j++) rows[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, rows[i - 2][j - 2] + 1);
      }
      rows[i][j] = best;
    }
  }
  return rows[a.length][b.length];
}

/** The valid key nearest to `key`, if near enough to be a typo of it (a third of its letters). */
export function closestKey(key: string, valid: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of valid) {
    const distance = editDistance(key, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const near = Math.max(1, Math.floor(Math.max(key.length, best?.length ?? 0) / 3));
  return bestDistance <= near ? best : undefined;
}

/**
 * Throws unless every own key of `options` is in `valid`: a RangeError naming the key and the
 * closest valid one (or, when none is close, every valid one). `elsewhere` maps keys that belong to
 * another call of the same API to a hint saying where they go. undefined and null pass (no
 * options); a non-object, an array or a typed array is a TypeError.
 */
export function checkKeys(
  options: unknown,
  valid: readonly string[],
  action: string,
  elsewhere: Readonly<Record<string, string>> = {},
): void {
  if (options === undefined || options === null) return;
  if (typeof options !== "object" || Array.isArray(options) || ArrayBuffer.isView(options)) {
    throw new TypeError(`Cannot ${action}: options must be an object, found ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (valid.includes(key)) continue;
    const hint = Object.hasOwn(elsewhere, key) ? elsewhere[key] : undefined;
    if (hint !== undefined) {
      throw new RangeError(`Cannot ${action}: option "${key}" does not belong here: ${hint}`);
    }
    const near = closestKey(key, valid);
    throw new RangeError(
      near !== undefined
        ? `Cannot ${action}: unknown option "${key}"; did you mean "${near}"?`
        : `Cannot ${action}: unknown option "${key}"; the options are ${
          valid.map((k) => `"${k}"`).join(", ")
        }`,
    );
  }
}

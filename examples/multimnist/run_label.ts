/**
 * How MultiMNIST runs are named and grouped in tables and charts. Free of tf.js, so the docs
 * generator can read a results file with the same names the training script printed.
 * @module
 */

/** What a run's name depends on. */
export interface Labelled {
  settings: { method: string; variant?: string };
}

/** A run's name: the method, and the variant unless "full" ("pcgrad", "pcgrad direction"). */
export function runLabel(s: Labelled["settings"]): string {
  return s.variant === undefined || s.variant === "full" ? s.method : `${s.method} ${s.variant}`;
}

/** The runs grouped by name, in the order each name first appears (seeds of one arm together). */
export function byRun<T extends Labelled>(results: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const r of results) {
    const label = runLabel(r.settings);
    groups.set(label, [...(groups.get(label) ?? []), r]);
  }
  return groups;
}

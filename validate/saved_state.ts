/**
 * Saved states (the surgery's, a loss weighting's) arrive as objects or as their JSON text; one
 * reading of both, with the same errors wherever a state is restored.
 * @module
 */

/** `saved` itself, or its JSON text parsed; a TypeError when the text is not JSON. */
export function parseSavedState(saved: unknown, action: string): unknown {
  if (typeof saved !== "string") return saved;
  try {
    return JSON.parse(saved);
  } catch (error) {
    throw new TypeError(`Cannot ${action}: the state is not JSON: ${(error as Error).message}`);
  }
}

/**
 * The saved state (object or JSON text) as an object tagged with `format`; a TypeError naming the
 * value or format found otherwise. Its fields are the caller's to check.
 */
export function savedStateOf<S>(saved: unknown, format: string, action: string): Partial<S> {
  const s = parseSavedState(saved, action) as { format?: unknown } | null;
  if (s === null || typeof s !== "object" || s.format !== format) {
    throw new TypeError(
      `Cannot ${action}: expected a state with format "${format}", found ${
        s === null || typeof s !== "object" ? String(s) : `format ${JSON.stringify(s.format)}`
      }`,
    );
  }
  return s as Partial<S>;
}

/**
 * dist/ for the edge tests, built fresh from the working tree by tools/bundle.ts once per test
 * module, so a test never checks a stale build.
 * @module
 */

import { buildDist, DIST } from "../../tools/bundle.ts";

let built: Promise<URL> | null = null;

/** Builds dist/ (once) and returns its URL. */
export function freshDist(): Promise<URL> {
  built ??= buildDist().then(() => DIST);
  return built;
}

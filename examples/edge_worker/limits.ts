/**
 * What one request may ask of the edge worker. Each limit bounds a cost: the body bounds parsing,
 * T bounds the weights step (its T×T solvers grow up to T³ and T QPs for UPGrad) and the T×T
 * stats in the response, T·d bounds the Gram and combine passes (T²·d and T·d multiply-adds) and
 * the update's length. A request over a limit is refused before any of that work starts.
 * @module
 */

/** Largest request body accepted, in bytes: 16 MiB, about 1 M gradient entries as JSON. */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

/**
 * Most tasks T per request. At T = 64 the slowest method (UPGrad, T quadratic programs of size T)
 * takes tens of milliseconds; at T = 128 over a second, and at T = 3000 PCGrad alone (T³) took
 * half a minute, so the limit keeps every method's weights step short.
 */
export const MAX_TASKS = 64;

/**
 * Most gradient entries T·d per request: 1 Mi floats (4 MiB as float32), what a body at the limit
 * holds at about 16 bytes per number. It bounds the Gram pass (T·(T·d) ≤ 64 Mi multiply-adds)
 * and the update returned (d ≤ 1 Mi numbers).
 */
export const MAX_ENTRIES = 1024 * 1024;

/**
 * fast-check generators shared by the property tests: T task gradients of one length, with
 * lengths that hit every f32x4 tail and values on very different scales per task.
 * @module
 */

import fc from "fast-check";

/** Lengths 0..67 (every SIMD tail) and a few that cross the WASM staging chunks. */
export const lengthArb: fc.Arbitrary<number> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 67 }) },
  { weight: 1, arbitrary: fc.constantFrom(2047, 2048, 2049, 4099, 9001) },
);

/** One float32 value, finite, moderate. */
const valueArb = fc.float({ min: -4, max: 4, noNaN: true, noDefaultInfinity: true });

/** T gradients (T in [minT, maxT]) of one shared length, each task on its own scale. */
export function gradsArb(
  minT = 1,
  maxT = 32,
  length: fc.Arbitrary<number> = lengthArb,
): fc.Arbitrary<Float32Array[]> {
  return fc.tuple(fc.integer({ min: minT, max: maxT }), length).chain(([T, d]) =>
    fc.array(
      fc.tuple(
        fc.array(valueArb, { minLength: d, maxLength: d }),
        fc.constantFrom(1, 1e-3, 10, 1e3),
      ).map(([values, scale]) => Float32Array.from(values, (v) => v * scale)),
      { minLength: T, maxLength: T },
    )
  );
}

/** Random explicit orders for T tasks: a permutation of the other tasks for each i. */
export function ordersArb(T: number): fc.Arbitrary<number[][]> {
  return fc.tuple(
    ...Array.from(
      { length: T },
      (_, i) =>
        fc.shuffledSubarray([...Array(T).keys()].filter((j) => j !== i), {
          minLength: T - 1,
          maxLength: T - 1,
        }),
    ),
  ) as unknown as fc.Arbitrary<number[][]>;
}

/** Deep copies of the inputs, to check they were not mutated. */
export function copyAll(grads: readonly Float32Array[]): Float32Array[] {
  return grads.map((g) => g.slice());
}

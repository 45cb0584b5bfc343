// The seeded stream behind random task orders.

import assert from "node:assert/strict";
import { Prng } from "../../random/prng.ts";

Deno.test("same seed, same stream; different seeds, different streams", () => {
  const a = new Prng(42);
  const b = new Prng(42);
  const c = new Prng(43);
  const xs = Array.from({ length: 20 }, () => a.nextUint32());
  assert.deepEqual(xs, Array.from({ length: 20 }, () => b.nextUint32()));
  assert.notDeepEqual(xs, Array.from({ length: 20 }, () => c.nextUint32()));
  assert.notDeepEqual(new Prng(1).nextUint32(), new Prng(1.5).nextUint32());
  assert.ok(xs.every((x) => Number.isInteger(x) && x >= 0 && x < 2 ** 32));
});

Deno.test("shuffle is a uniform permutation and leaves its input alone", () => {
  const rng = new Prng(7);
  const items = [0, 1, 2];
  const counts = new Map<string, number>();
  const N = 60_000;
  for (let n = 0; n < N; n++) {
    const key = rng.shuffle(items).join("");
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  assert.deepEqual(items, [0, 1, 2]);
  assert.equal(counts.size, 6);
  // Each of the 6 permutations: expected 10 000, sd ≈ 91; allow 6 sd.
  for (const [key, c] of counts) assert.ok(Math.abs(c - N / 6) < 550, `${key}: ${c}`);
});

Deno.test("below(n) stays in range and hits every value", () => {
  const rng = new Prng(3);
  const seen = new Set<number>();
  for (let i = 0; i < 1000; i++) {
    const x = rng.below(7);
    assert.ok(Number.isInteger(x) && x >= 0 && x < 7);
    seen.add(x);
  }
  assert.equal(seen.size, 7);
});

Deno.test("state save and restore resumes the same stream", () => {
  const a = new Prng(11);
  a.nextUint32();
  const state = a.getState();
  const next = [a.nextUint32(), a.nextUint32()];
  const b = new Prng(0);
  b.setState(JSON.parse(JSON.stringify(state)));
  assert.deepEqual([b.nextUint32(), b.nextUint32()], next);
  assert.throws(() => b.setState([1, 2, 3]), RangeError);
  assert.throws(() => b.setState([1, 2, 3, -1]), /32-bit/);
});

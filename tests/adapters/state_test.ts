// Checkpoints (issue §2): createSurgery().getState()/setState() resume a run mid-way and give the
// bitwise same trajectory, through JSON text too; reset() forgets everything; bad states fail.

import assert from "node:assert/strict";
import { createSurgery, type Method, type SurgeryOptions } from "../../mod.ts";
import { Prng } from "../../random/prng.ts";

/** A deterministic stream of T task gradients of length d for step k. */
function gradsAt(step: number, T: number, d: number): Float32Array[] {
  const rng = new Prng(1000 + step);
  return Array.from(
    { length: T },
    () => Float32Array.from({ length: d }, () => rng.nextFloat() * 2 - 1),
  );
}

const RUNS: [Method, Omit<SurgeryOptions, "out" | "losses">][] = [
  ["pcgrad", {}],
  ["gradvac", { beta: 0.3 }],
  ["nash-mtl", { updateEvery: 3 }],
  ["rlw", {}],
  ["graddrop", { leak: 0.2 }],
  ["mgda", {}],
];

for (const [method, options] of RUNS) {
  Deno.test(`${method}: resuming from a saved state mid-run gives the bitwise same trajectory`, () => {
    const T = 4;
    const d = 37;
    const steps = 12;
    const whole = createSurgery({ method, seed: 5, ...options });
    const reference = Array.from({ length: steps }, (_, k) => whole.surgery(gradsAt(k, T, d)));

    const first = createSurgery({ method, seed: 5, ...options });
    for (let k = 0; k < 5; k++) first.surgery(gradsAt(k, T, d));
    const checkpoint = JSON.stringify(first.getState());

    const resumed = createSurgery({ method, seed: 999, ...options }); // seed is overwritten
    resumed.setState(checkpoint);
    for (let k = 5; k < steps; k++) {
      const out = resumed.surgery(gradsAt(k, T, d));
      assert.deepEqual(
        new Uint32Array(out.buffer),
        new Uint32Array(reference[k].buffer),
        `step ${k}`,
      );
    }
  });
}

Deno.test("getState returns a copy; reset forgets the methods' state and restarts the stream", () => {
  const s = createSurgery({ method: "gradvac", seed: 1 });
  const g = gradsAt(0, 3, 8);
  const firstOut = s.surgery(g);
  const state = s.getState();
  assert.equal(state.format, "gradient-surgery-state/1");
  (state.methods.gradvac as { targets: number[][] }).targets[0][1] = 0.99;
  assert.notEqual((s.getState().methods.gradvac as { targets: number[][] }).targets[0][1], 0.99);
  s.reset();
  assert.deepEqual(s.getState().methods, {});
  assert.equal(s.stats, null);
  assert.deepEqual(s.surgery(g), firstOut);
});

Deno.test("setState rejects bad states with the reason", () => {
  const s = createSurgery({ method: "nash-mtl" });
  const good = s.getState();
  assert.throws(() => s.setState("{not json"), /the state is not JSON/);
  assert.throws(
    () => s.setState({ ...good, format: "v0" as "gradient-surgery-state/1" }),
    /expected a state with format "gradient-surgery-state\/1", found format "v0"/,
  );
  assert.throws(
    () => s.setState({ ...good, rng: [1, 2, 3] }),
    /expected four 32-bit unsigned integers/,
  );
  assert.throws(
    () => s.setState({ ...good, methods: { pcgrad: {} } }),
    /method "pcgrad" keeps no state/,
  );
  assert.throws(
    () => s.setState({ ...good, methods: { "nash-mtl": { alpha: [1, -1], step: 0 } } }),
    /the nash-mtl state must be/,
  );
  assert.throws(
    () => s.setState({ ...good, methods: { gradvac: { targets: [[0, 2], [0, 0]] } } }),
    /the gradvac state must be/,
  );
  // A state for 3 tasks used with 2 tasks names both counts.
  const g3 = createSurgery({ method: "nash-mtl" });
  g3.surgery(gradsAt(0, 3, 5));
  s.setState(g3.getState());
  assert.throws(() => s.surgery(gradsAt(0, 2, 5)), /nash-mtl state holds 3 tasks, found 2 tasks/);
});

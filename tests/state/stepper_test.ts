// The Stepper every stateful surgery runs its steps through: stats recorded only for a pass that
// succeeds (sync or async), the step state advanced by the passes, reset to the seed, and a
// restore that is all or nothing.
import assert from "node:assert/strict";
import { Stepper } from "../../state/stepper.ts";
import { runSurgery } from "../../surgery.ts";
import { resolveOptions } from "../../methods/options.ts";

const grads = [Float32Array.of(1, 0, 2), Float32Array.of(-1, 1, 0), Float32Array.of(0, -1, -1)];

function stepper(method: "pcgrad" | "gradvac" = "pcgrad"): Stepper {
  return new Stepper(resolveOptions({ method, seed: 8 }, "create surgery", []));
}

const step = (s: Stepper) =>
  s.run((state) => runSurgery(grads, s.options, undefined, state, "run surgery"));

Deno.test("Stepper.run: records the stats of a pass that succeeds, keeps the last on a failure", () => {
  const s = stepper();
  assert.equal(s.stats, null);
  const first = step(s);
  assert.equal(s.stats, first.stats);
  assert.throws(() =>
    s.run(() => {
      throw new RangeError("bad step");
    }), /bad step/);
  assert.equal(s.stats, first.stats);
});

Deno.test("Stepper.runAsync: the stats are recorded once the pass resolves, not on a rejection", async () => {
  const s = stepper();
  const result = step(stepper());
  const pending = s.runAsync(() => Promise.resolve(result));
  assert.equal(s.stats, null);
  await pending;
  assert.equal(s.stats, result.stats);
  await assert.rejects(s.runAsync(() => Promise.reject(new Error("lost"))), /lost/);
  assert.equal(s.stats, result.stats);
});

Deno.test("Stepper: passes advance the state; reset goes back to the seed; getState is a copy", () => {
  const s = stepper("gradvac");
  const fresh = s.getState();
  step(s);
  const after = s.getState();
  assert.notDeepEqual(after, fresh);
  assert.ok("gradvac" in after.methods);
  (after.methods.gradvac as { targets: number[][] }).targets[0][0] = 0.5;
  assert.notDeepEqual(s.getState(), after);
  s.reset();
  assert.deepEqual(s.getState(), fresh);
  assert.equal(s.stats, null);
});

Deno.test("Stepper.setState: all or nothing, errors under the caller's action", () => {
  const s = stepper("gradvac");
  step(s);
  const before = s.getState();
  const bad = { ...before, rng: [1, 2, 3, 4], methods: { gradvac: { targets: [[0, 2], [0, 0]] } } };
  assert.throws(
    () => s.setState(bad),
    /^TypeError: Cannot restore the surgery state: the gradvac state must be/,
  );
  assert.throws(
    () => s.setState(JSON.stringify(bad), "load a checkpoint"),
    /^TypeError: Cannot load a checkpoint: the gradvac state/,
  );
  assert.deepEqual(s.getState(), before);
  const other = stepper("gradvac");
  other.setState(JSON.stringify(before));
  assert.deepEqual(step(other).out, step(s).out);
});

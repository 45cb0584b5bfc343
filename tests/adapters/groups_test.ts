// Grouped (layer-wise) surgery in the plain API: the update is the concatenation of separate
// surgeries on the blocks (bitwise where no draws differ), each group keeps its own method state
// across steps and checkpoints, the stream is drawn group by group, and the boundaries are checked.

import assert from "node:assert/strict";
import {
  accumulateGram,
  combineBlock,
  createGradientBuffer,
  createSurgery,
  surgery,
  type SurgeryOptions,
} from "../../mod.ts";
import { runSurgeryOnRows } from "../../surgery.ts";
import { resolveOptions } from "../../methods/options.ts";
import { StepState } from "../../state/step_state.ts";

/** T rows of d values from a small linear congruential stream (reproducible, conflicting). */
function rows(T: number, d: number, seed: number): Float32Array[] {
  let x = seed;
  const next = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  return Array.from({ length: T }, () => Float32Array.from({ length: d }, next));
}

const blocks = (grads: readonly Float32Array[], bounds: readonly number[]) =>
  bounds.slice(1).map((end, g) => grads.map((r) => r.subarray(bounds[g], end)));

const concat = (parts: readonly Float32Array[]) => {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

const ORDER = [[2, 1, 3], [3, 0, 2], [0, 3, 1], [1, 2, 0]];
const BOUNDS = [0, 5, 6, 17];

Deno.test("grouped PCGrad equals the concatenation of separate surgeries on the blocks, bitwise", () => {
  const grads = rows(4, 17, 3);
  for (
    const options of [{ order: ORDER }, { order: ORDER, reduction: "mean" }, {
      order: "fixed",
      variant: "direction",
    }, { order: ORDER, variant: "magnitude" }] as SurgeryOptions[]
  ) {
    const grouped = surgery(grads, { ...options, groups: BOUNDS });
    const separate = concat(blocks(grads, BOUNDS).map((b) => surgery(b, options)));
    assert.deepEqual(grouped, separate, JSON.stringify(options));
  }
});

Deno.test("with random orders the groups draw from one stream, group after group", () => {
  const grads = rows(4, 17, 5);
  for (const method of ["pcgrad", "graddrop", "rlw"] as const) {
    const grouped = surgery(grads, { method, seed: 9, groups: BOUNDS });
    const options = resolveOptions({ method, seed: 9 }, "run surgery", []);
    const step = new StepState(9);
    const separate = concat(
      blocks(grads, BOUNDS).map((b) => runSurgeryOnRows(b, options, undefined, step, "x").out),
    );
    assert.deepEqual(grouped, separate, method);
  }
});

Deno.test("a stateful grouped surgery equals one surgery per block across steps, and resumes bitwise", () => {
  for (const options of [{ method: "gradvac", order: "fixed" }, { method: "nash-mtl" }] as const) {
    const grouped = createSurgery({ ...options, groups: BOUNDS });
    const separate = BOUNDS.slice(1).map(() => createSurgery(options));
    let saved = "";
    const updates: Float32Array[] = [];
    for (let step = 0; step < 4; step++) {
      const grads = rows(4, 17, 11 + step);
      if (step === 2) saved = JSON.stringify(grouped.getState());
      const update = grouped.surgery(grads);
      updates.push(update);
      const parts = blocks(grads, BOUNDS).map((b, g) => separate[g].surgery(b));
      assert.deepEqual(update, concat(parts), `${options.method} step ${step}`);
    }
    assert.deepEqual(Object.keys(JSON.parse(saved).groups), ["0", "1", "2"]);
    const resumed = createSurgery({ ...options, groups: BOUNDS });
    resumed.setState(saved);
    for (let step = 2; step < 4; step++) {
      assert.deepEqual(resumed.surgery(rows(4, 17, 11 + step)), updates[step]);
    }
  }
});

Deno.test("without groups the saved state keeps today's format", () => {
  const s = createSurgery({ method: "gradvac", seed: 1 });
  s.surgery(rows(3, 8, 1));
  assert.deepEqual(Object.keys(s.getState()), ["format", "rng", "methods"]);
  assert.ok(!JSON.stringify(s.getState()).includes("groups"));
});

Deno.test("grouped stats: each group's, and the whole gradients' Gramian at the top", () => {
  const grads = rows(3, 17, 7);
  const s = createSurgery({ groups: BOUNDS, seed: 2 });
  s.surgery(grads);
  const whole = createSurgery({ seed: 2 });
  whole.surgery(grads);
  const stats = s.stats!;
  assert.equal(stats.groups?.length, 3);
  assert.deepEqual(stats.weights, []);
  assert.deepEqual(stats.orders, []);
  assert.equal(stats.projections, stats.groups!.reduce((n, g) => n + g.projections, 0));
  stats.gramian.flat().forEach((x, k) =>
    assert.ok(Math.abs(x - whole.stats!.gramian.flat()[k]) < 1e-5 * (1 + Math.abs(x)))
  );
  assert.deepEqual(stats.conflicts, whole.stats!.conflicts);
  assert.equal(stats.groups![1].weights.length, 3);
});

Deno.test("grouped surgery on gradient buffer rows: the blocks are subarrays read in place", () => {
  const grads = rows(4, 40, 13);
  const buffer = createGradientBuffer(4, 40);
  grads.forEach((g, t) => buffer.rows[t].set(g));
  const bounds = [0, 16, 17, 40];
  const inPlace = surgery(buffer.rows, { order: ORDER, groups: bounds, out: buffer.output });
  assert.equal(inPlace, buffer.output);
  const separate = concat(blocks(buffer.rows, bounds).map((b) => surgery(b, { order: ORDER })));
  assert.deepEqual(Array.from(inPlace), Array.from(separate));
  // JS rows go through the staged kernels: the same update within float32 rounding.
  const staged = surgery(grads, { order: ORDER, groups: bounds });
  staged.forEach((x, k) => assert.ok(Math.abs(x - inPlace[k]) < 1e-5 * (1 + Math.abs(x))));
});

Deno.test("the split phase per group: weights(gram, { group }) gives the grouped update", () => {
  const options = { method: "gradvac", seed: 4 } as const;
  const grouped = createSurgery({ ...options, groups: BOUNDS });
  const split = createSurgery({ ...options, groups: BOUNDS });
  for (let step = 0; step < 3; step++) {
    const grads = rows(4, 17, 21 + step);
    const expected = grouped.surgery(grads);
    const out = new Float32Array(17);
    blocks(grads, BOUNDS).forEach((block, g) => {
      const weights = split.weights(accumulateGram(block), { group: g });
      combineBlock(block, weights, out.subarray(BOUNDS[g], BOUNDS[g + 1]));
    });
    assert.deepEqual(out, expected, `step ${step}`);
  }
  assert.equal(JSON.stringify(split.getState()), JSON.stringify(grouped.getState()));
});

Deno.test("bad boundaries and misplaced groups are errors naming the value", () => {
  const grads = rows(2, 6, 1);
  const cases: [unknown, RegExp][] = [
    [3, /groups must be an array of boundaries \[0, a, b, …, d\], found number 3/],
    [[0], /at least two boundaries \(0 and d\), found 1/],
    [[1, 6], /groups\[0\] must be 0, found 1/],
    [[0, 3, 3, 6], /strictly increasing, found groups\[2\] = 3 after 3/],
    [[0, 2.5, 6], /groups\[1\] must be an integer boundary, found number 2\.5/],
    [[0, 3, 7], /end at the gradients' length 6, found groups\[2\] = 7/],
  ];
  for (const [groups, message] of cases) {
    assert.throws(() => surgery(grads, { groups: groups as number[] }), message);
  }
  assert.throws(() => createSurgery({ groups: [0, 3, 2] }), /Cannot create surgery: groups must/);
  const s = createSurgery({ groups: [0, 3, 6] });
  assert.throws(
    () => s.surgery(grads, { groups: [0, 6] } as never),
    /set it when creating: createSurgery\(\{ groups \}\)/,
  );
  assert.throws(() => s.weights(accumulateGram(grads)), /this surgery has 2 groups/);
  assert.throws(
    () => s.weights(accumulateGram(grads), { group: 2 }),
    /group must be an integer from 0 to 1, found number 2/,
  );
  assert.throws(
    () => createSurgery().weights(accumulateGram(grads), { group: 0 }),
    /group applies to a surgery created with groups/,
  );
  assert.throws(() => s.surgery(rows(2, 7, 1)), /end at the gradients' length 7/);
});

Deno.test("an error in one group names it", () => {
  const grads = rows(2, 6, 1);
  grads[1][4] = Infinity;
  assert.throws(
    () => surgery(grads, { groups: [0, 3, 6] }),
    /Cannot run surgery \(group 1, parameters 3\.\.5\)/,
  );
});

Deno.test("a saved grouped state is checked: groups hold method states per group", () => {
  const s = createSurgery({ method: "gradvac", groups: [0, 3, 6] });
  s.surgery(rows(2, 6, 2));
  const saved = s.getState();
  for (
    const [groups, message] of [
      [[], /the state's groups must be an object of method states per group/],
      [{ "0": 3 }, /the state of group "0" must be an object of method states/],
      [{ "0": { pcgrad: {} } }, /method "pcgrad" keeps no state/],
    ] as const
  ) {
    assert.throws(() => s.setState({ ...saved, groups } as never), message);
  }
  assert.deepEqual(s.getState(), saved, "a failed restore changes nothing");
});

Deno.test("groups: a method that takes extra batches gets them cut at the same boundaries", () => {
  const bounds = [0, 3, 7, 12];
  const grads = rows(3, 12, 5);
  const batches = [rows(3, 12, 6), rows(3, 12, 7)];
  for (const method of ["sdmgrad", "modo"] as const) {
    const grouped = createSurgery({ method, groups: bounds, seed: 2 });
    const blocks = bounds.slice(1).map(() => createSurgery({ method, seed: 2 }));
    for (let step = 0; step < 3; step++) {
      const got = grouped.surgery(grads, { batches });
      const want = blocks.flatMap((s, g) => {
        const cut = (r: Float32Array[]) => r.map((x) => x.subarray(bounds[g], bounds[g + 1]));
        return Array.from(s.surgery(cut(grads), { batches: batches.map(cut) }));
      });
      assert.deepEqual(Array.from(got), want, `${method}, step ${step}`);
    }
  }
});

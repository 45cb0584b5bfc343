// The variants under cancellation and at extreme scales, tiny gradients, and the one overflow
// policy across the plain entry points.

import assert from "node:assert/strict";
import {
  accumulateGram,
  combineBlock,
  createParallelSurgery,
  createSurgery,
  surgery,
  surgeryWeights,
} from "../../mod.ts";
import { dot, pcgradOracle } from "../_oracle.ts";

const ORDERS = [[1, 2], [0, 2], [0, 1]];
const norm = (v: ArrayLike<number>) => Math.sqrt(dot(v, v));

/** g = [x, x + ε·cos(3k), −x + ε·sin(7k)] with x_k = sin(k + 1), times `scale`. */
function nearlyParallel(d: number, eps: number, scale = 1): Float32Array[] {
  const x = (k: number) => Math.sin(k + 1);
  return [
    Float32Array.from({ length: d }, (_, k) => scale * x(k)),
    Float32Array.from({ length: d }, (_, k) => scale * (x(k) + eps * Math.cos(3 * k))),
    Float32Array.from({ length: d }, (_, k) => scale * (-x(k) + eps * Math.sin(7 * k))),
  ];
}

/** The variants' definitions in float64 from the vectors: the method's combination u, the sum s. */
function definitions(grads: Float32Array[], w: readonly number[]) {
  const d = grads[0].length;
  const u = new Float64Array(d);
  const s = new Float64Array(d);
  grads.forEach((g, t) => g.forEach((v, k) => ((u[k] += w[t] * v), (s[k] += v))));
  const nu = norm(u);
  const ns = norm(s);
  return {
    direction: u.map((v) => (v * ns) / nu),
    magnitude: s.map((v) => (v * nu) / ns),
    nu,
    ns,
  };
}

/** Max |a − b| over the norm of b: float32 rounding is about 6e-8 per value. */
function offBy(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let err = 0;
  for (let k = 0; k < a.length; k++) err = Math.max(err, Math.abs(a[k] - b[k]));
  return err / norm(b);
}

Deno.test("variants equal their definitions under cancellation (near-parallel and opposite tasks)", () => {
  for (const eps of [1e-3, 1e-4, 1e-5]) {
    for (const scale of [1, 1e36, 1e-25]) {
      const grads = nearlyParallel(4096, eps, scale);
      const full = createSurgery({ order: ORDERS });
      full.surgery(grads);
      const w = full.stats!.weights;
      const want = definitions(grads, w);
      const label = `ε=${eps} scale=${scale}`;
      // The weights themselves are right: the combination matches Algorithm 1 in float64.
      const oracle = pcgradOracle(grads, ORDERS);
      assert.ok(Math.abs(want.nu - norm(oracle)) <= 1e-3 * norm(oracle), `${label} ‖g^PC‖`);
      for (const variant of ["direction", "magnitude"] as const) {
        const out = surgery(grads, { order: ORDERS, variant });
        assert.ok(out.every(Number.isFinite), `${label} ${variant} finite`);
        assert.ok(
          offBy(out, want[variant]) < 1e-6,
          `${label} ${variant}: ${offBy(out, want[variant])}`,
        );
        const length = variant === "direction" ? want.ns : want.nu;
        assert.ok(Math.abs(norm(out) - length) <= 1e-6 * length, `${label} ${variant} norm`);
      }
    }
  }
});

Deno.test("variants: one task of 1e-25 values (float32 squares underflow) returns the input", () => {
  const g = Float32Array.from({ length: 1000 }, (_, k) => 1e-25 * Math.sin(k + 1));
  for (const variant of ["full", "direction", "magnitude"] as const) {
    assert.deepEqual(surgery([g], { variant }), g, variant);
  }
});

Deno.test("gradients whose float32 squares underflow are projected as at scale 1", () => {
  const unit = [new Float32Array([1, 0, 2]), new Float32Array([-1, 1, -1])];
  const want = surgery(unit, { order: "fixed" });
  for (const scale of [1e-15, 1e-20, 1e-25, 1e-30]) {
    const small = unit.map((g) => g.map((x) => x * scale));
    const got = surgery(small, { order: "fixed" });
    got.forEach((x, k) => assert.ok(Math.abs(x / scale - want[k]) < 1e-5, `${scale} [${k}]`));
    // Shards of the split phase give the same Gram as one block.
    const gram = accumulateGram(
      small.map((g) => g.subarray(2)),
      accumulateGram(small.map((g) => g.subarray(0, 2))),
    );
    assert.ok(Math.abs(gram[1] / (scale * scale) + 3) < 1e-6, `${scale} G01 = ${gram[1]}`);
  }
});

Deno.test("an all-zero task beside tiny ones needs no float64 Gram and stays exact", () => {
  const grads = [new Float32Array(100), Float32Array.from({ length: 100 }, () => 1e-30)];
  assert.deepEqual(surgery(grads), grads[1]);
});

Deno.test("overflow: one RangeError from surgery, createSurgery, combineBlock and the parallel surgery", async () => {
  const rows = [Float32Array.of(3e38), Float32Array.of(3e38)];
  const tail = `overflows float32 at index 0: ${
    2 * Math.fround(3e38)
  } is beyond ±${3.4028234663852886e38}`;
  const message = (e: unknown) =>
    e instanceof RangeError &&
    /^Cannot (run surgery|combine a block): the update /.test(e.message) &&
    e.message.endsWith(tail);
  for (const variant of ["full", "direction", "magnitude"] as const) {
    assert.throws(() => surgery(rows, { variant }), message);
    assert.throws(() => createSurgery({ variant }).surgery(rows), message);
  }
  assert.throws(() => combineBlock(rows, [1, 1]), message);
  // The same values with weights that keep the update in range are fine, and so is the mean.
  assert.deepEqual(surgery(rows, { reduction: "mean" }), Float32Array.of(3e38));
  const parallel = await createParallelSurgery({ threads: 2 });
  try {
    const big = [new Float32Array(70_000).fill(3e38), new Float32Array(70_000).fill(3e38)];
    await assert.rejects(parallel.surgery(big), message);
  } finally {
    parallel.close();
  }
});

Deno.test("the split phase refuses the variants: a Gramian cannot give their norms exactly", () => {
  const gram = new Float64Array([1, -1, -1, 2]);
  for (const variant of ["direction", "magnitude"] as const) {
    assert.throws(
      () => surgeryWeights(gram, { variant }),
      new RangeError(
        `Cannot compute weights: variant "${variant}" rescales by norms of the gradient vectors, ` +
          `which a Gramian does not hold exactly; run surgery() on the gradients instead`,
      ),
    );
    assert.throws(() => createSurgery({ variant }).weights(gram), RangeError);
  }
});

Deno.test("the parallel surgery's variants hold their definitions like the plain API's", async () => {
  const grads = nearlyParallel(70_000, 1e-4);
  const parallel = await createParallelSurgery({ threads: 2, order: ORDERS, variant: "direction" });
  try {
    const out = await parallel.surgery(grads);
    // The threads sum the Gramian in another order, so the weights differ in their last bits,
    // which cancellation amplifies in the direction; the length is the definition's exactly.
    const full = createSurgery({ order: ORDERS });
    full.surgery(grads);
    const plain = definitions(grads, full.stats!.weights);
    assert.ok(Math.abs(norm(out) / plain.ns - 1) < 1e-6, `length ${norm(out)} vs ${plain.ns}`);
    assert.ok(offBy(out, plain.direction) < 1e-3, `direction ${offBy(out, plain.direction)}`);
  } finally {
    parallel.close();
  }
});

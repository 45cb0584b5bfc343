// Method-specific options (each method's table, resolved by methods/options.ts with the checks of
// validate/option_checks.ts): every bad value fails at the boundary naming the option and the value
// (RangeError for a value out of range or an option for the wrong method, TypeError for a type).

import assert from "node:assert/strict";
import { createSurgery, METHODS, surgery, surgeryWeights } from "../../mod.ts";

const g = [new Float32Array([1, 0]), new Float32Array([-1, 1])];

const BAD: [Record<string, unknown>, ErrorConstructor, RegExp][] = [
  [{ method: "cagrad", c: -1 }, RangeError, /c must be a finite number ≥ 0, found -1/],
  [{ method: "cagrad", c: "big" }, TypeError, /c must be a number, found string "big"/],
  [
    { method: "cagrad", rescale: 2 },
    RangeError,
    /rescale must be one of "none", "1\+c\^2", "1\+c", found number 2/,
  ],
  [{ method: "gradvac", beta: 1.5 }, RangeError, /beta must be a number in \[0, 1\], found 1.5/],
  [
    { method: "mgda", normalization: "l1" },
    RangeError,
    /normalization must be one of "none", "l2", "loss", "loss\+", found string "l1"/,
  ],
  [
    { method: "upgrad", regularization: -1e-4 },
    RangeError,
    /regularization must be a finite number ≥ 0, found -0.0001/,
  ],
  [
    { method: "upgrad", preference: [1, NaN] },
    RangeError,
    /preference\[1\] must be a finite number, found number NaN/,
  ],
  [
    { method: "dualproj", preference: 0.5 },
    TypeError,
    /preference must be an array of numbers \(one per task\), found number 0.5/,
  ],
  [
    { method: "upgrad", preference: [1, 1, 1] },
    RangeError,
    /preference has 3 entries, expected 2 \(one per task\)/,
  ],
  [
    { method: "aligned-mtl", scaleMode: "max" },
    RangeError,
    /scaleMode must be one of "min", "median", "rmse", found string "max"/,
  ],
  [{ method: "nash-mtl", maxNorm: 0 }, RangeError, /maxNorm must be a number ≥ 5e-324, found 0/],
  [
    { method: "nash-mtl", updateEvery: 1.5 },
    RangeError,
    /updateEvery must be a whole number ≥ 1, found number 1.5/,
  ],
  [
    { method: "graddrop", leak: [0, -0.1] },
    RangeError,
    /leak\[1\] must be a number in \[0, 1\], found number -0.1/,
  ],
  [
    { method: "graddrop", variant: "direction" },
    RangeError,
    /variant must be "full" for the elementwise method "graddrop", found "direction"/,
  ],
  [
    { method: "rlw", distribution: "uniform" },
    RangeError,
    /distribution must be one of "normal", "dirichlet", found string "uniform"/,
  ],
  [{ method: "pcgrad", epsilon: -1 }, RangeError, /epsilon must be a finite number ≥ 0, found -1/],
  [
    { method: "pcgrad", selfProjection: "yes" },
    TypeError,
    /selfProjection must be a boolean, found string "yes"/,
  ],
  [
    { method: "pcgrad", c: 0.5 },
    RangeError,
    /option c applies to method "cagrad", found method "pcgrad"/,
  ],
  [
    { method: "mgda", beta: 0.5 },
    RangeError,
    /option beta applies to method "gradvac"( or "[a-z-]+")*, found method "mgda"/,
  ],
  [
    { method: "sum", preference: [1, 1] },
    RangeError,
    /option preference applies to method "upgrad" or "dualproj" or "aligned-mtl" or "config", found method "sum"/,
  ],
  [
    { method: "famo" },
    RangeError,
    /method must be one of "pcgrad", .*"rlw"(, "[a-z-]+")*, found string "famo"/,
  ],
];

for (const [options, type, message] of BAD) {
  Deno.test(`bad option ${JSON.stringify(options)} → ${type.name}`, () => {
    assert.throws(() => surgery(g, options), (e: unknown) => {
      assert.ok(e instanceof type, `${e}`);
      assert.match((e as Error).message, /^Cannot run surgery: /);
      assert.match((e as Error).message, message);
      return true;
    });
  });
}

Deno.test("losses: checked when given (length, finite values), for every method", () => {
  assert.throws(
    () => surgery(g, { losses: [1] }),
    /losses has 1 entries, expected 2 \(one per task\)/,
  );
  assert.throws(
    () => surgery(g, { losses: [1, Infinity] }),
    /losses\[1\] must be a finite number, found number Infinity/,
  );
  assert.throws(() => surgery(g, { losses: 3 as unknown as number[] }), TypeError);
  const s = createSurgery({ method: "mgda", normalization: "loss" });
  assert.throws(() => s.weights(new Float64Array([1, -1, -1, 2])), /needs the task losses/);
  assert.deepEqual(
    Array.from(s.weights(new Float64Array([1, -1, -1, 2]), { losses: [1, 1] })),
    Array.from(surgeryWeights(new Float64Array([1, -1, -1, 2]), { method: "mgda" }).weights),
  );
});

Deno.test("inputs are never mutated by any method", () => {
  // Every method the zoo added (the baselines and PCGrad have their own tests), so a new method
  // is covered as soon as it is registered.
  const zoo = METHODS.filter((m) => !["pcgrad", "sum", "mean"].includes(m));
  assert.equal(zoo.length, METHODS.length - 3);
  for (const method of zoo) {
    const grads = [
      new Float32Array([1, -2, 0.5]),
      new Float32Array([-1, 1, 3]),
      new Float32Array([0, 0, 0]),
    ];
    const copy = grads.map((x) => x.slice());
    const preference = method === "upgrad" || method === "config" ? [0.2, 0.3, 0.5] : undefined;
    const weights = method === "constant" ? [0.5, -1, 2] : undefined;
    // Krum's and the trimmed mean's required options (the others' are above).
    const required = method === "krum"
      ? { byzantine: 0 }
      : method === "trimmed-mean"
      ? { trim: 1 }
      : {};
    const losses = [1, 2, 3];
    const batches = [grads.map((g) => g.map((x) => -x)), grads.map((g) => g.map((x) => 2 * x))];
    const batchCopies = batches.map((b) => b.map((g) => g.slice()));
    const needsBatches = method === "sdmgrad" || method === "modo";
    const extra = needsBatches ? { batches } : {};
    const own = {
      ...required,
      ...(preference ? { preference } : {}),
      ...(weights ? { weights } : {}),
    };
    surgery(grads, { method, losses, ...extra, ...own });
    // A second step reads the state the first kept (the tracked rows of DB-MTL, MoCo, ExcessMTL).
    const s = createSurgery({ method, ...own });
    for (let step = 0; step < 2; step++) s.surgery(grads, { losses, ...extra });
    assert.deepEqual(grads, copy, method);
    assert.deepEqual(batches, batchCopies, method);
    assert.deepEqual(losses, [1, 2, 3]);
    if (preference) assert.deepEqual(preference, [0.2, 0.3, 0.5]);
    if (weights) assert.deepEqual(weights, [0.5, -1, 2]);
  }
});

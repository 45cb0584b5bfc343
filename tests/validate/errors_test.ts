// Every bad input of issue [1/5] §5: the right error class, a message naming the parameter and
// the value found, and nothing mutated.

import assert from "node:assert/strict";
import fc from "fast-check";
import {
  accumulateGram,
  combineBlock,
  createGradientBuffer,
  createParallelSurgery,
  createSurgery,
  surgery,
  surgeryWeights,
} from "../../mod.ts";
import { MAX_TASKS, validateRows } from "../../validate/grads.ts";
import { GRAM_PSD_TOLERANCE } from "../../validate/gram.ts";
import { closestKey, editDistance } from "../../validate/keys.ts";
import { gradsArb } from "../_arbitraries.ts";

const g = () => [new Float32Array([1, 2, 3]), new Float32Array([-1, 0, 2])];

// deno-lint-ignore no-explicit-any
const call = (grads: any, options?: any) => () => surgery(grads, options);

function throwsWith(fn: () => unknown, type: typeof TypeError, ...parts: string[]) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof type, `expected ${type.name}, got ${e}`);
    for (const p of parts) {
      assert.ok((e as Error).message.includes(p), `"${(e as Error).message}" lacks "${p}"`);
    }
    return true;
  });
}

Deno.test("TypeError: grads not an array, or a task not a Float32Array", () => {
  throwsWith(call(new Float32Array(3)), TypeError, "grads must be an array", "Float32Array");
  throwsWith(call(null), TypeError, "grads", "null");
  throwsWith(call("abc"), TypeError, "grads", 'string "abc"');
  throwsWith(call([new Float32Array(2), [1, 2]]), TypeError, "task 1", "an array of length 2");
  throwsWith(call([new Float64Array(2)]), TypeError, "task 0", "Float64Array");
  throwsWith(call([new Float32Array(2)], 5), TypeError, "options", "number 5");
  throwsWith(call([new Float32Array(2)], [1]), TypeError, "options", "an array of length 1");
  throwsWith(
    () => createGradientBuffer(1, 2, new Float32Array(1) as never),
    TypeError,
    "options must be an object",
    "Float32Array",
  );
});

Deno.test("RangeError: zero tasks, length mismatch", () => {
  throwsWith(call([]), RangeError, "at least one task", "0 tasks");
  throwsWith(
    call([new Float32Array(12), new Float32Array(12), new Float32Array(10)]),
    RangeError,
    "Cannot run surgery: task 2 has length 10, expected 12",
  );
});

Deno.test("RangeError: unknown method, reduction, variant, order keyword", () => {
  throwsWith(call(g(), { method: "pcgrd" }), RangeError, "method", '"pcgrad"', 'string "pcgrd"');
  throwsWith(call(g(), { reduction: "avg" }), RangeError, "reduction", 'string "avg"');
  throwsWith(call(g(), { variant: 3 }), RangeError, "variant", "number 3");
  throwsWith(call(g(), { order: "shuffled" }), RangeError, "order", 'string "shuffled"');
  throwsWith(() => createSurgery({ method: "x" as "sum" }), RangeError, "method", 'string "x"');
});

Deno.test("RangeError: invalid explicit orders", () => {
  const three = [...g(), new Float32Array([0, 0, 1])];
  throwsWith(
    call(three, { order: [[1, 2], [0, 2]] }),
    RangeError,
    "one list per task (3)",
    "2 lists",
  );
  throwsWith(call(three, { order: [[1, 2], [0], [0, 1]] }), RangeError, "order[1]", "1 entries");
  throwsWith(
    call(three, { order: [[1, 2], [1, 2], [0, 1]] }),
    RangeError,
    "order[1] lists task 1 itself",
  );
  throwsWith(
    call(three, { order: [[1, 2], [0, 2], [0, 3]] }),
    RangeError,
    "order[2]",
    "number 3",
    "[0, 3)",
  );
  throwsWith(
    call(three, { order: [[1, 1], [0, 2], [0, 1]] }),
    RangeError,
    "order[0] lists task 1 twice",
  );
  throwsWith(call(three, { order: [[1, 2], [0, 2.5], [0, 1]] }), RangeError, "order[1]", "2.5");
  throwsWith(call(three, { order: [[1, 2], "02", [0, 1]] }), RangeError, "order[1]", 'string "02"');
});

Deno.test("RangeError: bad seed", () => {
  throwsWith(call(g(), { seed: NaN }), RangeError, "seed", "NaN");
  throwsWith(call(g(), { seed: Infinity }), RangeError, "seed", "Infinity");
  throwsWith(call(g(), { seed: "1" }), RangeError, "seed", 'string "1"');
});

Deno.test("out: wrong type, wrong length, aliasing an input", () => {
  throwsWith(call(g(), { out: new Float64Array(3) }), TypeError, "out", "Float64Array");
  throwsWith(call(g(), { out: new Float32Array(4) }), RangeError, "out has length 4, expected 3");
  const grads = g();
  throwsWith(call(grads, { out: grads[1] }), RangeError, "out shares memory with task 1");
  const s = createSurgery();
  throwsWith(() => s.surgery(g(), { out: new Float32Array(2) }), RangeError, "out has length 2");
});

Deno.test("RangeError: non-finite values name the task and the index", () => {
  for (const bad of [NaN, Infinity, -Infinity]) {
    const grads = [new Float32Array(50), new Float32Array(50)];
    grads[1][37] = bad;
    throwsWith(call(grads), RangeError, "task 1", "index 37", String(bad));
  }
});

Deno.test("errors leave inputs and out untouched", () => {
  const grads = [new Float32Array([1, 2]), new Float32Array([NaN, 1])];
  const out = new Float32Array([7, 7]);
  assert.throws(() => surgery(grads, { out }));
  assert.deepEqual(Array.from(out), [7, 7]);
  assert.deepEqual(Array.from(grads[0]), [1, 2]);
});

Deno.test("split phase: bad gram and weights", () => {
  throwsWith(
    () => accumulateGram(g(), new Float64Array(3)),
    RangeError,
    "gram has length 3, expected 4",
  );
  throwsWith(
    () => accumulateGram(g(), [0, 0, 0, 0] as unknown as Float64Array),
    TypeError,
    "gram",
    "an array of length 4",
  );
  throwsWith(() => surgeryWeights(new Float64Array(3)), RangeError, "T×T", "length 3");
  throwsWith(
    () => surgeryWeights(new Float64Array([1, 2, 3, 4])),
    RangeError,
    "symmetric",
    "2",
    "3",
  );
  throwsWith(() => surgeryWeights(new Float64Array([-1, 0, 0, 1])), RangeError, "gram[0][0]", "-1");
  throwsWith(
    () => surgeryWeights(new Float64Array([1, NaN, NaN, 1])),
    RangeError,
    "gram[0][1]",
    "NaN",
  );
  throwsWith(() => combineBlock(g(), [1]), RangeError, "weights has length 1, expected 2");
  throwsWith(() => combineBlock(g(), [1, NaN]), RangeError, "weights[1]", "NaN");
  throwsWith(() => combineBlock(g(), 3 as unknown as number[]), TypeError, "weights", "number 3");
  const bad = g();
  bad[0][2] = Infinity;
  throwsWith(() => combineBlock(bad, [1, 1]), RangeError, "task 0", "index 2");
  throwsWith(() => accumulateGram(bad), RangeError, "task 0", "index 2", "Infinity");
});

Deno.test("T = 1 and length 0 are valid", () => {
  assert.deepEqual(surgery([new Float32Array(0)]), new Float32Array(0));
  assert.deepEqual(surgery([new Float32Array([5])]), new Float32Array([5]));
});

Deno.test("RangeError: a misspelt option names the key and the closest valid one", () => {
  const typo = (found: string, near: string) => [`unknown option "${found}"`, `"${near}"?`];
  throwsWith(
    call(g(), { reducton: "mean" }),
    RangeError,
    "run surgery",
    ...typo("reducton", "reduction"),
  );
  throwsWith(call(g(), { Seed: 1 }), RangeError, ...typo("Seed", "seed"));
  throwsWith(call(g(), { methdo: "sum" }), RangeError, ...typo("methdo", "method"));
  throwsWith(
    call(g(), { selfprojection: true }),
    RangeError,
    ...typo("selfprojection", "selfProjection"),
  );
  throwsWith(call(g(), { lossses: [1, 2] }), RangeError, ...typo("lossses", "losses"));
  // Nothing close: every valid option is listed instead.
  throwsWith(call(g(), { learningRate: 0.1 }), RangeError, '"learningRate"', '"method"', '"out"');
  // Even with an undefined value the key is a typo.
  throwsWith(call(g(), { reducton: undefined }), RangeError, '"reducton"');
  throwsWith(
    () => createSurgery({ reducton: "mean" } as never),
    RangeError,
    "create surgery",
    ...typo("reducton", "reduction"),
  );
  throwsWith(
    () => surgeryWeights(new Float64Array([1, 0, 0, 1]), { metod: "mgda" } as never),
    RangeError,
    "compute weights",
    ...typo("metod", "method"),
  );
  throwsWith(
    () => createGradientBuffer(2, 3, { shard: true } as never),
    RangeError,
    ...typo("shard", "shared"),
  );
});

Deno.test("RangeError: an option given to the wrong call says where it belongs", () => {
  const s = createSurgery();
  throwsWith(() => s.surgery(g(), { otu: new Float32Array(3) } as never), RangeError, ...[
    '"otu"',
    '"out"?',
  ]);
  throwsWith(
    () => s.surgery(g(), { reduction: "mean" } as never),
    RangeError,
    'option "reduction"',
    "createSurgery({ reduction })",
  );
  throwsWith(
    () => s.weights(new Float64Array([1, 0, 0, 1]), { out: new Float32Array(2) } as never),
    RangeError,
    'option "out"',
    "combineBlock",
  );
  throwsWith(
    () => createSurgery({ losses: [1, 2] } as never),
    RangeError,
    'option "losses"',
    ".surgery(grads, { losses })",
  );
  throwsWith(() => s.surgery(g(), 3 as never), TypeError, "options", "number 3");
});

Deno.test("RangeError: createParallelSurgery's options and per-call options are checked", async () => {
  await assert.rejects(
    () => createParallelSurgery({ thread: 2 } as never),
    (e: unknown) =>
      e instanceof RangeError &&
      /unknown option "thread"; did you mean "threads"\?/.test(e.message),
  );
  const parallel = await createParallelSurgery({ threads: 1 });
  try {
    await assert.rejects(
      () => parallel.surgery(g(), { threads: 2 } as never),
      (e: unknown) =>
        e instanceof RangeError && /createParallelSurgery\(\{ threads \}\)/.test(e.message),
    );
    await assert.rejects(
      () => parallel.surgery(g(), { lossess: [1, 2] } as never),
      (e: unknown) =>
        e instanceof RangeError && /"lossess"; did you mean "losses"\?/.test(e.message),
    );
  } finally {
    parallel.close();
  }
});

Deno.test("closestKey: typos are near, unrelated words are not", () => {
  assert.equal(editDistance("reducton", "reduction"), 1);
  assert.equal(editDistance("mehtod", "method"), 1); // a transposition counts once
  assert.equal(editDistance("SEED", "seed"), 0);
  assert.equal(closestKey("varaint", ["variant", "order"]), "variant");
  assert.equal(closestKey("learningRate", ["variant", "order", "method"]), undefined);
});

Deno.test("RangeError: Infinity where it would switch an option off or give NaN", () => {
  throwsWith(call(g(), { epsilon: Infinity }), RangeError, "epsilon", "finite", "Infinity");
  throwsWith(call(g(), { method: "cagrad", c: Infinity }), RangeError, "c must be", "Infinity");
  throwsWith(
    call(g(), { method: "upgrad", regularization: Infinity }),
    RangeError,
    "regularization",
    "Infinity",
  );
  // maxNorm: Infinity means "never rescale" and stays valid.
  assert.ok(surgery(g(), { method: "nash-mtl", maxNorm: Infinity }).every(Number.isFinite));
});

Deno.test("RangeError: a gram that is not positive semidefinite", () => {
  // Pairs break Cauchy–Schwarz: the entries are named.
  throwsWith(
    () => surgeryWeights(new Float64Array([1, -10, -10, 1])),
    RangeError,
    "not positive semidefinite",
    "|gram[0][1]| = 10",
    "= 1",
  );
  // Every pair is fine, the whole is not (eigenvalues 1.9, 1.9, −0.8): the eigenvalue is named.
  const G = new Float64Array([1, -0.9, -0.9, -0.9, 1, -0.9, -0.9, -0.9, 1]);
  throwsWith(() => surgeryWeights(G), RangeError, "smallest eigenvalue is -0.8");
  throwsWith(
    () => createSurgery().weights(G),
    RangeError,
    "Cannot compute weights",
    "not positive semidefinite",
  );
  // Just outside the tolerance fails, just inside passes (a rank-1 Gram, tr = 2).
  const edge = (excess: number) => {
    const off = 1 + excess * GRAM_PSD_TOLERANCE * 2;
    return new Float64Array([1, off, off, 1]);
  };
  assert.throws(() => surgeryWeights(edge(1.01)), RangeError);
  assert.equal(surgeryWeights(edge(0.99)).weights.length, 2);
  // Zero and singular Grams are Gramians.
  assert.equal(surgeryWeights(new Float64Array(9)).weights.length, 3);
  assert.equal(surgeryWeights(new Float64Array([4, 2, 2, 1])).weights.length, 2);
});

Deno.test("every Gram accumulateGram returns passes the semidefinite check", () => {
  // Rank-deficient inputs included: T up to 12 rows of a few columns, or copies of one row.
  fc.assert(
    fc.property(gradsArb(1, 12, fc.integer({ min: 1, max: 40 })), fc.boolean(), (grads, copies) => {
      const rows = copies ? grads.map(() => grads[0]) : grads;
      assert.equal(surgeryWeights(accumulateGram(rows)).weights.length, rows.length);
    }),
    { numRuns: 200 },
  );
});

Deno.test("RangeError: more tasks than MAX_TASKS, the same limit everywhere", async () => {
  const many = Array.from({ length: MAX_TASKS + 1 }, () => new Float32Array(1));
  const message = [`holds ${MAX_TASKS + 1} tasks`, `the ${MAX_TASKS}`];
  throwsWith(call(many), RangeError, "run surgery", ...message);
  throwsWith(() => createSurgery().surgery(many), RangeError, ...message);
  throwsWith(() => accumulateGram(many), RangeError, "accumulate the Gram", ...message);
  throwsWith(() => combineBlock(many, new Float64Array(many.length)), RangeError, ...message);
  throwsWith(
    () => surgeryWeights(new Float64Array((MAX_TASKS + 1) ** 2)),
    RangeError,
    "gram",
    ...message,
  );
  throwsWith(
    () => createGradientBuffer(MAX_TASKS + 1, 1),
    RangeError,
    `tasks must be an integer from 1 to ${MAX_TASKS}`,
  );
  const parallel = await createParallelSurgery({ threads: 1 });
  try {
    await assert.rejects(() => parallel.surgery(many), RangeError);
  } finally {
    parallel.close();
  }
  // The limit itself is valid (the bug this guards: "offset is out of bounds" from T = 9460).
  const edge = Array.from({ length: MAX_TASKS }, () => new Float32Array(1));
  assert.deepEqual(validateRows(edge, "run surgery"), { T: MAX_TASKS, d: 1 });
});

// The methods that need more than the Gramian through the public API (surgery, createSurgery,
// createParallelSurgery): each step equals the pure functions of methods/ on the same inputs, a
// checkpoint through JSON resumes bitwise, the saved rows are the state's float32 bytes (T·d·4
// bytes, base64), and every misuse is an error with its exact message.

import assert from "node:assert/strict";
import {
  createSurgery,
  type Method,
  surgery,
  type SurgeryOptions,
  surgeryWeights,
} from "../../mod.ts";
import { dbMtlTrack, dbMtlWeights } from "../../methods/db_mtl.ts";
import {
  excessAccumulate,
  excessMtlInitialState,
  type ExcessMtlState,
  excessMtlWeights,
  excessRisks,
} from "../../methods/excess_mtl.ts";
import {
  mocoGradientScales,
  mocoInitialState,
  type MocoState,
  mocoTrack,
  mocoWeights,
} from "../../methods/moco.ts";
import { moDoInitialState, type MoDoState, moDoWeights } from "../../methods/modo.ts";
import { decodeRow } from "../../methods/saved_rows.ts";
import { sdmGradInitialState, type SdmGradState, sdmGradWeights } from "../../methods/sdmgrad.ts";
import { combineRows, crossGram, rowGram } from "../../methods/tracked_gradients.ts";
import { gramReference } from "../../core/reference.ts";

type Grads = Float32Array[];

/** Step k's gradients, losses and extra batches: a fixed formula, T = 3, d = 7. */
function stepInputs(k: number, T = 3, d = 7): { grads: Grads; losses: number[]; batches: Grads[] } {
  const row = (t: number, shift: number) =>
    Float32Array.from({ length: d }, (_, i) => Math.sin(1.3 * k + 0.7 * t + 0.37 * i + shift));
  return {
    grads: Array.from({ length: T }, (_, t) => row(t, 0)),
    losses: Array.from({ length: T }, (_, t) => 0.5 + Math.abs(Math.cos(k + t))),
    batches: [1, 2].map((b) => Array.from({ length: T }, (_, t) => row(t, 0.1 * b))),
  };
}

function gram(rows: Grads): Float64Array {
  const G = new Float64Array(rows.length ** 2);
  gramReference(rows, G);
  return G;
}

/** The pure functions' steps of each method, carrying their own state. */
const REFERENCES: Record<string, () => (k: number) => Float32Array> = {
  "db-mtl": () => {
    let y: Float32Array[] | null = null;
    return (k) => {
      const { grads, losses } = stepInputs(k);
      y = dbMtlTrack(y, grads, losses, k + 1, { beta: 0.9, betaSigma: 0 });
      return combineRows(y, dbMtlWeights(rowGram(y), grads.length));
    };
  },
  "excess-mtl": () => {
    let a: Float32Array[] | null = null;
    let state: ExcessMtlState = excessMtlInitialState(3);
    return (k) => {
      const { grads } = stepInputs(k);
      a = excessAccumulate(a, grads);
      const r = excessMtlWeights(state, excessRisks(a, grads), 1e-2);
      state = r.state;
      return combineRows(grads, r.weights);
    };
  },
  moco: () => {
    let y: Float32Array[] | null = null;
    let state: MocoState = mocoInitialState(3);
    return (k) => {
      const { grads, losses } = stepInputs(k);
      const scales = mocoGradientScales(gram(grads), 3, losses);
      y = mocoTrack(y, grads, scales, state.step + 1);
      const r = mocoWeights(state, rowGram(y), 3);
      state = r.state;
      return combineRows(y, r.weights);
    };
  },
  sdmgrad: () => {
    let state: SdmGradState = sdmGradInitialState(3);
    return (k) => {
      const { grads, batches } = stepInputs(k);
      const r = sdmGradWeights(state, crossGram(batches[0], batches[1]), 3);
      state = r.state;
      return combineRows(grads, r.weights);
    };
  },
  modo: () => {
    let state: MoDoState = moDoInitialState(3);
    return (k) => {
      const { grads, batches } = stepInputs(k);
      const r = moDoWeights(state, crossGram(batches[0], batches[1]), 3);
      state = r.state;
      return combineRows(grads, r.weights);
    };
  },
};

const VECTOR_METHODS = Object.keys(REFERENCES) as Method[];

/** The call options of step k for `method`. */
function call(method: Method, k: number): { losses: number[]; batches?: Grads[] } {
  const { losses, batches } = stepInputs(k);
  return method === "sdmgrad" || method === "modo" ? { losses, batches } : { losses };
}

for (const method of VECTOR_METHODS) {
  Deno.test(`${method}: five steps of createSurgery equal the pure functions, bitwise`, () => {
    const reference = REFERENCES[method]();
    const s = createSurgery({ method });
    for (let k = 0; k < 5; k++) {
      const want = reference(k);
      const got = s.surgery(stepInputs(k).grads, call(method, k));
      assert.deepEqual(got, want, `step ${k}`);
      assert.equal(s.stats!.weights.length, 3);
    }
  });

  Deno.test(`${method}: one-shot surgery is the first step from a zero state`, () => {
    const { grads } = stepInputs(0);
    const options = { method, ...call(method, 0) } as SurgeryOptions;
    assert.deepEqual(surgery(grads, options), REFERENCES[method]()(0));
    // The reduction divides by T as for every method; `out` is written.
    const out = new Float32Array(7);
    const mean = surgery(grads, { ...options, reduction: "mean", out });
    assert.equal(mean, out);
    surgery(grads, options).forEach((x, i) => assert.ok(Math.abs(x / 3 - mean[i]) <= 1e-6));
  });

  Deno.test(`${method}: a checkpoint through JSON resumes bitwise`, () => {
    const run = createSurgery({ method });
    for (let k = 0; k < 3; k++) run.surgery(stepInputs(k).grads, call(method, k));
    const checkpoint = JSON.stringify(run.getState());
    const resumed = createSurgery({ method });
    resumed.setState(checkpoint);
    assert.equal(JSON.stringify(resumed.getState()), checkpoint);
    for (let k = 3; k < 6; k++) {
      const { grads } = stepInputs(k);
      assert.deepEqual(
        resumed.surgery(grads, call(method, k)),
        run.surgery(grads, call(method, k)),
      );
      assert.deepEqual(resumed.stats, run.stats);
    }
    // getState is a copy: changing it does not change the run.
    const state = run.getState();
    (state.methods[method] as Record<string, unknown>).rows = null;
    assert.notEqual(JSON.stringify(run.getState()), JSON.stringify(state));
    // reset forgets the state: the next step is the first again.
    run.reset();
    assert.deepEqual(run.surgery(stepInputs(0).grads, call(method, 0)), REFERENCES[method]()(0));
  });
}

Deno.test("the tracked rows are saved as base64 of their float32 bytes: T rows of d values", () => {
  const d = 1000;
  for (const method of ["db-mtl", "excess-mtl", "moco"] as const) {
    const s = createSurgery({ method });
    const { grads, losses } = stepInputs(0, 3, d);
    s.surgery(grads, { losses });
    const saved = s.getState().methods[method] as { rows: string[] };
    assert.equal(saved.rows.length, 3);
    for (const text of saved.rows) {
      // 4·d bytes in base64: 4 characters per 3 bytes.
      assert.equal(text.length, 4 * Math.ceil((4 * d) / 3));
      assert.equal(decodeRow(text)!.length, d);
    }
  }
  // DB-MTL's rows are its moving averages y = (1 − β)·g/(L + 1e-8), bit for bit.
  const { grads, losses } = stepInputs(0, 3, d);
  const s = createSurgery({ method: "db-mtl" });
  s.surgery(grads, { losses });
  const rows = (s.getState().methods["db-mtl"] as { rows: string[] }).rows.map(decodeRow);
  assert.deepEqual(rows, dbMtlTrack(null, grads, losses, 1, { beta: 0.9 }));
});

Deno.test("saved rows round-trip every float32 bit pattern: −0, subnormals, ±Infinity, NaN", () => {
  const s = createSurgery({ method: "excess-mtl" });
  const g = Float32Array.of(-0, 1e-45, 3.4e38, 1e-20, 0.1);
  s.surgery([g, g.map((x) => -x)]);
  const text = JSON.stringify(s.getState());
  const resumed = createSurgery({ method: "excess-mtl" });
  resumed.setState(text);
  assert.equal(JSON.stringify(resumed.getState()), text);
  // The accumulator A = g ⊙ g: (3.4e38)² overflows float32 to Infinity and is kept as such.
  const rows = (resumed.getState().methods["excess-mtl"] as { rows: string[] }).rows.map(decodeRow);
  assert.equal(rows[0]![2], Infinity);
  assert.ok(Object.is(rows[0]![0], 0));
});

Deno.test("options: LibMTL's defaults, and a given value changes the step", () => {
  const { grads, losses } = stepInputs(0);
  const db = surgery(grads, { method: "db-mtl", losses });
  assert.deepEqual(surgery(grads, { method: "db-mtl", losses, beta: 0.9, betaSigma: 0 }), db);
  assert.notDeepEqual(surgery(grads, { method: "db-mtl", losses, beta: 0.5 }), db);
  const moco = surgery(grads, { method: "moco", losses });
  assert.deepEqual(
    surgery(grads, {
      method: "moco",
      losses,
      beta: 0.5,
      betaSigma: 0.5,
      gamma: 0.1,
      gammaSigma: 0.5,
      rho: 0,
    }),
    moco,
  );
  assert.notDeepEqual(surgery(grads, { method: "moco", losses, gamma: 5 }), moco);
  const { batches } = stepInputs(0);
  const modo = surgery(grads, { method: "modo", batches });
  assert.deepEqual(surgery(grads, { method: "modo", batches, gamma: 1e-3, rho: 0.1 }), modo);
  const sdm = surgery(grads, { method: "sdmgrad", batches });
  assert.deepEqual(
    surgery(grads, { method: "sdmgrad", batches, lambda: 0.3, iterations: 20 }),
    sdm,
  );
  assert.notDeepEqual(surgery(grads, { method: "sdmgrad", batches, lambda: 3 }), sdm);
  const excess = createSurgery({ method: "excess-mtl", robustStepSize: 1 });
  excess.surgery(grads);
  excess.surgery(stepInputs(1).grads);
  assert.notDeepEqual(excess.stats!.weights, [1, 1, 1]);
});

Deno.test("errors: missing losses or batches, batches for another method, wrong shapes", () => {
  const { grads, losses, batches } = stepInputs(0);
  const cases: [() => unknown, string][] = [
    [
      () => surgery(grads, { method: "db-mtl" }),
      `Cannot run surgery: method "db-mtl" needs the step's task losses: pass losses (3 numbers)`,
    ],
    [
      () => createSurgery({ method: "moco" }).surgery(grads),
      `Cannot run surgery: method "moco" needs the step's task losses: pass losses (3 numbers)`,
    ],
    [
      () => surgery(grads, { method: "sdmgrad" }),
      `Cannot run surgery: method "sdmgrad" needs batches: two more independent gradient batches [gradsA, gradsB], each 3 rows of length 7, found none`,
    ],
    [
      () => surgery(grads, { method: "modo", batches: [batches[0]] }),
      `Cannot run surgery: method "modo" needs batches: two more independent gradient batches [gradsA, gradsB], each 3 rows of length 7, found 1 batch`,
    ],
    [
      () => surgery(grads, { method: "modo", batches: [batches[0], batches[1].slice(1)] }),
      `Cannot run surgery: batches[1] holds 2 rows of length 7, expected 3 rows of length 7 (as grads)`,
    ],
    [
      () => surgery(grads, { batches }),
      `Cannot run surgery: batches apply to method "sdmgrad" or "modo", found method "pcgrad"`,
    ],
    [
      () => {
        const nan = batches[1].map((g) => g.slice());
        nan[2][4] = NaN;
        return surgery(grads, { method: "sdmgrad", batches: [batches[0], nan] });
      },
      "Cannot run surgery: the batches' cross-Gramian has a non-finite value at [0][2]: NaN (a non-finite gradient value in batches)",
    ],
    [
      () => createSurgery({ method: "db-mtl" }).surgery(grads, { losses, batches }),
      `Cannot run surgery: batches apply to method "sdmgrad" or "modo", found method "db-mtl"`,
    ],
    [
      () => surgery(grads, { method: "moco", losses, variant: "direction" }),
      `Cannot run surgery: variant must be "full" for method "moco", which needs more than the Gramian, found "direction"`,
    ],
    [
      () => surgery(grads, { method: "db-mtl", losses: [1, -1, 1] }),
      "Cannot run surgery: DB-MTL takes the log of the losses, so losses[1] must be a finite number ≥ 0, found -1",
    ],
    [
      () => surgery(grads, { method: "moco", losses, beta: 0 }),
      "Cannot run surgery: beta must be a number in (0, 1], found 0",
    ],
    [
      () => createSurgery({ method: "sdmgrad", batches } as never),
      `Cannot create surgery: option "batches" does not belong here: pass them to each call: .surgery(grads, { batches })`,
    ],
  ];
  for (const [run, message] of cases) assert.throws(run, { name: "RangeError", message });
});

Deno.test("errors: the split phase refuses them, naming what they need", () => {
  const G = new Float64Array([1, 0, 0, 1]);
  const messages: Record<string, string> = {
    "db-mtl":
      `method "db-mtl" keeps the moving averages of the log-loss gradients, which a Gramian does not hold; run surgery() on the gradients`,
    "excess-mtl":
      `method "excess-mtl" keeps the per-coordinate sums of squared gradients, which a Gramian does not hold; run surgery() on the gradients`,
    moco:
      `method "moco" keeps the tracked task gradients, which a Gramian does not hold; run surgery() on the gradients`,
    sdmgrad:
      `method "sdmgrad" needs two more independent gradient batches each step, which a Gramian does not hold; run surgery() on the gradients with { batches }`,
    modo:
      `method "modo" needs two more independent gradient batches each step, which a Gramian does not hold; run surgery() on the gradients with { batches }`,
  };
  for (const method of VECTOR_METHODS) {
    const message = `Cannot compute weights: ${messages[method]}`;
    assert.throws(() => surgeryWeights(G, { method }), { name: "RangeError", message });
    assert.throws(() => createSurgery({ method }).weights(G), { name: "RangeError", message });
  }
});

Deno.test("errors: a state of other gradients, or a broken one, is refused", () => {
  const run = createSurgery({ method: "db-mtl" });
  const { grads, losses } = stepInputs(0);
  run.surgery(grads, { losses });
  const saved = run.getState();
  // A state from d = 7 on gradients of length 5: the step refuses it and keeps the state.
  const short = stepInputs(1, 3, 5);
  assert.throws(() => run.surgery(short.grads, { losses: short.losses }), {
    name: "RangeError",
    message:
      "Cannot run surgery: the db-mtl state holds 3 rows of length 7, found 3 tasks of length 5",
  });
  assert.deepEqual(run.getState(), saved);
  const broken = structuredClone(saved);
  (broken.methods["db-mtl"] as { rows: string[] }).rows[1] = "not base64!";
  assert.throws(() => run.setState(broken), {
    name: "TypeError",
    message:
      /^Cannot restore the surgery state: the db-mtl state's rows must be null or base64 float32 rows of one length, found /,
  });
  const badStep = structuredClone(saved);
  (badStep.methods["db-mtl"] as { step: number }).step = -1;
  assert.throws(() => run.setState(badStep), {
    name: "TypeError",
    message:
      "Cannot restore the surgery state: the db-mtl state's step must be a whole number ≥ 0, found -1",
  });
  // All or nothing: the run still holds its own state.
  assert.deepEqual(run.getState(), saved);
});

// Grouped surgery in the tf.js adapter (groups: "all" | "variable" | name → group): each group
// equals a separate surgery on its variables, state is kept per group name, "all" is today's step,
// and SurgeryOptimizer takes the option too. On cpu and wasm (the host passes).

import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { createSurgery, surgery, SurgeryOptimizer } from "../../adapters/tfjs.ts";
import { surgery as plainSurgery } from "../../mod.ts";
import { type BackendName, testEachBackend, values } from "./_backends.ts";

const HOST: readonly BackendName[] = ["cpu", "wasm"];

/** Two steps' task gradients for variables l1/w, l1/b, l2/w and a head per task. */
function taskMaps(step: number): tf.NamedTensorMap[] {
  const s = 1 + step / 2;
  return [
    {
      "l1/w": tf.tensor2d([1 * s, 0, 2, -1], [2, 2]),
      "l1/b": tf.tensor1d([0.5, -s]),
      "l2/w": tf.tensor1d([2, 1, -s]),
      head0: tf.tensor1d([3]),
    },
    {
      "l1/w": tf.tensor2d([-1, 1, -2 * s, 0.5], [2, 2]),
      "l1/b": tf.tensor1d([1, 1]),
      "l2/w": tf.tensor1d([-1, s, 1]),
      head1: tf.tensor1d([4]),
    },
    { "l1/w": tf.tensor2d([0, -1, 1, s], [2, 2]), "l2/w": tf.tensor1d([s, -2, 0.5]) },
  ];
}

const pick = (maps: readonly tf.NamedTensorMap[], names: readonly string[]) =>
  maps.map((m) => Object.fromEntries(Object.entries(m).filter(([n]) => names.includes(n))));

async function same(a: tf.Tensor, b: tf.Tensor, label: string) {
  assert.deepEqual(Array.from(await values(a)), Array.from(await values(b)), label);
}

const layer = (name: string) => name.split("/")[0];

testEachBackend("tf.js groups equal separate surgeries per group, step after step", async () => {
  for (const groups of ["variable", layer] as const) {
    const options = { method: "gradvac", order: "fixed", beta: 0.5 } as const;
    const grouped = createSurgery({ ...options, groups });
    const members = groups === "variable"
      ? [["l1/w"], ["l1/b"], ["l2/w"]]
      : [["l1/w", "l1/b"], ["l2/w"]];
    const separate = members.map(() => createSurgery(options));
    for (let step = 0; step < 3; step++) {
      const maps = taskMaps(step);
      const update = grouped.surgery(maps);
      for (const [g, names] of members.entries()) {
        const part = separate[g].surgery(pick(maps, names));
        for (const name of names) await same(update[name], part[name], `${name} step ${step}`);
        tf.dispose(Object.values(part));
      }
      await same(update.head0, maps[0].head0, "a head passes through");
      assert.equal(grouped.stats?.groups?.length, members.length);
      tf.dispose([...Object.values(update), ...maps.flatMap((m) => Object.values(m))]);
    }
    const keys = Object.keys(grouped.getState().groups!);
    assert.deepEqual(keys, groups === "variable" ? ["l1/w", "l1/b", "l2/w"] : ["l1", "l2"]);
  }
}, HOST);

testEachBackend(
  'tf.js groups: "all" is the ungrouped step; the plain grouped update matches',
  async () => {
    const maps = taskMaps(1);
    const a = surgery(maps, { seed: 4, groups: "all" });
    const b = surgery(maps, { seed: 4 });
    for (const name of Object.keys(b)) await same(a[name], b[name], name);
    // The plain API's boundaries over the variables laid end to end (a task without l1/b: zeros).
    const byLayer = surgery(maps, { order: "fixed", groups: layer });
    const flat = await Promise.all(maps.map(async (m) => {
      const row = new Float32Array(9);
      for (const [name, at] of [["l1/w", 0], ["l1/b", 4], ["l2/w", 6]] as const) {
        if (m[name] !== undefined) row.set(await values(m[name]), at);
      }
      return row;
    }));
    const plain = plainSurgery(flat, { order: "fixed", groups: [0, 6, 9] });
    const tfFlat = [
      ...await values(byLayer["l1/w"]),
      ...await values(byLayer["l1/b"]),
      ...await values(byLayer["l2/w"]),
    ];
    tfFlat.forEach((x, k) => assert.ok(Math.abs(x - plain[k]) < 1e-6, `index ${k}`));
    tf.dispose(Object.values(byLayer));
    const all = createSurgery({ method: "gradvac", groups: "all" });
    all.surgery(maps);
    assert.equal(all.getState().groups, undefined);
    // A one-tensor-per-task input has one variable: one group.
    const tensors = [tf.tensor1d([1, 0]), tf.tensor1d([-1, 1])];
    const one = surgery(tensors, { groups: "variable" });
    assert.deepEqual(Array.from(await values(one)), [0.5, 1.5]);
    tf.dispose([...Object.values(a), ...Object.values(b), one, ...tensors]);
    tf.dispose(maps.flatMap((m) => Object.values(m)));
  },
  HOST,
);

testEachBackend("tf.js groups: bad options are errors naming the value", () => {
  assert.throws(
    () => createSurgery({ groups: "layer" as never }),
    /groups must be "all", "variable" or a function .*, found string "layer"/,
  );
  const maps = taskMaps(0);
  const bad = createSurgery({ groups: (() => 3) as never });
  assert.throws(
    () => bad.surgery(maps),
    /groups\("l1\/w"\) must return a group name \(a string\), found number 3/,
  );
  const s = createSurgery({ groups: "variable" });
  assert.throws(() => s.surgery(maps, { groups: "all" } as never), /set it when creating/);
  tf.dispose(maps.flatMap((m) => Object.values(m)));
}, HOST);

testEachBackend("SurgeryOptimizer with groups: the grouped tf.js surgery, applied", async () => {
  const v = (name: string, x: number[]) => tf.variable(tf.tensor1d(x), true, `groups-opt/${name}`);
  const vars = { a: v("a", [1, 2]), b: v("b", [-1, 0.5, 2]) };
  const losses = () => [
    tf.sum(tf.mul(vars.a, tf.tensor1d([1, -1]))).add(tf.sum(tf.square(vars.b))) as tf.Scalar,
    tf.sum(tf.mul(vars.a, tf.tensor1d([-1, 0.5]))).sub(tf.sum(vars.b)) as tf.Scalar,
  ];
  const optimizer = new SurgeryOptimizer(tf.train.sgd(0.1), { groups: "variable", seed: 2 });
  const by = createSurgery({ groups: "variable", seed: 2 });
  const grads = [0, 1].map((t) => tf.variableGrads(() => losses()[t]).grads);
  const expected = by.surgery(grads);
  const before = [await values(vars.a), await values(vars.b)];
  optimizer.minimize(losses);
  for (const [k, name] of ["a", "b"].entries()) {
    const want = before[k].map((x, i) => x - 0.1 * expected[`groups-opt/${name}`].dataSync()[i]);
    const got = await values(name === "a" ? vars.a : vars.b);
    got.forEach((x, i) => assert.ok(Math.abs(x - want[i]) < 1e-6, `${name}[${i}]`));
  }
  assert.equal(optimizer.stats?.groups?.length, 2);
  const config = optimizer.getConfig().surgery;
  assert.equal(config.groups, "variable");
  const again = new SurgeryOptimizer(tf.train.sgd(0.1), config); // a valid configuration
  assert.deepEqual(again.getConfig().surgery, config);
  again.dispose();
  assert.deepEqual(Object.keys(optimizer.getSurgeryState().groups!), [
    "groups-opt/a",
    "groups-opt/b",
  ]);
  tf.dispose([...Object.values(vars), ...Object.values(expected)]);
  tf.dispose(grads.flatMap((m) => Object.values(m)));
  optimizer.dispose();
}, HOST);

// The PCGrad 2-D toy demo (examples/toy) and its shared parts: analytic gradients, Adam, a short
// run of both optimisers, and the landscape SVG builder.
import assert from "node:assert/strict";
import type * as vega from "vega";
import { Adam } from "../../examples/_shared/adam.ts";
import { countMarkPaths, landscapeSvg, renderSvg } from "../../examples/_shared/plot.ts";
import { runToy, summaryTable, toyPlotSvg } from "../../examples/toy/main.ts";
import { FLOOR, grad1, grad2, loss, loss1, loss2, START } from "../../examples/toy/problem.ts";

/** Points away from both valleys' floors, including the paper's start. */
const POINTS: [number, number][] = [
  [0.5, -3],
  [1, 0.3],
  [-3, 1.2],
  [-2.5, 4],
  [3, -1],
  [-1, 2.5],
  [-7, -0.4],
];

function centralDifference(f: (a: number, b: number) => number, t1: number, t2: number) {
  const h = 1e-6;
  return [
    (f(t1 + h, t2) - f(t1 - h, t2)) / (2 * h),
    (f(t1, t2 + h) - f(t1, t2 - h)) / (2 * h),
  ];
}

Deno.test("toy: analytic gradients match central finite differences", () => {
  for (const [t1, t2] of POINTS) {
    for (const [f, g] of [[loss1, grad1], [loss2, grad2]] as const) {
      const fd = centralDifference(f, t1, t2);
      const an = g(t1, t2);
      for (let k = 0; k < 2; k++) {
        const tol = 1e-6 * Math.max(1, Math.abs(an[k]));
        assert.ok(
          Math.abs(an[k] - fd[k]) <= tol,
          `${f.name} at (${t1}, ${t2}), component ${k}: analytic ${an[k]}, FD ${fd[k]}`,
        );
      }
    }
    assert.equal(loss(t1, t2), loss1(t1, t2) + loss2(t1, t2));
  }
});

Deno.test("toy: the losses are the paper's, with a zero gradient on the floor", () => {
  // At the start: u1 = 0.25 + tanh(−3), u2 = 0.25 − tanh(−3) + 2.
  const [t1, t2] = START;
  assert.ok(Math.abs(loss1(t1, t2) - 20 * Math.log(Math.abs(0.25 + Math.tanh(-3)))) < 1e-12);
  assert.ok(Math.abs(loss2(t1, t2) - 25 * Math.log(2.25 - Math.tanh(-3))) < 1e-12);
  // Task 1's valley floor at (0, 0) (u1 = 0) and task 2's at (−4, 0) (u2 = 0).
  assert.equal(loss1(0, 0), 20 * Math.log(FLOOR));
  assert.deepEqual(grad1(0, 0), [0, 0]);
  assert.equal(loss2(-4, 0), 25 * Math.log(FLOOR));
  assert.deepEqual(grad2(-4, 0), [0, 0]);
  // Near the optimum (−2, large θ2) both terms sit on the floor.
  assert.equal(loss(-2, 8), 45 * Math.log(FLOOR));
});

Deno.test("adam: the first step is lr·sign(g), later steps follow the textbook formula", () => {
  const lr = 0.001;
  const grad = [3, -0.002, 1e4, 0];
  const params = new Float64Array([1, 2, 3, 4]);
  const adam = new Adam(4, { lr });
  adam.step(params, grad);
  const expected = [1 - lr, 2 + lr, 3 - lr, 4];
  for (let k = 0; k < 4; k++) {
    assert.ok(Math.abs(params[k] - expected[k]) < 1e-8, `param ${k}: ${params[k]}`);
  }
  assert.equal(adam.steps, 1);

  // Three steps against Kingma & Ba's Algorithm 1 written out, on float32 parameters.
  const p32 = new Float32Array([0.5]);
  const ref = [0.5];
  const opt = new Adam(1);
  let m = 0;
  let v = 0;
  for (const [t, g] of [[1, 2], [2, -1], [3, 0.5]]) {
    opt.step(p32, [g]);
    m = 0.9 * m + 0.1 * g;
    v = 0.999 * v + 0.001 * g * g;
    ref[0] -= (0.001 * m / (1 - 0.9 ** t)) / (Math.sqrt(v / (1 - 0.999 ** t)) + 1e-8);
    assert.equal(p32[0], Math.fround(ref[0]));
  }
  assert.throws(() => opt.step(p32, [1, 2]), RangeError);
  opt.reset();
  assert.equal(opt.steps, 0);
});

Deno.test("toy: a short run of both optimisers is deterministic and finite", () => {
  const options = { steps: 20_000, recordEvery: 1000 };
  for (const name of ["Adam", "Adam + PCGrad"] as const) {
    const a = runToy(name, options);
    const b = runToy(name, options);
    assert.deepEqual(a.trajectory, b.trajectory, name);
    assert.deepEqual(a.theta, b.theta, name);
    assert.equal(a.trajectory.length, 21);
    assert.deepEqual(a.trajectory[0], [...START]);
    assert.deepEqual(a.trajectory[20], a.theta);
    assert.ok(a.trajectory.flat().every(Number.isFinite), name);
    assert.ok(loss(...a.theta) < loss(...START), `${name} lowers the loss`);
  }
  // The gradients conflict at the start, so PCGrad takes another path from the first step.
  const plain = runToy("Adam", { steps: 1 });
  const pcgrad = runToy("Adam + PCGrad", { steps: 1 });
  assert.notDeepEqual(plain.theta, pcgrad.theta);
  const table = summaryTable([plain, pcgrad]);
  assert.match(table, /^run\s+θ1\s+θ2\s+L1\s+L2\s+L\s+seconds$/m);
  assert.match(table, /^Adam \+ PCGrad\s/m);
});

Deno.test("plot: the landscape SVG draws the contours and every trajectory", async () => {
  const svg = await landscapeSvg({
    title: "test",
    xLabel: "θ1",
    yLabel: "θ2",
    landscape: { f: loss, x: [-9, 5], y: [-6, 8], thresholds: [-100, -50, 0, 50], nx: 60, ny: 60 },
    trajectories: [
      { name: "one", points: [[0.5, -3], [1, -2], [1.8, -1.5]], color: "#d62728" },
      { name: "two", points: [[0.5, -3], [-1, 0], [-2, 6]], color: "#1f3fbf" },
    ],
    markers: [{ label: "optimum", x: -2, y: 7 }],
  });
  assert.ok(svg.startsWith("<svg"));
  assert.equal(countMarkPaths(svg, "contours"), 1);
  assert.ok((svg.match(/<path /g)?.length ?? 0) > 10);
  assert.equal(countMarkPaths(svg, "trajectory"), 2);
  for (const color of ["#d62728", "#1f3fbf"]) {
    assert.match(svg, new RegExp(`role-mark trajectory"[^>]*><path [^>]*stroke="${color}"`));
  }
  assert.match(svg, />optimum</);
  assert.match(svg, />one</);
  assert.match(svg, />two</);
});

Deno.test("plot: later trajectories on top, dashes, end labels and a grey fill", async () => {
  const svg = await landscapeSvg({
    title: "test",
    xLabel: "θ1",
    yLabel: "θ2",
    landscape: {
      f: loss,
      x: [-9, 5],
      y: [-6, 8],
      thresholds: [-100, -50, 0, 50],
      nx: 40,
      ny: 40,
      scheme: "greys",
    },
    trajectories: [
      // Names out of alphabetical order: the array's order is the draw order.
      { name: "zz under", points: [[0.5, -3], [-1, 0], [-2, 6]], color: "#1f5fbf" },
      {
        name: "aa over",
        points: [[0.5, -3], [1, -2]],
        color: "#d62728",
        dash: [7, 4],
        endLabel: { text: ["aa stalls", "(1.00, −2.00)"], dy: 8 },
      },
    ],
  });
  const lines = [
    ...svg.matchAll(/role-mark trajectory"[^>]*><path [^>]*stroke="(#[0-9a-f]+)"([^>]*)>/g),
  ];
  assert.deepEqual(lines.map((m) => m[1]), ["#1f5fbf", "#d62728"], "drawn in the given order");
  assert.doesNotMatch(lines[0][2], /stroke-dasharray="[^"]/, "solid");
  assert.match(lines[1][2], /stroke-dasharray="7,4"/);
  // The legend shows the dash too.
  assert.match(
    svg,
    /role-legend-symbol"[^>]*><path [^>]*stroke="#d62728"[^>]*stroke-dasharray="7,4"/,
  );
  // The label, twice (white outline, then in the run's colour), both lines.
  const label = /<tspan>aa stalls<\/tspan><tspan x="0" dy="\d+">\(1\.00, −2\.00\)<\/tspan>/g;
  assert.equal(svg.match(label)?.length, 2);
  assert.match(svg, /role-mark endLabel"[^>]*><text [^>]*fill="#d62728"/);
  // Greys: every contour band is a shade of grey.
  const contours = svg.slice(svg.indexOf('role-mark contours"'));
  const fills = [...contours.slice(0, contours.indexOf("</g>")).matchAll(/fill="rgb\(([^)]*)\)"/g)]
    .map((m) => m[1].split(", "));
  assert.ok(fills.length >= 4);
  for (const [r, g, b] of fills) assert.ok(r === g && g === b, `rgb(${r}, ${g}, ${b})`);
});

Deno.test("toy picture: Adam dashed over PCGrad, both ends labelled with where they are", async () => {
  const results = (["Adam", "Adam + PCGrad"] as const).map((name) =>
    runToy(name, { steps: 3000, recordEvery: 500 })
  );
  const svg = await toyPlotSvg(results);
  const lines = [
    ...svg.matchAll(/role-mark trajectory"[^>]*><path [^>]*stroke="(#[0-9a-f]+)"([^>]*)>/g),
  ];
  assert.deepEqual(lines.map((m) => m[1]), ["#1f5fbf", "#d62728"], "PCGrad first, Adam on top");
  assert.match(lines[1][2], /stroke-dasharray="[^"]/);
  const where = ([t1, t2]: [number, number]) =>
    `(${t1.toFixed(2).replace("-", "−")}, ${t2.toFixed(2).replace("-", "−")})`;
  assert.ok(svg.includes(`<tspan>Adam stalls</tspan>`));
  assert.ok(svg.includes(`<tspan>Adam + PCGrad reaches</tspan>`));
  for (const r of results) assert.ok(svg.includes(`>${where(r.theta)}</tspan>`), r.name);
});

Deno.test("plot: a broken spec throws instead of giving an empty SVG", async () => {
  // Rejected by the parser.
  await assert.rejects(
    renderSvg({ marks: [{ type: "line", from: { data: "missing" } }] } as vega.Spec),
    /Vega rejects the spec: .*missing/,
  );
  // Accepted by the parser, fails while the dataflow runs (Vega only logs this one).
  const failsAtRun = {
    data: [{
      name: "grid",
      values: [{ width: 2, height: 2 }],
      transform: [{ type: "isocontour", thresholds: [0] }],
    }],
    marks: [{
      type: "shape",
      from: { data: "grid" },
      transform: [{ type: "geoshape", field: "datum.contour" }],
    }],
  } as vega.Spec;
  await assert.rejects(renderSvg(failsAtRun), /Vega reports\n\s+ERROR/);
  await assert.rejects(
    landscapeSvg({
      title: "bad",
      xLabel: "x",
      yLabel: "y",
      landscape: { f: loss, x: [0, 1], y: [0, 1], thresholds: [1, 0] },
      trajectories: [],
    }),
    /thresholds/,
  );
});

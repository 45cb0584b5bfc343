// The synthetic ablation (examples/ablation): the problem's knobs are what they claim, a tiny sweep
// behaves as the variants' definitions imply, runs are reproducible, and the figure comes out.

import assert from "node:assert/strict";
import { ablationSvg } from "../../examples/ablation/plot.ts";
import {
  createProblem,
  dot,
  sumCurvature,
  taskGradients,
  taskLosses,
} from "../../examples/ablation/problem.ts";
import {
  ARMS,
  DEFAULT_SETTINGS,
  OPTIMIZERS,
  runOne,
  summarize,
  sweep,
  type SweepSettings,
} from "../../examples/ablation/sweep.ts";

const TINY: SweepSettings = {
  ...DEFAULT_SETTINGS,
  phis: [0, 165],
  ratios: [1, 10],
  seeds: [0, 1],
  steps: 300,
  recordAt: [10, 100, 300],
};

Deno.test("the problem's gradients make the angle φ and the norm ratio R at the start", () => {
  for (const phi of [0, 30, 90, 150, 175]) {
    for (const ratio of [1, 3, 100]) {
      for (const seed of [0, 7]) {
        const p = createProblem(phi, ratio, seed, 6);
        const [g1, g2] = taskGradients(p, p.start);
        const n1 = Math.sqrt(dot(g1, g1));
        const n2 = Math.sqrt(dot(g2, g2));
        const angle = (Math.acos(Math.min(1, dot(g1, g2) / (n1 * n2))) * 180) / Math.PI;
        assert.ok(Math.abs(angle - phi) < 0.05, `angle ${angle} for φ = ${phi}`);
        assert.ok(Math.abs(n1 / n2 - ratio) < 1e-5 * ratio, `ratio ${n1 / n2} for R = ${ratio}`);
        // A shared optimum: θ = 0 zeroes both losses.
        assert.deepEqual(taskLosses(p, new Float64Array(6)), [0, 0]);
        // The closed-form curvature is the top eigenvalue: power iteration on Σ s_i n_i n_iᵀ.
        let v = Float64Array.from({ length: 6 }, (_, k) => 1 + k);
        let lambda = 0;
        for (let it = 0; it < 500; it++) {
          const w = new Float64Array(6);
          for (let i = 0; i < 2; i++) {
            const a = p.scales[i] * dot(p.normals[i], v);
            for (let k = 0; k < 6; k++) w[k] += a * p.normals[i][k];
          }
          lambda = Math.sqrt(dot(w, w));
          v = w.map((x) => x / lambda);
        }
        assert.ok(Math.abs(lambda - sumCurvature(p)) < 1e-9 * lambda);
      }
    }
  }
  assert.throws(() => createProblem(180, 1, 0), /phi must be in \[0, 180\) degrees, found 180/);
  assert.throws(() => createProblem(10, 0.5, 0), /ratio must be a finite number ≥ 1, found 0.5/);
  assert.throws(() => createProblem(10, 2, 0, 1), /dim must be an integer ≥ 2, found 1/);
});

Deno.test("a tiny sweep: no conflict, no difference; strong conflict, PCGrad departs from the sum", () => {
  const records = sweep(TINY);
  assert.equal(records.length, 2 * 2 * 2 * ARMS.length * OPTIMIZERS.length);
  // Conflicts are counted over the steps up to the target: a whole number of them.
  for (const r of records.filter((r) => r.stepsToTarget !== null)) {
    const conflicts = r.conflictRate * r.stepsToTarget!;
    assert.ok(Math.abs(conflicts - Math.round(conflicts)) < 1e-9, JSON.stringify(r).slice(0, 120));
  }
  assert.ok(records.some((r) => r.stepsToTarget !== null), "some run reaches the target");
  const pick = (phi: number, ratio: number, seed: number, optimizer: string) =>
    new Map(
      records
        .filter((r) =>
          r.phi === phi && r.ratio === ratio && r.seed === seed && r.optimizer === optimizer
        )
        .map((r) => [r.arm, r]),
    );
  for (const optimizer of OPTIMIZERS) {
    for (const ratio of TINY.ratios) {
      // φ = 0: the gradients stay aligned, every variant is the plain sum, bit for bit.
      const aligned = pick(0, ratio, 1, optimizer);
      for (const arm of ARMS) {
        assert.equal(aligned.get(arm)!.conflictRate, 0);
        assert.deepEqual(
          { ...aligned.get(arm)!, arm: "sum" },
          aligned.get("sum"),
          `${optimizer} ${arm}`,
        );
      }
    }
    // φ = 165°, R = 10: the tasks conflict, and PCGrad's update is not the sum's.
    const conflicting = pick(165, 10, 0, optimizer);
    assert.ok(conflicting.get("sum")!.conflictRate > 0);
    for (const arm of ["pcgrad", "direction", "magnitude"] as const) {
      assert.notEqual(conflicting.get(arm)!.sumRel, conflicting.get("sum")!.sumRel, arm);
    }
  }
  // Under gradient descent with R = 1 the problem is symmetric: PCGrad's update points along the
  // sum, so "magnitude only" is PCGrad and "direction only" is the sum.
  const symmetric = pick(165, 1, 0, "sgd");
  assert.ok(
    Math.abs(symmetric.get("magnitude")!.sumRel! / symmetric.get("pcgrad")!.sumRel! - 1) < 1e-3,
  );
  assert.ok(
    Math.abs(symmetric.get("direction")!.sumRel! / symmetric.get("sum")!.sumRel! - 1) < 1e-3,
  );
  // Reproducible: the same settings give the same records.
  assert.deepEqual(sweep(TINY), records);
  const summary = summarize(records);
  assert.equal(summary.length, records.length / TINY.seeds.length);
  assert.ok(summary.every((c) => c.runs === 2 && c.reached <= 2));
});

Deno.test("the seed rotates the frame: Adam sees it, gradient descent does not", () => {
  // 30 steps: far from the optimum, where float32 rounding of the gradients is still negligible.
  const settings = { ...TINY, steps: 30 };
  const at = (seed: number, optimizer: "adam" | "sgd") =>
    runOne(createProblem(150, 5, seed, 8), "pcgrad", optimizer, seed, settings);
  const [a0, a1] = [at(0, "adam"), at(1, "adam")];
  assert.notEqual(a0.sumRel, a1.sumRel);
  const [s0, s1] = [at(0, "sgd"), at(1, "sgd")];
  // Equal up to the float32 rounding of the gradients handed to the surgery.
  assert.ok(Math.abs(Math.log(s0.sumRel! / s1.sumRel!)) < 1e-4, `${s0.sumRel} vs ${s1.sumRel}`);
});

Deno.test("the figure: one heatmap per optimizer and arm, from the summary alone", async () => {
  const summary = summarize(sweep({ ...TINY, steps: 60, seeds: [0] }));
  const svg = await ablationSvg({ settings: { ...TINY, steps: 60, seeds: [0] }, summary });
  assert.ok(svg.startsWith("<svg"));
  assert.match(svg, /gradient descent · magnitude only/);
});

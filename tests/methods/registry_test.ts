// The registry is the one list of methods: its names are the public METHODS, its option tables
// give the public MethodOptions (checked here at compile time), which option applies to which
// method, the accepted keys and the defaults.

import assert from "node:assert/strict";
import { type MethodOptions, METHODS } from "../../mod.ts";
import { APPLIES_TO, resolveOptions, WEIGHT_OPTION_KEYS } from "../../methods/options.ts";
import { type DefinedMethodOptions, registry } from "../../methods/registry.ts";

/** true when A and B are the same type. */
type Equal<A, B> = (<X>() => X extends A ? 1 : 2) extends (<X>() => X extends B ? 1 : 2) ? true
  : false;

// The public interface (vocabulary/method_options.ts, written out for its docs) and the
// definitions' tables name the same options with the same types: a new option fails to compile
// until both agree.
type Given = Required<MethodOptions>;
type Defined = Required<DefinedMethodOptions>;
/** The keys whose types differ, or that only one side has (never when they agree). */
type Mismatch = {
  [K in keyof Given | keyof Defined]: K extends keyof Given
    ? K extends keyof Defined ? Equal<Given[K], Defined[K]> extends true ? never : K : K
    : K;
}[keyof Given | keyof Defined];
const sameOptions: Equal<Mismatch, never> = true;

Deno.test("the registry holds every method of METHODS, each under its own name", () => {
  assert.ok(sameOptions);
  assert.deepEqual(Object.keys(registry).toSorted(), [...METHODS].toSorted());
  for (const [name, definition] of Object.entries(registry)) assert.equal(definition.name, name);
});

Deno.test("APPLIES_TO and the accepted keys derive from the registry, as before", () => {
  assert.deepEqual(APPLIES_TO, {
    preset: ["pcgrad"],
    selfProjection: ["pcgrad"],
    epsilon: ["pcgrad"],
    normalization: ["mgda"],
    c: ["cagrad"],
    rescale: ["cagrad"],
    beta: ["gradvac", "db-mtl", "moco"],
    preference: ["upgrad", "dualproj", "aligned-mtl", "config"],
    regularization: ["upgrad", "dualproj"],
    scaleMode: ["aligned-mtl"],
    maxNorm: ["nash-mtl"],
    updateEvery: ["nash-mtl"],
    leak: ["graddrop"],
    distribution: ["rlw"],
    byzantine: ["krum"],
    selected: ["krum"],
    weights: ["constant"],
    alpha: ["fairgrad"],
    trim: ["trimmed-mean"],
    // The methods that need more than the Gramian.
    betaSigma: ["db-mtl", "moco"],
    robustStepSize: ["excess-mtl"],
    gamma: ["moco", "modo"],
    gammaSigma: ["moco"],
    rho: ["moco", "modo"],
    lambda: ["sdmgrad"],
    iterations: ["sdmgrad"],
  });
  assert.deepEqual(WEIGHT_OPTION_KEYS, [
    "method",
    "reduction",
    "variant",
    "order",
    "seed",
    ...Object.keys(APPLIES_TO),
  ]);
});

Deno.test("an option several methods share has one kind: the same default and the same checks", () => {
  for (const [key, methods] of Object.entries(APPLIES_TO)) {
    const kinds = methods.map((m) => (registry[m].options as Record<string, unknown>)[key]);
    for (const kind of kinds) {
      const { default: d, allowed, perTask } = kind as Record<string, unknown>;
      const first = kinds[0] as Record<string, unknown>;
      assert.deepEqual([d, allowed, perTask], [first.default, first.allowed, first.perTask], key);
    }
  }
});

Deno.test("resolveOptions fills in every option's default, as before", () => {
  assert.deepEqual(resolveOptions(undefined, "test"), {
    preset: undefined,
    selfProjection: false,
    epsilon: 0,
    normalization: "none",
    c: 0.5,
    rescale: "none",
    beta: 0.5,
    preference: undefined,
    regularization: 1e-4,
    scaleMode: "min",
    maxNorm: 1,
    updateEvery: 1,
    leak: 0,
    distribution: "normal",
    byzantine: undefined,
    selected: 1,
    weights: undefined,
    alpha: 1,
    trim: undefined,
    // The methods that need more than the Gramian: the kinds' defaults (DB-MTL's β, MoCo's σ_β,
    // MoDo's γ and ρ come from their definitions' defaultsFrom, checked below).
    betaSigma: 0,
    robustStepSize: 1e-2,
    gamma: 0.1,
    gammaSigma: 0.5,
    rho: 0,
    lambda: 0.3,
    iterations: 20,
    method: "pcgrad",
    reduction: "sum",
    variant: "full",
    order: "random",
    seed: 0,
  });
  const libmtl = resolveOptions({ preset: "libmtl", epsilon: 0 }, "test");
  assert.deepEqual(
    [libmtl.selfProjection, libmtl.epsilon, libmtl.order, libmtl.reduction],
    [true, 0, "random", "sum"],
  );
  const pytorch = resolveOptions({ preset: "pytorch-pcgrad" }, "test");
  assert.equal(pytorch.reduction, "mean");
});

Deno.test("options shared by name take each method's LibMTL default when not given", () => {
  const pick = (o: Record<string, unknown>, keys: string[]) => keys.map((k) => o[k]);
  const db = resolveOptions({ method: "db-mtl" }, "test");
  assert.deepEqual(pick(db, ["beta", "betaSigma"]), [0.9, 0]);
  const moco = resolveOptions({ method: "moco" }, "test");
  assert.deepEqual(pick(moco, ["beta", "betaSigma", "gamma", "gammaSigma", "rho"]), [
    0.5,
    0.5,
    0.1,
    0.5,
    0,
  ]);
  const modo = resolveOptions({ method: "modo" }, "test");
  assert.deepEqual(pick(modo, ["gamma", "rho"]), [1e-3, 0.1]);
  // A given value wins over the method's default.
  assert.equal(resolveOptions({ method: "db-mtl", beta: 0.5 }, "test").beta, 0.5);
  assert.equal(resolveOptions({ method: "modo", rho: 0 }, "test").rho, 0);
  assert.equal(resolveOptions({ method: "gradvac" }, "test").beta, 0.5);
});

Deno.test("every option has a one-line doc and says what it allows", () => {
  for (const definition of Object.values(registry)) {
    for (const [key, kind] of Object.entries(definition.options)) {
      assert.ok(kind.doc.length > 0 && !kind.doc.includes("\n"), `${definition.name}.${key}`);
      assert.ok(kind.allowed.length > 0, `${definition.name}.${key}`);
    }
  }
});

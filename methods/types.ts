/**
 * What a method is (docs/architecture.md "Methods and options"): a definition holding its name, its own
 * options (methods/option_kinds.ts), its kind and what it promises. A "gram" method is a weighting
 * of the Gramian: a pure function from the T×T Gramian (plus its own resolved options, the shared
 * ones it asks for, its state, the step's losses and a seeded stream) to weights w with
 * update = Σ_t w_t g_t; it never touches d-sized data. An "elementwise" method (GradDrop, the
 * trimmed mean) is not a weighted sum: it gives its kernel and the parameters of each call, which
 * the engine runs on the gradients. A "vectors" method reads the gradients themselves, may keep
 * T×d rows across steps, and may need the step's losses or extra gradient batches.
 * @module
 */

import type { Prng } from "../random/prng.ts";
import type { Method } from "../vocabulary/methods.ts";
import type { Order, Reduction } from "../vocabulary/options.ts";
import type { OptionTable, ResolvedOptionsOf } from "./option_kinds.ts";

/** The shared options a weighting may ask for (the pipeline applies the others itself). */
export interface SharedOptions {
  /** The visiting order (PCGrad, GradVac). */
  readonly order: Order;
}

/** Input of a weighting method; `Options` are its own options, resolved, and the shared ones it asks for. */
export interface WeightingInput<Options = Record<never, never>> {
  /** Gramian G = J Jᵀ, T×T row-major, float64, symmetric. */
  readonly G: Float64Array;
  /** Number of tasks. */
  readonly T: number;
  /** This method's options, resolved and validated (per-task arrays already checked against T). */
  readonly options: Options;
  /** Seeded stream; a method draws from it only if it needs randomness. */
  readonly rng: Prng;
  /** This method's state from the previous step (undefined on the first step or one-shot calls). */
  readonly state: unknown;
  /** The step's task losses, when the caller passed them (checked: T finite numbers). */
  readonly losses: readonly number[] | undefined;
  /** The caller's action, for error messages ("run surgery"…). */
  readonly action: string;
}

/** Output of a weighting method. */
export interface WeightingResult {
  /** w with update = Σ_t w_t g_t (before variant and reduction). */
  weights: Float64Array;
  /** The visiting order used for each task i (empty for order-free methods). */
  orders: number[][];
  /** Projection (or correction) steps taken. */
  projections: number;
  /** State to keep for the next step (stateful methods only); plain JSON data. */
  state?: unknown;
}

/**
 * One backend of an elementwise method's kernel (core/assembly/): writes the update of `rows`, one
 * per task, into `out`. The WASM SIMD build where it runs, else the TypeScript reference that gives
 * the same bits.
 */
export interface ElementwiseKernel<P> {
  readonly name: "wasm-simd" | "typescript";
  run(rows: readonly Float32Array[], params: P, out: Float32Array): void;
}

/**
 * What a method promises, as its doc comment states it; tests/methods/contract_test.ts checks
 * every registered method against its claims (with default options and a fresh state).
 */
export interface Claims<Resolved> {
  /**
   * u·g_t ≥ 0 for every task t (up to rounding): the update conflicts with no task. An object
   * names the options under which the method promises it (UPGrad/DualProj: without the ridge).
   */
  readonly nonConflicting: boolean | { readonly options: Readonly<Record<string, unknown>> };
  /**
   * The documented bound on ‖update‖ before the reduction, from the task gradients' norms and the
   * resolved options (fresh state); undefined where the method documents none.
   */
  normBound?(norms: readonly number[], options: Resolved): number;
  /** The update does not grow with the gradients (Nash-MTL): the bound is absolute. */
  readonly scaleFree?: boolean;
  /**
   * Permuting the tasks permutes the weights ("equivariant"; elementwise: leaves the update
   * unchanged), does so once an explicit `order` is permuted with them ("with explicit order"), or
   * cannot be tested, and why.
   */
  readonly permutation: "equivariant" | "with explicit order" | { readonly untestable: string };
  /**
   * For a method with required options (Krum, Constant, the trimmed mean): the options for T tasks
   * under which the suites that run every method check it, or null where it cannot run on T tasks.
   * The contract suite permutes per-task options with the tasks. Absent: the defaults, any T.
   */
  testOptions?(T: number): Readonly<Record<string, unknown>> | null;
}

/** What every definition holds. */
interface DefinitionBase<Name extends Method, O extends OptionTable> {
  /** The method's name (vocabulary/methods.ts). */
  readonly name: Name;
  /** Its own options: name → kind, with default, allowed values and doc. */
  readonly options: O;
  /** What it promises (checked by the contract suite). */
  readonly claims: Claims<ResolvedOptionsOf<O>>;
  /**
   * Defaults that one of its own options decides, for options the user did not give (PCGrad's
   * preset fills in order, reduction, selfProjection and epsilon).
   */
  defaultsFrom?(options: ResolvedOptionsOf<O>): {
    shared?: { order?: Order; reduction?: Reduction };
    own?: Partial<ResolvedOptionsOf<O>>;
  };
}

/** A weighting of the Gramian. */
export interface GramMethodDefinition<
  Name extends Method = Method,
  O extends OptionTable = OptionTable,
  S extends keyof SharedOptions = keyof SharedOptions,
> extends DefinitionBase<Name, O> {
  readonly kind: "gram";
  /** The shared options its weighting needs. */
  readonly shared: readonly S[];
  /** The weights. */
  weigh(input: WeightingInput<ResolvedOptionsOf<O> & Pick<SharedOptions, S>>): WeightingResult;
  /**
   * Checks a state restored from JSON and returns it in the form `weigh` expects; throws a
   * TypeError or RangeError naming what is wrong. Only for stateful methods.
   */
  restoreState?(json: unknown, action: string): unknown;
}

/**
 * A method that works coordinate by coordinate on the gradients (GradDrop, the trimmed mean): the
 * engine runs its own kernel on the rows with the parameters of the step.
 */
export interface ElementwiseMethodDefinition<
  Name extends Method = Method,
  O extends OptionTable = OptionTable,
  // deno-lint-ignore no-explicit-any
  P = any,
> extends DefinitionBase<Name, O> {
  readonly kind: "elementwise";
  /**
   * One call's kernel parameters, from its options and the step's seeded stream; throws a
   * RangeError naming an option that T rules out.
   */
  params(input: { T: number; options: ResolvedOptionsOf<O>; rng: Prng; action: string }): P;
  /** The fastest backend of its kernel here, created on first use. */
  kernel(): ElementwiseKernel<P>;
  /**
   * The parameters for a block of coordinates that only `tasks` have, starting at coordinate
   * `offset` of the whole vector (the tf.js adapter runs the kernel per variable): for a method to
   * which a missing task's zeros add nothing (GradDrop). Absent: the kernel needs every task's row,
   * a missing one as zeros (the trimmed mean sorts the zeros with the rest).
   */
  forBlock?(params: P, tasks: readonly number[], offset: number): P;
}

/**
 * Input of one step of a "vectors" method: the step's gradients themselves (read-only, checked),
 * their Gramian, and what the method needs besides (methods/define.ts defineVectorMethod).
 */
export interface VectorStepInput<Options = Record<never, never>> {
  /** The step's task gradients, T rows of length d: read them, never write them. */
  readonly rows: readonly Float32Array[];
  /** Their Gramian G = J Jᵀ (T×T, float64; zero tasks cleared). */
  readonly G: Float64Array;
  /** Number of tasks. */
  readonly T: number;
  /** Length of each gradient. */
  readonly d: number;
  /** This method's options, resolved and validated. */
  readonly options: Options;
  /** Seeded stream. */
  readonly rng: Prng;
  /** This method's state from the previous step (undefined on the first step or one-shot calls). */
  readonly state: unknown;
  /** The step's task losses (checked: T finite numbers); given whenever `needs.losses`. */
  readonly losses: readonly number[] | undefined;
  /**
   * The cross-Gramian J_A J_Bᵀ (T×T, row-major, not symmetric, float64) of the two extra
   * independent batches A and B; given whenever `needs.batches`.
   */
  readonly cross: Float64Array | undefined;
  /** The caller's action, for error messages. */
  readonly action: string;
}

/** Output of one step of a "vectors" method. */
export interface VectorStepResult {
  /** w with update = Σ_t w_t r_t over the rows r named by `combine` (before the reduction). */
  weights: Float64Array;
  /**
   * The rows the weights combine: the method's own tracked rows (T×d float32, e.g. DB-MTL's moving
   * averages); absent: the step's gradients.
   */
  combine?: readonly Float32Array[];
  /** State to keep for the next step; may hold Float32Array rows (saved by `saveState`). */
  state?: unknown;
}

/**
 * A method that needs more than the Gramian (LibMTL's DB-MTL, ExcessMTL, MoCo, SDMGrad, MoDo): it
 * reads the gradient vectors each step, may keep T×d float32 rows as state, and may need the
 * step's losses or two extra independent gradient batches. The split phase (weights from a Gramian)
 * refuses it; the engine runs it over the gradients (surgery.ts vectorPass).
 */
export interface VectorMethodDefinition<
  Name extends Method = Method,
  O extends OptionTable = OptionTable,
> extends DefinitionBase<Name, O> {
  readonly kind: "vectors";
  /** What every step must bring besides the gradients. */
  readonly needs: {
    /** The step's task losses. */
    readonly losses: boolean;
    /** Two extra independent gradient batches (their cross-Gramian reaches the step). */
    readonly batches: boolean;
  };
  /** What the method keeps across steps, in words, for the docs and errors. */
  readonly keeps: string;
  /** One step. */
  step(input: VectorStepInput<ResolvedOptionsOf<O>>): VectorStepResult;
  /** The state as new plain JSON data (float32 rows as base64 text); absent: a JSON copy is made. */
  saveState?(state: unknown): unknown;
  /** Checks a state restored from JSON and returns it in the form `step` expects. */
  restoreState?(json: unknown, action: string): unknown;
}

/** Any method's definition. */
export type MethodDefinition<Name extends Method = Method, O extends OptionTable = OptionTable> =
  | GramMethodDefinition<Name, O, keyof SharedOptions>
  | ElementwiseMethodDefinition<Name, O>
  | VectorMethodDefinition<Name, O>;

/** Weights that only depend on w: orders empty, no projections. */
export function plainWeighting(weights: Float64Array, state?: unknown): WeightingResult {
  return state === undefined
    ? { weights, orders: [], projections: 0 }
    : { weights, orders: [], projections: 0, state };
}

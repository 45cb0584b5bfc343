/**
 * The loss weightings, one definition each over the pure functions of this folder (their maths and
 * papers are in those files' doc comments and docs/methods.md), listed in `LOSS_WEIGHTING_REGISTRY`
 * in the order of `LOSS_WEIGHTINGS`. States are plain JSON data, so a checkpoint is
 * `JSON.stringify` and a resume is bitwise.
 * @module
 */

import type { LossWeightingName, TaskKind } from "../../vocabulary/loss_weightings.ts";
import { adamInitial, type AdamMoments, adamStep } from "./adam.ts";
import { checkNumbers } from "./_checks.ts";
import { dwaWeights } from "./dwa.ts";
import {
  FAMO_DEFAULTS,
  famoInitialState,
  famoLossWeights,
  type FamoState,
  famoUpdate,
} from "./famo.ts";
import { glsWeighting } from "./gls.ts";
import { gradNormGradient, renormalize } from "./gradnorm.ts";
import { imtlLInitialScales, imtlLWeighting } from "./imtl_l.ts";
import { STCH_DEFAULTS, stchInitialState, type StchState, stchStep } from "./stch.ts";
import { uncertaintyWeighting, UW_INITIAL_LOG_VARIANCE } from "./uncertainty.ts";
import type { LossWeightingDefinition, NumberOptionSpec } from "./types.ts";

/** LibMTL's default learning rate (Adam, LibMTL/config.py at 04cf41af15808c98250c1c2fb2deba8da32b2d04). */
const LIBMTL_LR = 1e-4;

const lrOption = (value: number): NumberOptionSpec => ({ default: value, min: 0, strict: true });

/** The saved object, checked to be one with exactly `keys`. */
function fields(json: unknown, keys: readonly string[], action: string): Record<string, unknown> {
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new TypeError(
      `Cannot ${action}: the state must be an object with ${keys.join(", ")}, found ${
        Array.isArray(json) ? "an array" : String(json)
      }`,
    );
  }
  const found = Object.keys(json).sort();
  if (found.join() !== [...keys].sort().join()) {
    throw new TypeError(
      `Cannot ${action}: the state must hold exactly ${keys.join(", ")}, found ${
        found.join(", ") || "no fields"
      }`,
    );
  }
  return json as Record<string, unknown>;
}

function numbers(
  s: Record<string, unknown>,
  key: string,
  T: number,
  min: number,
  strict: boolean,
  action: string,
): number[] {
  checkNumbers(s[key] as number[], `state.${key}`, T, min, strict, action);
  return (s[key] as number[]).slice();
}

function whole(s: Record<string, unknown>, key: string, min: number, action: string): number {
  const value = s[key];
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw new RangeError(
      `Cannot ${action}: state.${key} must be a whole number ≥ ${min}, found ${String(value)}`,
    );
  }
  return value;
}

function moments(s: Record<string, unknown>, T: number, action: string): AdamMoments {
  return {
    m: numbers(s, "m", T, -Infinity, false, action),
    v: numbers(s, "v", T, 0, false, action),
    step: whole(s, "step", 0, action),
  };
}

/** GradNorm's state: the weights (Σ = T), L(0) once seen, and the weights' Adam moments. */
interface GradNormState extends AdamMoments {
  weights: number[];
  initialLosses: number[] | null;
}

const gradnorm: LossWeightingDefinition<GradNormState> = {
  name: "gradnorm",
  needs: { epoch: false, gradNorms: true, afterStep: false },
  numberOptions: {
    alpha: { default: 1.5, min: 0, strict: false },
    lr: lrOption(LIBMTL_LR),
  },
  init: (T) => ({ weights: new Array<number>(T).fill(1), initialLosses: null, ...adamInitial(T) }),
  weigh(state, losses, context, options, action) {
    const initialLosses = state.initialLosses ?? losses.slice();
    const { gradient } = gradNormGradient({
      weights: state.weights,
      losses,
      initialLosses,
      gradNorms: context.gradNorms as readonly number[],
      alpha: options.alpha as number,
      lr: options.lr as number,
    });
    const stepped = adamStep(state.weights, gradient, state, options.lr as number);
    let weights: number[];
    try {
      weights = renormalize(stepped.params);
    } catch (error) {
      throw new RangeError(`Cannot ${action}: ${(error as Error).message}`);
    }
    return {
      weights: state.weights.slice(),
      state: { weights, initialLosses, ...stepped.moments },
    };
  },
  restore(json, T, action) {
    const s = fields(json, ["weights", "initialLosses", "m", "v", "step"], action);
    return {
      weights: numbers(s, "weights", T, -Infinity, false, action),
      initialLosses: s.initialLosses === null
        ? null
        : numbers(s, "initialLosses", T, 0, true, action),
      ...moments(s, T, action),
    };
  },
};

/** Uncertainty weighting's state: the log-variances s and their Adam moments. */
interface UncertaintyState extends AdamMoments {
  logVariances: number[];
}

const KINDS: readonly TaskKind[] = ["regression", "classification"];

const uncertainty: LossWeightingDefinition<UncertaintyState> = {
  name: "uncertainty",
  needs: { epoch: false, gradNorms: false, afterStep: false },
  numberOptions: {
    lr: lrOption(LIBMTL_LR),
    initialLogVariance: { default: UW_INITIAL_LOG_VARIANCE, min: -Infinity, strict: false },
  },
  otherOptionKeys: ["kinds"],
  otherOptions(options, action) {
    const kinds = options.kinds;
    if (kinds === undefined) return {};
    if (!Array.isArray(kinds) || kinds.some((k) => !KINDS.includes(k))) {
      throw new RangeError(
        `Cannot ${action}: "uncertainty" option kinds must be an array of "regression" or ` +
          `"classification", found ${JSON.stringify(kinds)}`,
      );
    }
    return { kinds: kinds.slice() };
  },
  init(T, options, action) {
    const kinds = options.kinds as readonly TaskKind[] | undefined;
    if (kinds !== undefined && kinds.length !== T) {
      throw new RangeError(
        `Cannot ${action}: "uncertainty" option kinds has ${kinds.length} entries, found ${T} losses`,
      );
    }
    return {
      logVariances: new Array<number>(T).fill(options.initialLogVariance as number),
      ...adamInitial(T),
    };
  },
  weigh(state, losses, _context, options) {
    const r = uncertaintyWeighting(
      losses,
      state.logVariances,
      options.kinds as readonly TaskKind[] | undefined,
    );
    const stepped = adamStep(
      state.logVariances,
      r.logVarianceGradient,
      state,
      options.lr as number,
    );
    return { weights: r.lossWeights, state: { logVariances: stepped.params, ...stepped.moments } };
  },
  restore(json, T, action) {
    const s = fields(json, ["logVariances", "m", "v", "step"], action);
    return {
      logVariances: numbers(s, "logVariances", T, -Infinity, false, action),
      ...moments(s, T, action),
    };
  },
};

/**
 * DWA's state: the epoch being averaged (−1 before the first step), its running sum and count,
 * and the averages of the last two finished epochs (oldest first).
 */
interface DwaState {
  epoch: number;
  lossSum: number[];
  count: number;
  history: number[][];
}

const dwa: LossWeightingDefinition<DwaState> = {
  name: "dwa",
  needs: { epoch: true, gradNorms: false, afterStep: false },
  numberOptions: { temperature: { default: 2, min: 0, strict: true } },
  init: (T) => ({ epoch: -1, lossSum: new Array<number>(T).fill(0), count: 0, history: [] }),
  weigh(state, losses, context, options, action) {
    const T = losses.length;
    const epoch = context.epoch as number;
    if (epoch < state.epoch) {
      throw new RangeError(
        `Cannot ${action}: "dwa" needs epochs that never decrease, found epoch ${epoch} after ${state.epoch}`,
      );
    }
    checkNumbers(losses, "losses", T, 0, false, action);
    let { lossSum, count, history } = state;
    if (epoch > state.epoch && count > 0) {
      history = [...history, lossSum.map((s) => s / count)].slice(-2);
      lossSum = new Array<number>(T).fill(0);
      count = 0;
    }
    let weights: number[];
    try {
      weights = history.length < 2
        ? new Array<number>(T).fill(1)
        : dwaWeights(history, options.temperature as number);
    } catch (error) {
      throw new RangeError(`Cannot ${action}: ${(error as Error).message}`);
    }
    return {
      weights,
      state: {
        epoch,
        lossSum: lossSum.map((s, t) => s + losses[t]),
        count: count + 1,
        history: history.map((row) => row.slice()),
      },
    };
  },
  restore(json, T, action) {
    const s = fields(json, ["epoch", "lossSum", "count", "history"], action);
    const history = s.history;
    if (!Array.isArray(history) || history.length > 2) {
      throw new TypeError(
        `Cannot ${action}: state.history must be an array of at most 2 epochs' average losses, found ${
          JSON.stringify(history)
        }`,
      );
    }
    return {
      epoch: whole(s, "epoch", -1, action),
      lossSum: numbers(s, "lossSum", T, 0, false, action),
      count: whole(s, "count", 0, action),
      history: history.map((row, e) => {
        checkNumbers(row, `state.history[${e}]`, T, 0, true, action);
        return (row as number[]).slice();
      }),
    };
  },
};

/** FAMO's state: the logits, their Adam moments, and the losses of a step awaiting its update. */
interface FamoObjectState extends FamoState {
  before: number[] | null;
}

const famo: LossWeightingDefinition<FamoObjectState> = {
  name: "famo",
  needs: { epoch: false, gradNorms: false, afterStep: true },
  numberOptions: {
    lr: lrOption(FAMO_DEFAULTS.lr),
    gamma: { default: FAMO_DEFAULTS.gamma, min: 0, strict: false },
  },
  init: (T) => ({ ...famoInitialState(T), before: null }),
  weigh(state, losses, _context, _options, action) {
    if (state.before !== null) {
      throw new RangeError(
        `Cannot ${action}: "famo" has not learnt from the last step; call update(lossesAfter) ` +
          `with the same batch's losses after each step`,
      );
    }
    const weights = famoLossWeights(state, losses, action);
    return { weights, state: { ...copyFamo(state), before: losses.slice() } };
  },
  update(state, after, options, action) {
    if (state.before === null) {
      throw new RangeError(
        `Cannot ${action}: "famo" learns from the losses before and after one step; call ` +
          `weights(losses) before the step, then update(lossesAfter) once`,
      );
    }
    const next = famoUpdate(state, state.before, after, {
      lr: options.lr as number,
      gamma: options.gamma as number,
    }, action);
    return { ...next, before: null };
  },
  restore(json, T, action) {
    const s = fields(json, ["logits", "m", "v", "step", "before"], action);
    return {
      logits: numbers(s, "logits", T, -Infinity, false, action),
      ...moments(s, T, action),
      before: s.before === null ? null : numbers(s, "before", T, 0, false, action),
    };
  },
};

function copyFamo(state: FamoState): FamoState {
  return { logits: state.logits.slice(), m: state.m.slice(), v: state.v.slice(), step: state.step };
}

const stch: LossWeightingDefinition<StchState> = {
  name: "stch",
  needs: { epoch: true, gradNorms: false, afterStep: false },
  numberOptions: {
    mu: { default: STCH_DEFAULTS.mu, min: 0, strict: true },
    warmupEpochs: { default: STCH_DEFAULTS.warmupEpochs, min: 0, strict: false, integer: true },
  },
  init: (T) => stchInitialState(T),
  weigh(state, losses, context, options, action) {
    const { weights, state: next } = stchStep(state, losses, context.epoch as number, {
      mu: options.mu as number,
      warmupEpochs: options.warmupEpochs as number,
    }, action);
    return { weights, state: next };
  },
  restore(json, T, action) {
    const s = fields(json, ["lossSum", "count", "nadir"], action);
    return {
      lossSum: numbers(s, "lossSum", T, 0, false, action),
      count: whole(s, "count", 0, action),
      nadir: s.nadir === null ? null : numbers(s, "nadir", T, 0, true, action),
    };
  },
};

const gls: LossWeightingDefinition<null> = {
  name: "gls",
  needs: { epoch: false, gradNorms: false, afterStep: false },
  numberOptions: {},
  init: () => null,
  weigh: (_state, losses, _context, _options, action) => ({
    weights: glsWeighting(losses, action).weights,
    state: null,
  }),
  restore(json, _T, action) {
    if (json !== null) {
      throw new TypeError(`Cannot ${action}: "gls" keeps no state, found ${JSON.stringify(json)}`);
    }
    return null;
  },
};

/** IMTL-L's state: the scales s and their Adam moments. */
interface ImtlLState extends AdamMoments {
  scales: number[];
}

const imtlL: LossWeightingDefinition<ImtlLState> = {
  name: "imtl-l",
  needs: { epoch: false, gradNorms: false, afterStep: false },
  numberOptions: { lr: lrOption(LIBMTL_LR) },
  init: (T) => ({ scales: imtlLInitialScales(T), ...adamInitial(T) }),
  weigh(state, losses, _context, options, action) {
    const r = imtlLWeighting(losses, state.scales, action);
    const stepped = adamStep(state.scales, r.scaleGradient, state, options.lr as number);
    return { weights: r.lossWeights, state: { scales: stepped.params, ...stepped.moments } };
  },
  restore(json, T, action) {
    const s = fields(json, ["scales", "m", "v", "step"], action);
    return { scales: numbers(s, "scales", T, -Infinity, false, action), ...moments(s, T, action) };
  },
};

/** Every loss weighting's definition, by name. */
export const LOSS_WEIGHTING_REGISTRY: {
  readonly [N in LossWeightingName]: LossWeightingDefinition<unknown>;
} = { gradnorm, uncertainty, dwa, famo, stch, gls, "imtl-l": imtlL };

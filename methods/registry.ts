/**
 * Method name → weighting function. Adding a method is one file in methods/ plus one line here
 * (and its name in validate/options.ts METHODS).
 * @module
 */

import type { Method } from "../validate/options.ts";
import type { WeightingMethod } from "./types.ts";
import { pcgrad } from "./pcgrad.ts";
import { mean, sum } from "./baselines.ts";

/** Every selectable method. */
export const methods: Readonly<Record<Method, WeightingMethod>> = { pcgrad, sum, mean };

/**
 * Every method: one line each, name → definition (methods/types.ts). Adding a method is its file
 * in methods/, its line here, its name in vocabulary/methods.ts (and its options in
 * vocabulary/method_options.ts); the option tables, defaults and checks derive from this list
 * (methods/options.ts).
 * @module
 */

import type { Method } from "../vocabulary/methods.ts";
import type { InputOptionsOf, ResolvedOptionsOf } from "./option_kinds.ts";
import type { MethodDefinition } from "./types.ts";
import { alignedMtl } from "./aligned_mtl.ts";
import { mean, sum } from "./baselines.ts";
import { cagrad } from "./cagrad.ts";
import { config } from "./config.ts";
import { constant } from "./constant.ts";
import { fairgrad } from "./fairgrad.ts";
import { graddrop } from "./graddrop.ts";
import { gradvac } from "./gradvac.ts";
import { imtlG } from "./imtl_g.ts";
import { krum } from "./krum.ts";
import { mgda } from "./mgda.ts";
import { nashMtl } from "./nash_mtl.ts";
import { pcgrad } from "./pcgrad.ts";
import { rlw } from "./rlw.ts";
import { trimmedMean } from "./trimmed_mean.ts";
import { dualproj, upgrad } from "./upgrad.ts";
// The methods that need more than the Gramian (kind "vectors").
import { dbMtl } from "./db_mtl.ts";
import { excessMtl } from "./excess_mtl.ts";
import { moco } from "./moco.ts";
import { modo } from "./modo.ts";
import { sdmgrad } from "./sdmgrad.ts";

/**
 * The definitions. Their order here is the order of the option keys in error messages and of the
 * methods an option applies to ('applies to method "upgrad" or "dualproj" or "aligned-mtl"'), so
 * a new method goes at the end.
 */
const DEFINITIONS = {
  pcgrad,
  sum,
  mean,
  mgda,
  cagrad,
  gradvac,
  "imtl-g": imtlG,
  upgrad,
  dualproj,
  "aligned-mtl": alignedMtl,
  "nash-mtl": nashMtl,
  graddrop,
  rlw,
  config,
  krum,
  constant,
  fairgrad,
  "trimmed-mean": trimmedMean,
  // The methods that need more than the Gramian (kind "vectors").
  "db-mtl": dbMtl,
  "excess-mtl": excessMtl,
  moco,
  sdmgrad,
  modo,
} as const satisfies { readonly [M in Method]: MethodDefinition<M> };

/** Every method's definition, by name. */
export const registry: { readonly [M in Method]: MethodDefinition<M> } = DEFINITIONS;

type Definitions = typeof DEFINITIONS;

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends
  (x: infer I) => void ? I : never;

/** Every method-specific option with its default filled in (the union of the definitions' tables). */
export type ResolvedMethodOptions = UnionToIntersection<
  { [M in Method]: ResolvedOptionsOf<Definitions[M]["options"]> }[Method]
>;

/** Every method-specific option as a user passes it, from the definitions' tables. */
export type DefinedMethodOptions = UnionToIntersection<
  { [M in Method]: InputOptionsOf<Definitions[M]["options"]> }[Method]
>;

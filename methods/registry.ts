/**
 * Method name → Gram-space method. Adding a method is one file in methods/ plus one line here
 * (and its name in validate/options.ts METHODS). "graddrop" is elementwise (Chen et al. 2020): the
 * engine runs it through its own kernel instead (surgery.ts).
 * @module
 */

import type { Method } from "../validate/options.ts";
import type { MethodSpec } from "./types.ts";
import { alignedMtl } from "./aligned_mtl.ts";
import { mean, sum } from "./baselines.ts";
import { cagrad } from "./cagrad.ts";
import { gradvac, restoreGradVacState } from "./gradvac.ts";
import { imtlG } from "./imtl_g.ts";
import { mgda } from "./mgda.ts";
import { nashMtl, restoreNashMtlState } from "./nash_mtl.ts";
import { pcgrad } from "./pcgrad.ts";
import { rlw } from "./rlw.ts";
import { dualproj, upgrad } from "./upgrad.ts";

/** The methods whose update is a weighted sum of the task gradients. */
export type GramMethod = Exclude<Method, "graddrop">;

/** Every Gram-space method. */
export const methods: Readonly<Record<GramMethod, MethodSpec>> = {
  pcgrad: { weigh: pcgrad },
  sum: { weigh: sum },
  mean: { weigh: mean },
  mgda: { weigh: mgda },
  cagrad: { weigh: cagrad },
  gradvac: { weigh: gradvac, restoreState: restoreGradVacState },
  "imtl-g": { weigh: imtlG },
  "nash-mtl": { weigh: nashMtl, restoreState: restoreNashMtlState },
  "aligned-mtl": { weigh: alignedMtl },
  upgrad: { weigh: upgrad },
  dualproj: { weigh: dualproj },
  rlw: { weigh: rlw },
};

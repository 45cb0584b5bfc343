/**
 * The surgery state of a surgery that owns a loss weighting (`createSurgery` and
 * `SurgeryOptimizer` with `lossWeighting`): the stepper's state with the scheme's under
 * `lossWeighting`, saved and restored together, all or nothing.
 * @module
 */

import { type LossWeighting, restoreLossWeightingState } from "../methods/loss_weighting/create.ts";
import { parseSavedState } from "../validate/saved_state.ts";
import type { SurgeryState } from "./step_state.ts";
import type { Stepper } from "./stepper.ts";

/** The surgery state with the loss weighting's, when there is one. */
export function saveWithLossWeighting(
  stepper: Stepper,
  weighting: LossWeighting | null,
): SurgeryState {
  const state = stepper.getState();
  return weighting === null ? state : { ...state, lossWeighting: weighting.getState() };
}

/**
 * Restores the surgery state and the loss weighting's from one saved state (object or JSON text),
 * all or nothing: both are checked before either changes.
 */
export function restoreWithLossWeighting(
  stepper: Stepper,
  weighting: LossWeighting | null,
  saved: unknown,
  action: string,
): void {
  const data = parseSavedState(saved, action);
  const entry = data !== null && typeof data === "object"
    ? (data as { lossWeighting?: unknown }).lossWeighting
    : undefined;
  if (weighting === null) {
    if (entry !== undefined) {
      throw new RangeError(
        `Cannot ${action}: the state holds a loss weighting's state, and this surgery ` +
          `has no lossWeighting`,
      );
    }
    stepper.setState(data, action);
    return;
  }
  if (entry === undefined) {
    throw new RangeError(
      `Cannot ${action}: this surgery's loss weighting "${weighting.name}" has no ` +
        `state in it (the state was saved without a lossWeighting)`,
    );
  }
  restoreLossWeightingState(entry, weighting.name, action); // checked before anything changes
  stepper.setState(data, action);
  weighting.setState(entry as never);
}

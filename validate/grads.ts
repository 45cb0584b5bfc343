/**
 * Boundary checks of gradient inputs (docs/architecture.md): TypeError for a wrong
 * type, RangeError for a wrong count or length. Non-finite values are found after the Gram pass
 * (validate/finite.ts) so valid inputs are not read an extra time.
 * @module
 */

/** Describes a value for an error message: its type, and its value where that is short. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (typeof value === "number" || typeof value === "boolean") return `${typeof value} ${value}`;
  if (typeof value === "string") return `string ${JSON.stringify(value)}`;
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return value.constructor.name;
  return typeof value === "object" ? (value.constructor?.name ?? "object") : typeof value;
}

/**
 * `value` as an integer in [min, max], else a RangeError naming `name` and the value found
 * ("must be an integer ≥ min" when max is Infinity, "from min to max" otherwise).
 */
export function integerIn(
  value: unknown,
  name: string,
  min: number,
  max: number,
  action: string,
): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Infinity ? `≥ ${min}` : `from ${min} to ${max}`;
    throw new RangeError(
      `Cannot ${action}: ${name} must be an integer ${range}, found ${describe(value)}`,
    );
  }
  return value;
}

/**
 * Most tasks one step takes, everywhere (plain, split, parallel, gradient buffers, tf.js). The
 * kernels' scratch holds T² float64 sums and T² f32x4 accumulators: 24·T² bytes of WebAssembly
 * memory, kept for reuse (384 MiB at 4096). Past T = 9459 that crosses 2 GiB, where the scratch
 * offsets, aligned in 32-bit integer arithmetic (core/wasm.ts align16), wrap negative and the
 * staging fails with "offset is out of bounds". The weights step is O(T³) besides (PCGrad at
 * T = 2048: 3.9 s a step), so 4096 is far beyond any multi-task model and well inside both.
 */
export const MAX_TASKS = 4096;

/** Throws unless T ≤ MAX_TASKS; `holder` names what holds the tasks ("grads", "gram"…). */
export function checkTaskCount(T: number, holder: string, action: string): void {
  if (T > MAX_TASKS) {
    throw new RangeError(
      `Cannot ${action}: ${holder} holds ${T} tasks, more than the ${MAX_TASKS} the library takes`,
    );
  }
}

/**
 * Checks one task gradient per row: an array of Float32Arrays, at least one (at most MAX_TASKS),
 * all one length. Returns T and d. `action` names the caller in messages ("run surgery",
 * "accumulate the Gram"…).
 */
export function validateRows(
  grads: unknown,
  action: string,
): { T: number; d: number } {
  if (!Array.isArray(grads)) {
    throw new TypeError(
      `Cannot ${action}: grads must be an array of Float32Array (one per task), found ${
        describe(grads)
      }`,
    );
  }
  if (grads.length === 0) {
    throw new RangeError(`Cannot ${action}: grads must hold at least one task, found 0 tasks`);
  }
  checkTaskCount(grads.length, "grads", action);
  for (let t = 0; t < grads.length; t++) {
    if (!(grads[t] instanceof Float32Array)) {
      throw new TypeError(
        `Cannot ${action}: task ${t} must be a Float32Array, found ${describe(grads[t])}`,
      );
    }
  }
  const d = (grads[0] as Float32Array).length;
  for (let t = 1; t < grads.length; t++) {
    const n = (grads[t] as Float32Array).length;
    if (n !== d) {
      throw new RangeError(`Cannot ${action}: task ${t} has length ${n}, expected ${d}`);
    }
  }
  return { T: grads.length, d };
}

/**
 * Checks the weights of a combine (combineBlock): an array-like of T finite numbers, one per task.
 */
export function validateWeights(
  weights: unknown,
  T: number,
  action: string,
): ArrayLike<number> {
  if (
    weights === null || typeof weights !== "object" ||
    typeof (weights as ArrayLike<unknown>).length !== "number"
  ) {
    throw new TypeError(
      `Cannot ${action}: weights must be an array of numbers, found ${describe(weights)}`,
    );
  }
  const w = weights as ArrayLike<unknown>;
  if (w.length !== T) {
    throw new RangeError(
      `Cannot ${action}: weights has length ${w.length}, expected ${T} (one per task)`,
    );
  }
  for (let t = 0; t < T; t++) {
    if (typeof w[t] !== "number" || !Number.isFinite(w[t])) {
      throw new RangeError(
        `Cannot ${action}: weights[${t}] must be a finite number, found ${describe(w[t])}`,
      );
    }
  }
  return w as ArrayLike<number>;
}

/** Checks an output array: a Float32Array of length d, not sharing memory with any input. */
export function validateOut(
  out: unknown,
  d: number,
  grads: readonly Float32Array[],
  action: string,
): Float32Array {
  if (!(out instanceof Float32Array)) {
    throw new TypeError(`Cannot ${action}: out must be a Float32Array, found ${describe(out)}`);
  }
  if (out.length !== d) {
    throw new RangeError(`Cannot ${action}: out has length ${out.length}, expected ${d}`);
  }
  for (let t = 0; t < grads.length; t++) {
    if (overlaps(out, grads[t])) {
      throw new RangeError(
        `Cannot ${action}: out shares memory with task ${t}; inputs are never overwritten`,
      );
    }
  }
  return out;
}

function overlaps(a: Float32Array, b: Float32Array): boolean {
  if (a.buffer !== b.buffer) return false;
  return a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}

/**
 * The inputs of one whole step: the task rows (validateRows) and, when given, `out`
 * (validateOut), checked before any heavy pass so a wrong buffer fails fast.
 */
export function validateStepInputs(
  grads: unknown,
  out: unknown,
  action: string,
): { rows: Float32Array[]; T: number; d: number; out: Float32Array | undefined } {
  const { T, d } = validateRows(grads, action);
  const rows = grads as Float32Array[];
  return { rows, T, d, out: out === undefined ? undefined : validateOut(out, d, rows, action) };
}

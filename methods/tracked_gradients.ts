/**
 * The d-sized helpers of the methods that keep per-task vectors across steps (DB-MTL's and
 * MoCo's moving averages of the task gradients, ExcessMTL's per-coordinate sums of squares).
 * Such state is not expressible through the Gramian: it is T rows of d float32 (T·d·4 bytes), kept
 * by the caller between steps, and the step's update combines these rows (Σ_t w_t y_t), not the
 * step's own gradients. Rows are float32 like the gradients; each entry is computed in float64
 * and rounded once. Inputs are never changed; every function returns new rows.
 * @module
 */

/** Throws a RangeError unless `rows` holds `T` rows of length `d`. */
export function checkRows(
  rows: readonly Float32Array[],
  name: string,
  T: number,
  d: number,
  action: string,
): void {
  if (!Array.isArray(rows) || rows.length !== T) {
    throw new RangeError(
      `Cannot ${action}: ${name} must hold ${T} rows, found ${
        Array.isArray(rows) ? rows.length : String(rows)
      }`,
    );
  }
  rows.forEach((row, t) => {
    if (!(row instanceof Float32Array) || row.length !== d) {
      throw new RangeError(
        `Cannot ${action}: ${name}[${t}] must be a Float32Array of length ${d}, found ${
          row instanceof Float32Array ? `length ${row.length}` : typeof row
        }`,
      );
    }
  });
}

/**
 * keep·y_t + (1 − keep)·scale_t·g_t for every task t: a moving average of the (scaled) gradients;
 * `previous` null means zero rows (as both references start from zeros, without bias correction).
 */
export function mixRows(
  previous: readonly Float32Array[] | null,
  grads: readonly Float32Array[],
  keep: number,
  scale: ArrayLike<number> | null = null,
  action = "track the task gradients",
): Float32Array[] {
  const T = grads.length;
  const d = T > 0 ? grads[0].length : 0;
  checkRows(grads, "grads", T, d, action);
  if (previous !== null) checkRows(previous, "the tracked rows", T, d, action);
  if (!(keep >= 0 && keep <= 1)) {
    throw new RangeError(`Cannot ${action}: the kept fraction must be in [0, 1], found ${keep}`);
  }
  return grads.map((g, t) => {
    const s = (1 - keep) * (scale === null ? 1 : scale[t]);
    const y = previous?.[t];
    const out = new Float32Array(d);
    for (let k = 0; k < d; k++) out[k] = (y === undefined ? 0 : keep * y[k]) + s * g[k];
    return out;
  });
}

/** The T×T float64 Gramian Y Yᵀ of float32 rows (row-major). */
export function rowGram(rows: readonly Float32Array[]): Float64Array {
  const T = rows.length;
  const G = new Float64Array(T * T);
  for (let i = 0; i < T; i++) {
    for (let j = i; j < T; j++) {
      let s = 0;
      const a = rows[i], b = rows[j];
      for (let k = 0; k < a.length; k++) s += a[k] * b[k];
      G[i * T + j] = G[j * T + i] = s;
    }
  }
  return G;
}

/** Σ_t w_t y_t as float32 (the update from tracked rows). */
export function combineRows(rows: readonly Float32Array[], w: ArrayLike<number>): Float32Array {
  const d = rows.length > 0 ? rows[0].length : 0;
  const acc = new Float64Array(d);
  rows.forEach((row, t) => {
    if (w[t] !== 0) { for (let k = 0; k < d; k++) acc[k] += w[t] * row[k]; }
  });
  return Float32Array.from(acc);
}

/**
 * The cross-Gramian A Bᵀ (T×T float64, row-major, not symmetric) of two sets of T float32 rows of
 * one length, summed in float64 (no float32 product can overflow it).
 */
export function crossGram(a: readonly Float32Array[], b: readonly Float32Array[]): Float64Array {
  const T = a.length;
  const C = new Float64Array(T * T);
  for (let i = 0; i < T; i++) {
    const x = a[i];
    for (let j = 0; j < T; j++) {
      const y = b[j];
      let s = 0;
      for (let k = 0; k < x.length; k++) s += x[k] * y[k];
      C[i * T + j] = s;
    }
  }
  return C;
}

/**
 * The rows a tracked state holds, checked against this step's T tasks of length d (a state from a
 * run with other gradients is a RangeError naming both shapes); null: no rows yet.
 */
export function previousRows(
  rows: readonly Float32Array[] | null | undefined,
  T: number,
  d: number,
  name: string,
  action: string,
): readonly Float32Array[] | null {
  if (rows === null || rows === undefined) return null;
  if (rows.length !== T || rows[0].length !== d) {
    throw new RangeError(
      `Cannot ${action}: the ${name} state holds ${rows.length} rows of length ${
        rows[0].length
      }, found ${T} tasks of length ${d}`,
    );
  }
  return rows;
}

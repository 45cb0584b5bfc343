/**
 * Tracked float32 rows in a saved state: each row as base64 of its little-endian bytes. Exact (the
 * bits round-trip, NaN payloads and −0 included) and about 5.3 characters per value, where decimal
 * JSON numbers take up to ~15 and must be re-rounded to float32.
 * @module
 */

const CHUNK = 0x8000;

/** A row's bytes (little-endian float32) as base64. */
export function encodeRow(row: Float32Array): string {
  const bytes = new Uint8Array(row.length * 4);
  const view = new DataView(bytes.buffer);
  for (let k = 0; k < row.length; k++) view.setFloat32(4 * k, row[k], true);
  let text = "";
  for (let at = 0; at < bytes.length; at += CHUNK) {
    text += String.fromCharCode(...bytes.subarray(at, at + CHUNK));
  }
  return btoa(text);
}

/** The row that {@linkcode encodeRow} wrote; null when `text` is not base64 of whole float32s. */
export function decodeRow(text: unknown): Float32Array | null {
  if (typeof text !== "string") return null;
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    return null;
  }
  if (binary.length % 4 !== 0) return null;
  const view = new DataView(new ArrayBuffer(binary.length));
  for (let k = 0; k < binary.length; k++) view.setUint8(k, binary.charCodeAt(k));
  const row = new Float32Array(binary.length / 4);
  for (let k = 0; k < row.length; k++) row[k] = view.getFloat32(4 * k, true);
  return row;
}

/**
 * The saved rows of method `name`: T base64 strings of equal length, or null (no rows yet);
 * a TypeError naming the method otherwise.
 */
export function restoreRows(json: unknown, name: string, action: string): Float32Array[] | null {
  if (json === null) return null;
  const rows = Array.isArray(json) ? json.map(decodeRow) : null;
  if (
    rows === null || rows.length === 0 ||
    rows.some((r) => r === null || r.length !== rows[0]!.length)
  ) {
    throw new TypeError(
      `Cannot ${action}: the ${name} state's rows must be null or base64 float32 rows of one length, found ${
        String(JSON.stringify(json)).slice(0, 80)
      }`,
    );
  }
  return rows as Float32Array[];
}

/** The rows for a saved state (null stays null). */
export function saveRows(rows: readonly Float32Array[] | null): string[] | null {
  return rows === null ? null : rows.map(encodeRow);
}

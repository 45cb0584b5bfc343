/**
 * Keeps the single-file build single: the parallel surgery starts its Workers from a module URL
 * beside its own source (`new URL("./worker.ts", import.meta.url)`, parallel/parallel_surgery.ts),
 * which no bundle carries. This swaps that expression, in bundled code, for a `blob:` URL of the
 * bundled worker, made once on first use, so threads work from one file in Deno and browsers.
 * @module
 */

/** The expression as the source writes it. */
export const WORKER_URL_EXPRESSION = 'new URL("./worker.ts", import.meta.url)';

/** What replaces it: a function defined at the top of the bundle. */
const CALL = "__gradientSurgeryWorkerUrl()";

/**
 * `code` with every {@linkcode WORKER_URL_EXPRESSION} replaced by a blob: URL of `workerCode`
 * (itself bundled, so it imports nothing), and how many were replaced.
 */
export function embedWorker(code: string, workerCode: string): { code: string; count: number } {
  const count = code.split(WORKER_URL_EXPRESSION).length - 1;
  if (count === 0) return { code, count };
  const prelude = [
    `const __gradientSurgeryWorkerSource = ${JSON.stringify(workerCode)};`,
    "let __gradientSurgeryWorkerBlob;",
    `function ${CALL} {`,
    "  return __gradientSurgeryWorkerBlob ??= URL.createObjectURL(",
    '    new Blob([__gradientSurgeryWorkerSource], { type: "text/javascript" }),',
    "  );",
    "}",
  ].join("\n");
  return { code: `${prelude}\n${code.replaceAll(WORKER_URL_EXPRESSION, CALL)}`, count };
}

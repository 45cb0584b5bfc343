/**
 * Where the demos write their pictures and numbers: out/ (not tracked by git), so that running a
 * demo never changes the repository; with `--docs`, docs/, the figures the README shows.
 * @module
 */

/** The repository's root. */
const ROOT = new URL("../../", import.meta.url);

/** The flag that sends a demo's output to docs/. */
export const DOCS_FLAG = "--docs";

/** A demo's output folder, and how to name a file in it for the user. */
export interface OutputFolder {
  /** The folder, ending in "/". */
  url: URL;
  /** Whether it is docs/ (asked for with `--docs`). */
  docs: boolean;
}

/**
 * The output folder for a demo's arguments: docs/ when they hold `--docs`, out/ otherwise. The
 * arguments other than `--docs` are returned for the demo to parse.
 */
export function outputFolder(args: readonly string[]): { folder: OutputFolder; rest: string[] } {
  const docs = args.includes(DOCS_FLAG);
  return {
    folder: { url: new URL(docs ? "docs/" : "out/", ROOT), docs },
    rest: args.filter((arg) => arg !== DOCS_FLAG),
  };
}

/** Refuses arguments a demo does not take, naming them; `usage` says what it takes. */
export function noOtherArguments(rest: readonly string[], usage: string): void {
  if (rest.length > 0) {
    throw new RangeError(
      `Cannot run: unknown argument ${JSON.stringify(rest[0])}; usage: ${usage}`,
    );
  }
}

/** Writes `text` to `name` in the folder (creating it) and returns the path from the root. */
export async function writeOutput(
  folder: OutputFolder,
  name: string,
  text: string,
): Promise<string> {
  await Deno.mkdir(folder.url, { recursive: true });
  const file = new URL(name, folder.url);
  await Deno.writeTextFile(file, text);
  return file.href.slice(ROOT.href.length);
}

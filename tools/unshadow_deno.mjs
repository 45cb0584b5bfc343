// Removes node_modules/.bin/deno. `deno task` looks commands up in node_modules/.bin first and
// would run that native binary as JavaScript (docs/architecture.md); without the link,
// `deno` inside a task is the running Deno itself. npm recreates the link whenever it installs
// anything, so both the "prepare" script and tools/deno.mjs call this. "prepare" runs on a plain
// `npm install` in the repository but never when a consumer installs the published package, which
// must run no install script. tools/deno.mjs finds the binary through the package, so nothing
// needs the link.
import { lstatSync, unlinkSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Deletes the .bin links to deno under `root` (the repository), if any. */
export function unshadowDeno(root = fileURLToPath(new URL("..", import.meta.url))) {
  for (const name of ["deno", "deno.cmd", "deno.ps1"]) {
    const link = `${root}/node_modules/.bin/${name}`;
    try {
      lstatSync(link);
    } catch {
      continue;
    }
    unlinkSync(link);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) unshadowDeno();

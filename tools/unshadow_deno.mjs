// npm postinstall: removes node_modules/.bin/deno. `deno task` looks commands up in
// node_modules/.bin first and would run that native binary as JavaScript (DESIGN.md, "Environment
// facts"); without the link, `deno` inside a task is the running Deno itself. tools/deno.mjs finds
// the binary through the package, so nothing else needs the link.
import { lstatSync, unlinkSync } from "node:fs";

for (const name of ["deno", "deno.cmd", "deno.ps1"]) {
  const link = `node_modules/.bin/${name}`;
  try {
    lstatSync(link);
  } catch {
    continue;
  }
  unlinkSync(link);
}

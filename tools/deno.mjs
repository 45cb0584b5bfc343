// Runs the Deno binary that `npm install` put in node_modules (package "deno"), passing every
// argument through: `node tools/deno.mjs task test`. The npm scripts go through this file so a
// fresh machine with only Node and npm needs no global Deno.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { unshadowDeno } from "./unshadow_deno.mjs";

unshadowDeno();
const require = createRequire(import.meta.url);
const dir = dirname(require.resolve("deno/package.json"));
const exe = join(dir, process.platform === "win32" ? "deno.exe" : "deno");
// The package's postinstall copies the native binary next to it; where npm skipped install
// scripts, the package's own launcher finds it in the platform package instead.
const [command, args] = existsSync(exe)
  ? [exe, process.argv.slice(2)]
  : [process.execPath, [join(dir, "bin.cjs"), ...process.argv.slice(2)]];
const result = spawnSync(command, args, { stdio: "inherit" });
if (result.error) throw result.error;
process.exit(result.status ?? 1);

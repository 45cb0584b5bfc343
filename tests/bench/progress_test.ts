// The benchmark's progress line (bench/_progress.ts): how it writes durations.
import assert from "node:assert/strict";
import { duration } from "../../bench/_progress.ts";

Deno.test("bench progress: durations as seconds, minutes and seconds, hours and minutes", () => {
  assert.equal(duration(0), "0s");
  assert.equal(duration(44.6), "45s");
  assert.equal(duration(59.4), "59s");
  assert.equal(duration(60), "1m00s");
  assert.equal(duration(192), "3m12s");
  assert.equal(duration(3599), "59m59s");
  assert.equal(duration(3600), "1h00m");
  assert.equal(duration(3725), "1h02m");
});

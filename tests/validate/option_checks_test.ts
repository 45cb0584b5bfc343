// The checks behind every option kind (validate/option_checks.ts): the value, the fallback when
// undefined, or an error naming the option and the value found.

import assert from "node:assert/strict";
import {
  booleanOption,
  checkPerTaskLength,
  numberArray,
  numberIn,
  oneOf,
  wholeNumber,
} from "../../validate/option_checks.ts";

const A = "test";

Deno.test("oneOf: a listed string, the fallback, or a RangeError listing the choices", () => {
  assert.equal(oneOf("mode", "b", ["a", "b"], "a", A), "b");
  assert.equal(oneOf("mode", undefined, ["a", "b"], undefined, A), undefined);
  assert.throws(
    () => oneOf("mode", 3, ["a", "b"], "a", A),
    RangeError,
    'Cannot test: mode must be one of "a", "b", found number 3',
  );
});

Deno.test("numberIn: finite unless Infinity means something; ranges named as before", () => {
  assert.equal(numberIn("c", undefined, 0, Infinity, 0.5, A), 0.5);
  assert.equal(numberIn("maxNorm", Infinity, Number.MIN_VALUE, Infinity, 1, A, true), Infinity);
  assert.throws(() => numberIn("c", "x", 0, Infinity, 0.5, A), TypeError, "c must be a number");
  assert.throws(() => numberIn("c", NaN, 0, Infinity, 0.5, A), TypeError);
  assert.throws(
    () => numberIn("c", Infinity, 0, Infinity, 0.5, A),
    RangeError,
    "c must be a finite number ≥ 0, found Infinity",
  );
  assert.throws(
    () => numberIn("beta", -0.1, 0, 1, 0.5, A),
    RangeError,
    "beta must be a number in [0, 1], found -0.1",
  );
});

Deno.test("numberArray, wholeNumber, booleanOption, checkPerTaskLength", () => {
  const given = [0.5, 1];
  const copy = numberArray("leak", given, 0, 1, A);
  assert.deepEqual(copy, given);
  assert.notEqual(copy, given);
  assert.throws(() => numberArray("leak", 1, 0, 1, A), TypeError, "one per task");
  assert.throws(() => numberArray("w", [1, NaN], -Infinity, Infinity, A), RangeError, "w[1]");
  assert.equal(wholeNumber("k", undefined, 1, A), 1);
  assert.throws(() => wholeNumber("k", 0, 1, A), RangeError, "k must be a whole number ≥ 1");
  assert.equal(booleanOption("flag", undefined, true, A), true);
  assert.throws(() => booleanOption("flag", 1, true, A), TypeError, "flag must be a boolean");
  checkPerTaskLength("leak", 0.5, 3, A);
  assert.throws(
    () => checkPerTaskLength("leak", [1, 1], 3, A),
    RangeError,
    "leak has 2 entries, expected 3 (one per task)",
  );
});
